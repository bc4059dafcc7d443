"""index.writer: incremental runs, failure isolation, duplicates, rebuild, locking, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import whoosh.index
from whoosh.query import Term

import pressearch
import pressearch.index.workers as workers
import pressearch.index.writer as writer
from pressearch import locations
from pressearch.errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    SchemaVersionError,
    UsageError,
)
from pressearch.index.check import check_index
from pressearch.index.ingest import ParsedFile, read_file
from pressearch.index.ingest.identity import article_id
from pressearch.index.reader import get_article, open_index, stats
from pressearch.index.schema import SCHEMA_VERSION
from pressearch.index.writer import build
from pressearch.models import Failure, IndexReport, Progress
from tests.conftest import SMALL_ARCHIVE, BuiltIndex, touch_later, write_article

PHISHING_URL = SMALL_ARCHIVE["phishing.md"]["url"]
COVID_URL = SMALL_ARCHIVE["covid/vaccine-scams.md"]["url"]
SPEECH_URL = SMALL_ARCHIVE["speech.md"]["url"]
REPO = Path(__file__).resolve().parents[2]


def counts(report: IndexReport) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.removed, report.unchanged


def indexed(index_dir: Path) -> dict[str, str]:
    """id -> path of every live document."""
    with open_index(index_dir).searcher() as searcher:
        return {fields["id"]: fields["path"] for fields in searcher.all_stored_fields()}


def small_ids(archive: Path) -> dict[str, str]:
    return {
        article_id(PHISHING_URL, ""): str(archive / "phishing.md"),
        article_id(COVID_URL, ""): str(archive / "covid" / "vaccine-scams.md"),
        article_id(SPEECH_URL, ""): str(archive / "speech.md"),
        "notes/no-source.md": str(archive / "notes" / "no-source.md"),
    }


def use_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index through worker processes, however few and small the files."""
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 1)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the writer reads (in-process parsing: small runs)."""
    seen: list[str] = []

    def spy(path: Path, root: Path) -> ParsedFile:
        seen.append(str(path))
        return read_file(path, root)

    monkeypatch.setattr("pressearch.index.reading.read_file", spy)
    return seen


# -- incremental runs -------------------------------------------------------


def test_first_run_adds_every_article(built_index: BuiltIndex) -> None:
    report = built_index.report
    assert counts(report) == (4, 0, 0, 0)
    assert (report.failed, report.warnings, report.files_seen) == ((), (), 4)
    assert report.index_dir == str(built_index.index_dir)
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)
    metadata = json.loads((built_index.index_dir / "pressearch.json").read_text("utf-8"))
    assert metadata == {"schema_version": SCHEMA_VERSION, "roots": [str(built_index.archive)]}


def test_second_run_reads_no_file(built_index: BuiltIndex, reads: list[str]) -> None:
    files = set(os.listdir(built_index.index_dir))
    report = build([built_index.archive], built_index.index_dir)
    assert counts(report) == (0, 0, 0, 4)
    assert reads == []
    assert set(os.listdir(built_index.index_dir)) == files  # no commit, nothing left behind


def test_changed_file_is_reindexed_alone(built_index: BuiltIndex, reads: list[str]) -> None:
    speech = built_index.archive / "speech.md"
    write_article(
        built_index.archive, "speech.md", **{**SMALL_ARCHIVE["speech.md"], "headline": "REVISED"}
    )
    touch_later(speech)
    report = build([built_index.archive], built_index.index_dir)
    assert counts(report) == (0, 1, 0, 3)
    assert reads == [str(speech)]
    assert get_article(built_index.index_dir, SPEECH_URL).headline == "REVISED"
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)


def test_new_file_is_added(built_index: BuiltIndex, reads: list[str]) -> None:
    new = write_article(built_index.archive, "new/extra.md", headline="EXTRA", body="More.")
    report = build([built_index.archive], built_index.index_dir)
    assert counts(report) == (1, 0, 0, 4)
    assert reads == [str(new)]
    assert indexed(built_index.index_dir)["new/extra.md"] == str(new)


def test_deleted_file_is_removed(built_index: BuiltIndex) -> None:
    (built_index.archive / "speech.md").unlink()
    report = build([built_index.archive], built_index.index_dir)
    assert counts(report) == (0, 0, 1, 3)
    with pytest.raises(ArticleNotFoundError):
        get_article(built_index.index_dir, SPEECH_URL)


def test_moved_file_keeps_its_url_id(built_index: BuiltIndex) -> None:
    archive = built_index.archive
    (archive / "2023").mkdir()
    (archive / "phishing.md").rename(archive / "2023" / "phishing.md")
    report = build([archive], built_index.index_dir)
    assert counts(report) == (0, 1, 0, 3)
    moved = get_article(built_index.index_dir, PHISHING_URL)
    assert moved.path == str(archive / "2023" / "phishing.md")


def test_moved_file_without_url_gets_a_new_id(built_index: BuiltIndex) -> None:
    archive = built_index.archive
    (archive / "notes" / "no-source.md").rename(archive / "notes" / "renamed.md")
    report = build([archive], built_index.index_dir)
    assert counts(report) == (1, 0, 1, 3)
    ids = indexed(built_index.index_dir)
    assert ids["notes/renamed.md"] == str(archive / "notes" / "renamed.md")
    assert "notes/no-source.md" not in ids


def test_articles_of_other_roots_are_never_touched(built_index: BuiltIndex, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_article(other, "one.md", headline="OTHER ROOT", body="Text.")
    assert counts(build([other], built_index.index_dir)) == (1, 0, 0, 0)
    (built_index.archive / "speech.md").unlink()
    report = build([other], built_index.index_dir)
    assert counts(report) == (0, 0, 0, 1)
    assert len(indexed(built_index.index_dir)) == 5
    report = build([built_index.archive], built_index.index_dir)
    assert counts(report) == (0, 0, 1, 3)
    assert "one.md" in indexed(built_index.index_dir)


def test_a_single_file_can_be_indexed(tmp_path: Path) -> None:
    path = write_article(tmp_path / "a", "solo.md", headline="SOLO", body="Alone.")
    report = build([path], tmp_path / "index")
    assert counts(report) == (1, 0, 0, 0)
    assert indexed(tmp_path / "index") == {"solo.md": str(path)}


# -- failures and duplicates --------------------------------------------------


def test_failed_file_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_article(archive, "good.md", headline="GOOD", body="Fine.")
    (archive / "binary.md").write_bytes(b"\x00\x01\x02PNG")
    (archive / "empty.md").write_bytes(b"")
    report = build([archive], tmp_path / "index")
    assert counts(report) == (1, 0, 0, 0)
    assert report.failed == (
        Failure(str(archive / "binary.md"), "binary file"),
        Failure(str(archive / "empty.md"), "empty file"),
    )
    assert report.files_seen == 3
    assert indexed(tmp_path / "index") == {"good.md": str(archive / "good.md")}


def test_file_that_breaks_keeps_its_old_articles(built_index: BuiltIndex) -> None:
    speech = built_index.archive / "speech.md"
    speech.write_bytes(b"\x00 not text any more")
    touch_later(speech)
    for _ in range(2):  # reported on every run until it is fixed
        report = build([built_index.archive], built_index.index_dir)
        assert counts(report) == (0, 0, 0, 3)
        assert report.failed == (Failure(str(speech), "binary file"),)
    headline = SMALL_ARCHIVE["speech.md"]["headline"]
    assert get_article(built_index.index_dir, SPEECH_URL).headline == headline


def test_bad_json_line_is_reported_with_its_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    lines = ['{"id": "a", "headline": "A"}', '{"headline": "broken"', '{"id": "b", "body": "B"}']
    (archive / "bulk.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = build([archive], tmp_path / "index")
    assert counts(report) == (2, 0, 0, 0)
    reason = "line 2: invalid JSON (Expecting ',' delimiter at column 22)"
    assert report.failed == (Failure(str(archive / "bulk.jsonl"), reason),)


def test_jsonl_file_is_replaced_as_a_whole(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    bulk = archive / "bulk.jsonl"
    rows = [{"id": i, "headline": i.upper()} for i in ("a", "b", "c")]
    bulk.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert counts(build([archive], index_dir)) == (3, 0, 0, 0)
    assert get_article(index_dir, str(bulk)).id == "a"  # a path holding many: the first
    bulk.write_text("".join(json.dumps(r) + "\n" for r in rows[1:]), encoding="utf-8")
    touch_later(bulk)
    assert counts(build([archive], index_dir)) == (0, 2, 1, 0)
    assert sorted(indexed(index_dir)) == ["b", "c"]


def test_duplicate_id_within_a_jsonl_file_keeps_the_last_line(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    bulk = archive / "bulk.jsonl"
    rows = [{"id": "a", "headline": "FIRST"}, {"id": "b", "body": "B"}, {"id": "a", "body": "LAST"}]
    bulk.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = build([archive], tmp_path / "index")
    assert counts(report) == (2, 0, 0, 0)
    assert report.warnings == (Failure(str(bulk), "duplicate id a: a later line wins"),)
    assert get_article(tmp_path / "index", "a").body == "LAST"


def test_duplicate_url_keeps_the_last_file_by_path(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    url = "https://press.example.com/same"
    ident = article_id(url, "")
    b = write_article(archive, "b.md", headline="B", url=url)
    a = write_article(archive, "a.md", headline="A", url=url)
    report = build([archive], index_dir)
    assert counts(report) == (1, 0, 0, 0)
    assert report.warnings == (
        Failure(str(a), f"duplicate id {ident}, also in {b}, which is kept"),
    )
    assert get_article(index_dir, url).headline == "B"

    # A later run that brings an earlier path changes nothing...
    zero = write_article(archive, "0.md", headline="ZERO", url=url)
    report = build([archive], index_dir)
    assert counts(report) == (0, 0, 0, 1)
    assert [w.path for w in report.warnings] == [str(zero), str(a)]
    # ...and one that brings a later path replaces the article.
    c = write_article(archive, "c.md", headline="C", url=url)
    report = build([archive], index_dir)
    assert counts(report) == (0, 1, 0, 0)
    assert report.warnings == tuple(
        Failure(str(p), f"duplicate id {ident}, also in {c}, which is kept") for p in (zero, a, b)
    )
    assert get_article(index_dir, url).headline == "C"
    assert indexed(index_dir) == {ident: str(c)}


# -- rebuild and schema versions ---------------------------------------------


def test_rebuild_replaces_the_index(built_index: BuiltIndex, tmp_path: Path) -> None:
    other = tmp_path / "other"
    one = write_article(other, "one.md", headline="ONLY THIS", body="Text.")
    report = build([other], built_index.index_dir, rebuild=True)
    assert counts(report) == (1, 0, 0, 0)
    assert indexed(built_index.index_dir) == {"one.md": str(one)}


def test_rebuild_switches_segments_and_leaves_nothing_behind(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = built_index.index_dir
    old_segments = {p.name for p in index_dir.glob("MAIN_*.seg")}
    stale = index_dir / ".rebuild-left-by-a-killed-run"
    stale.mkdir()
    (stale / "MAIN_abc.seg").write_bytes(b"partial")
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)  # the new index in several segments
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    locked_out: list[str] = []  # the stage of each report, which found the lock held

    def try_to_write(progress: Progress) -> None:
        with pytest.raises(whoosh.index.LockError):  # the rebuild holds the lock
            whoosh.index.open_dir(str(index_dir)).writer(timeout=0)
        locked_out.append(progress.stage)

    report = build([built_index.archive], index_dir, rebuild=True, progress=try_to_write)
    assert counts(report) == (4, 0, 0, 0)
    assert locked_out.count("reading") == 4
    assert locked_out[-1] == "committing"  # the switch to the new segments
    assert indexed(index_dir) == small_ids(built_index.archive)
    with open_index(index_dir).reader() as reader:
        assert len(reader.leaf_readers()) == 4
    names = set(os.listdir(index_dir))
    segments = {name for name in names if name.startswith("MAIN_") and name.endswith(".seg")}
    assert len(segments) == 4 and not segments & old_segments
    (toc,) = (name for name in names if name.endswith(".toc"))
    assert names == {"pressearch.json", "MAIN_WRITELOCK", toc, *segments}


def test_schema_change_requires_rebuild(built_index: BuiltIndex) -> None:
    metadata = built_index.index_dir / "pressearch.json"
    metadata.write_text('{"schema_version": 0}', encoding="utf-8")
    with pytest.raises(SchemaVersionError) as caught:
        build([built_index.archive], built_index.index_dir)
    assert str(caught.value) == (
        f"the index at {built_index.index_dir} was built with schema version 0,"
        f" this pressearch uses {SCHEMA_VERSION} — run `pressearch index --rebuild"
        " PATH..., naming the folders it covered`"
    )
    report = build([built_index.archive], built_index.index_dir, rebuild=True)
    assert counts(report) == (4, 0, 0, 0)
    assert json.loads(metadata.read_text("utf-8")) == {
        "schema_version": SCHEMA_VERSION,
        "roots": [str(built_index.archive)],
    }
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)


def test_corrupt_index_is_reported_then_rebuilt(built_index: BuiltIndex) -> None:
    (segment,) = built_index.index_dir.glob("*.seg")
    with segment.open("r+b") as f:
        f.truncate(segment.stat().st_size // 2)
    with pytest.raises(IndexCorruptError, match=r"run `pressearch index --rebuild`$"):
        build([built_index.archive], built_index.index_dir)
    report = build([built_index.archive], built_index.index_dir, rebuild=True)
    assert counts(report) == (4, 0, 0, 0)
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)


def test_rebuild_over_unreadable_table_of_contents(built_index: BuiltIndex) -> None:
    for toc in built_index.index_dir.glob("_MAIN_*.toc"):
        toc.write_bytes(b"")
    report = build([built_index.archive], built_index.index_dir, rebuild=True)
    assert counts(report) == (4, 0, 0, 0)
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)


# -- interruptions, locks, crashes ---------------------------------------------


def interrupt_at(path: Path) -> Callable[[Progress], None]:
    def progress(p: Progress) -> None:
        if p.path == str(path):
            raise KeyboardInterrupt

    return progress


def test_interrupted_run_leaves_the_last_commit(built_index: BuiltIndex) -> None:
    archive = built_index.archive
    write_article(archive, "speech.md", **{**SMALL_ARCHIVE["speech.md"], "headline": "NEW"})
    touch_later(archive / "speech.md")
    extra = write_article(archive, "a-extra.md", headline="EXTRA", body="More.")
    with pytest.raises(KeyboardInterrupt):
        build([archive], built_index.index_dir, progress=interrupt_at(extra))
    assert indexed(built_index.index_dir) == small_ids(archive)
    old_headline = SMALL_ARCHIVE["speech.md"]["headline"]
    assert get_article(built_index.index_dir, SPEECH_URL).headline == old_headline
    report = build([archive], built_index.index_dir, wait=0)  # the lock was released
    assert counts(report) == (1, 1, 0, 3)


def test_interrupted_rebuild_keeps_the_old_index(built_index: BuiltIndex, tmp_path: Path) -> None:
    other = tmp_path / "other"
    one = write_article(other, "one.md", headline="ONE", body="Text.")
    write_article(other, "two.md", headline="TWO", body="Text.")
    with pytest.raises(KeyboardInterrupt):
        build([other], built_index.index_dir, rebuild=True, progress=interrupt_at(one))
    assert indexed(built_index.index_dir) == small_ids(built_index.archive)


def test_lock_held_past_the_wait_fails_clearly(built_index: BuiltIndex) -> None:
    holder = whoosh.index.open_dir(str(built_index.index_dir)).writer()
    try:
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as caught:
            build([built_index.archive], built_index.index_dir, wait=0.2)
        assert time.monotonic() - started >= 0.2
        assert str(caught.value) == (
            f"another `pressearch index` is writing to {built_index.index_dir}; waited 0.2 s"
            " — try again later or pass --wait"
        )
    finally:
        holder.cancel()
    assert counts(build([built_index.archive], built_index.index_dir, wait=0)) == (0, 0, 0, 4)


HOLD_LOCK = """
import sys, time, whoosh.index
writer = whoosh.index.open_dir(sys.argv[1]).writer()
print("locked", flush=True)
time.sleep(120)
"""


def test_lock_of_a_killed_process_is_free(built_index: BuiltIndex) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(built_index.index_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(IndexLockedError):
            build([built_index.archive], built_index.index_dir, wait=0)
    finally:
        holder.kill()  # SIGKILL: no chance to release anything
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    assert counts(build([built_index.archive], built_index.index_dir, wait=0)) == (0, 0, 0, 4)


KILL_MIDWAY = """
import os, signal, sys
from pathlib import Path
import pressearch.index.workers
from pressearch.index.writer import build

pressearch.index.workers.PARALLEL_MIN_BYTES = 1  # parse 80 small files in worker processes

def progress(p):
    if p.done == 40:
        # Every process below this one: the forkserver and the parser workers.
        kids, found = {os.getpid()}, True
        while found:
            found = False
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if ppid in kids and int(pid) not in kids:
                    kids.add(int(pid))
                    found = True
        print(*sorted(kids - {os.getpid()}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    build([Path(sys.argv[1])], Path(sys.argv[2]), progress=progress)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigkill_midway_leaves_a_working_index(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    for i in range(80):
        write_article(archive, f"{i:03d}.md", headline=f"ARTICLE {i}", body=f"Body {i}.")
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_MIDWAY), str(archive), str(index_dir)],
        capture_output=True,
        text=True,
        cwd=archive.parent,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    workers = [int(pid) for pid in killed.stdout.split()]
    if (os.cpu_count() or 1) > 1:
        assert workers  # the parse ran in a pool, whose processes must all go
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == []
    assert indexed(index_dir) == {}  # the last commit: the new, empty index
    report = build([archive], index_dir, wait=0)
    assert counts(report) == (80, 0, 0, 0)


# -- walking and arguments -------------------------------------------------------


def test_missing_path_is_a_usage_error_before_any_index(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(UsageError) as caught:
        build([missing], tmp_path / "index")
    assert str(caught.value) == f"{missing}: no such file or directory"
    assert not (tmp_path / "index").exists()


def test_unsupported_file_argument_is_a_usage_error(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(UsageError) as caught:
        build([pdf], tmp_path / "index")
    assert str(caught.value) == (
        f"{pdf}: not an article file"
        " (use .md, .markdown, .jsonl, .txt, .html, .htm, .rss, .atom, .xml)"
    )


def test_walk_skips_hidden_names_and_ends_symlink_loops(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_article(archive, "a.md", headline="A", body="Text.")
    write_article(archive, ".hidden/b.md", headline="B", body="Text.")
    write_article(archive, ".c.md", headline="C", body="Text.")
    write_article(tmp_path / "outside", "real.md", headline="REAL", body="Text.")
    (archive / "notes.pdf").write_bytes(b"%PDF")
    (archive / "loop").symlink_to(archive, target_is_directory=True)
    (archive / "linked.md").symlink_to(tmp_path / "outside" / "real.md")
    (archive / "dangling.md").symlink_to(tmp_path / "missing.md")
    report = build([archive], index_dir)
    assert counts(report) == (1, 0, 0, 0)
    assert report.failed == (Failure(str(archive / "dangling.md"), "broken symbolic link"),)
    assert report.warnings == (
        Failure(
            str(archive / "linked.md"),
            f"symbolic link to {tmp_path / 'outside' / 'real.md'}, outside the folders being"
            " indexed: not followed (--follow-links follows it)",
        ),
    )
    assert report.files_seen == 2
    assert indexed(index_dir) == {"a.md": str(archive / "a.md")}
    report = build([archive], index_dir, follow_links=True)
    assert counts(report) == (1, 0, 0, 1)
    assert report.warnings == ()
    assert indexed(index_dir) == {
        "a.md": str(archive / "a.md"),
        "linked.md": str(archive / "linked.md"),
    }


def test_progress_after_each_file(built_index: BuiltIndex) -> None:
    archive = built_index.archive
    new = write_article(archive, "new.md", headline="NEW", body="Text.")
    seen: list[Progress] = []
    build([archive], built_index.index_dir, progress=seen.append)
    unchanged = sorted(str(archive / name) for name in SMALL_ARCHIVE)
    # Every file once as it is read (or found unchanged); then, at 100%, the
    # run says what it still does: writing the segment, committing it.
    assert seen == [
        *(Progress(i + 1, 5, path) for i, path in enumerate([*unchanged, str(new)])),
        Progress(5, 5, str(new), "writing"),
        Progress(5, 5, str(new), "committing"),
    ]
    seen.clear()
    build([archive], built_index.index_dir, rebuild=True, progress=seen.append)
    assert [p.stage for p in seen][-3:] == ["writing", "committing", "committing"]


def test_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    write_article(tmp_path / "archive", "a.md", headline="A", body="Text.")
    folder.mkdir()
    (folder / "letter.txt").write_text("Dear ...", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        build([tmp_path / "archive"], folder)
    assert str(caught.value) == (
        f"{folder} is not a pressearch index (it holds other files):"
        " give an empty or new folder to --index"
    )
    assert os.listdir(folder) == ["letter.txt"]
    # Said first: before a missing path, and before a run given no paths
    # reads anything there.
    for paths in ([tmp_path / "nowhere"], None):
        with pytest.raises(UsageError, match="is not a pressearch index"):
            build(paths, folder)
    assert os.listdir(folder) == ["letter.txt"]


# -- speed paths give the same index ---------------------------------------------


def test_parallel_parsing_gives_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_workers(monkeypatch)
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)
    archive = tmp_path / "archive"
    for name, parts in SMALL_ARCHIVE.items():
        write_article(archive, name, **parts)
    (archive / "broken.md").write_bytes(b"\x00")
    report = build([archive], tmp_path / "index")
    assert counts(report) == (4, 0, 0, 0)
    assert report.failed == (Failure(str(archive / "broken.md"), "binary file"),)
    assert indexed(tmp_path / "index") == small_ids(archive)


def test_worker_progress_counts_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers report files as they finish them; none may be counted twice or missed.
    use_workers(monkeypatch)
    monkeypatch.setattr(workers, "BATCH_BYTES", 2_000)
    archive = tmp_path / "archive"
    names = [f"{i:03}.md" for i in range(40)]
    for name in names:
        write_article(archive, name, headline=name, body="Text. " * 50)
    seen: list[Progress] = []
    report = build([archive], tmp_path / "index", progress=seen.append)
    assert counts(report) == (40, 0, 0, 0)
    reading = [p for p in seen if p.stage == "reading"]
    assert [p.done for p in reading] == list(range(1, 41))
    assert {p.total for p in seen} == {40}
    assert sorted(p.path for p in reading) == [str(archive / name) for name in names]
    # Once every file is read, the bar at 100% says the segments are being
    # written and committed, never that files are still read.
    after = [p.stage for p in seen[seen.index(reading[-1]) + 1 :]]
    assert after[0] == "writing"
    assert after[-1] == "committing"
    assert set(after) == {"writing", "committing"}


def test_commits_in_batches_give_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)  # commit after every file
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    archive = tmp_path / "archive"
    for name, parts in SMALL_ARCHIVE.items():
        write_article(archive, name, **parts)
    index_dir = tmp_path / "index"
    assert counts(build([archive], index_dir)) == (4, 0, 0, 0)
    with open_index(index_dir).reader() as reader:
        assert len(reader.leaf_readers()) == 4
    (archive / "speech.md").unlink()
    write_article(archive, "notes/no-source.md", headline="CHANGED", body="Text.")
    touch_later(archive / "notes" / "no-source.md")
    assert counts(build([archive], index_dir)) == (0, 1, 1, 2)
    assert indexed(index_dir) == {
        k: v for k, v in small_ids(archive).items() if not v.endswith("speech.md")
    }


def mixed_archive(archive: Path) -> None:
    """Files that exercise every rule: duplicates across files and lines, a failure."""
    for name, parts in SMALL_ARCHIVE.items():
        write_article(archive, name, **parts)
    url = "https://press.example.com/same"
    for name in ("dup/a.md", "dup/b.md", "dup/c.md"):
        write_article(archive, name, headline=name.upper(), body="Same story.", url=url)
    rows = [{"id": "j1", "headline": "1"}, {"id": "j2", "body": "Two."}, {"id": "j1", "body": "1"}]
    (archive / "bulk.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    (archive / "broken.md").write_bytes(b"\x00")


def index_contents(index_dir: Path) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Every live document's stored fields (sorted by id), and the facet counts."""
    with open_index(index_dir).searcher() as searcher:
        docs = sorted(searcher.all_stored_fields(), key=lambda fields: str(fields["id"]))
    return docs, dict(stats(index_dir).facets)


def test_worker_segments_give_the_same_index_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    mixed_archive(archive)
    one = build([archive], tmp_path / "one")  # in-process: one batch, one segment
    use_workers(monkeypatch)
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    many = build([archive], tmp_path / "many")  # a segment per file, built by workers
    with open_index(tmp_path / "many").reader() as reader:
        assert len(reader.leaf_readers()) == 6  # not the broken file, nor dup/a.md, dup/b.md (lost)
    assert counts(many) == counts(one) == (7, 0, 0, 0)
    assert (many.failed, many.warnings) == (one.failed, one.warnings)
    assert [w.error.split(",")[0] for w in one.warnings] == [
        "duplicate id j1: a later line wins",
        f"duplicate id {article_id('https://press.example.com/same', '')}",
        f"duplicate id {article_id('https://press.example.com/same', '')}",
    ]
    assert index_contents(tmp_path / "many") == index_contents(tmp_path / "one")
    assert get_article(tmp_path / "many", "https://press.example.com/same").headline == "DUP/C.MD"


def test_too_many_segments_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    mixed_archive(archive)
    build([archive], tmp_path / "one")
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    monkeypatch.setattr(writer, "MAX_SEGMENTS", 4)

    def segments() -> int:
        with open_index(index_dir).reader() as reader:
            return len(reader.leaf_readers())

    build([archive], index_dir)
    assert segments() == 4
    assert index_contents(index_dir) == index_contents(tmp_path / "one")
    # Deleted documents stay deleted through merges, changed ones are replaced.
    (archive / "speech.md").unlink()
    write_article(archive, "phishing.md", **{**SMALL_ARCHIVE["phishing.md"], "headline": "NEW"})
    touch_later(archive / "phishing.md")
    for i in range(3):
        write_article(archive, f"more/{i}.md", headline=f"MORE {i}", body="Text.")
    assert counts(build([archive], index_dir)) == (3, 1, 1, 5)
    assert segments() == 4
    assert get_article(index_dir, PHISHING_URL).headline == "NEW"
    ids = indexed(index_dir)
    assert len(ids) == 9 and article_id(SPEECH_URL, "") not in ids
    assert check_index(index_dir).problems == ()


def test_a_large_archive_is_built_in_bounded_batches_and_full_segments_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stand-ins for a million files: batches of at most 3 files, whatever
    # BATCHES_PER_WORKER asks, each a segment; full ones (any size here) are never
    # merged, however many there are.
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    for i in range(14):
        write_article(archive, f"{i:02}.md", headline=f"Story {i}", body="Text. " * 20)
    use_workers(monkeypatch)
    monkeypatch.setattr(workers, "MAX_BATCH_FILES", 3)
    monkeypatch.setattr(writer, "MAX_SEGMENTS", 2)
    monkeypatch.setattr(writer, "FULL_SEGMENT_BYTES", 1)
    assert counts(build([archive], index_dir)) == (14, 0, 0, 0)
    with open_index(index_dir).reader() as reader:
        assert [leaf.doc_count_all() for leaf, _ in reader.leaf_readers()] == [3, 3, 3, 3, 2]
    assert len(indexed(index_dir)) == 14
    # Not full (the real size), they are merged down to MAX_SEGMENTS as before.
    monkeypatch.setattr(writer, "FULL_SEGMENT_BYTES", writer.MAX_BATCH_BYTES)
    write_article(archive, "new.md", headline="New", body="Text.")
    assert counts(build([archive], index_dir)) == (1, 0, 0, 14)
    with open_index(index_dir).reader() as reader:
        assert len(reader.leaf_readers()) == 2
    assert len(indexed(index_dir)) == 15
    assert check_index(index_dir).problems == ()


# -- what a document holds ----------------------------------------------------------


def test_document_fields_are_searchable(built_index: BuiltIndex) -> None:
    phishing = article_id(PHISHING_URL, "")
    with open_index(built_index.index_dir).searcher() as searcher:

        def ids(field: str, text: str) -> list[str]:
            return sorted(
                searcher.stored_fields(n)["id"] for n in searcher.docs_for_query(Term(field, text))
            )

        assert ids("speaker", "kovac") == [phishing]
        assert ids("role", "prosecutor") == [phishing]
        assert ids("quotes", "bar") == [phishing]
        assert ids("url", PHISHING_URL) == [phishing]
        assert ids("facet_crime_area", "Cybercrime") == sorted(
            [phishing, article_id(COVID_URL, "")]
        )
        assert ids("facet_regions", "Europe") == [article_id(COVID_URL, "")]
        assert ids("facet_month", "2019-05") == [article_id(SPEECH_URL, "")]
        record = searcher.stored_fields(searcher.document_number(id=phishing))["record"]
    expected = get_article(built_index.index_dir, phishing).to_dict()
    assert json.loads(record) == expected
    assert expected["path"] == str(built_index.archive / "phishing.md")


# -- locations ------------------------------------------------------------------------


def test_default_index_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRESSEARCH_INDEX", str(tmp_path / "mine"))
    assert locations.default_index_dir() == tmp_path / "mine"
    monkeypatch.delenv("PRESSEARCH_INDEX")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert locations.default_index_dir() == tmp_path / "data" / "pressearch" / "index"


def test_sample_archive_dir_holds_articles() -> None:
    folder = locations.sample_archive_dir()
    # Installed: inside the package; editable: the checkout's own folder.
    assert folder in (Path(pressearch.__file__).parent / "sample_docs", REPO / "sample_docs")
    shipped = {p.relative_to(folder) for p in folder.rglob("*.md")}
    assert shipped == {
        p.relative_to(REPO / "sample_docs") for p in REPO.glob("sample_docs/**/*.md")
    }
