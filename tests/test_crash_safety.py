"""Crashes and concurrency: `pressearch index` killed, raced, or read from while it writes.

Every test runs the real command in a subprocess over 2,000 generated
articles (one file each, no source URL, so each id is the file's relative
path and path order is id order).

What "the last committed state" means here: the writer commits in batches
(of `BATCH_BYTES` of files, one segment each) and indexes new files last path
first, so a commit always holds every article of a contiguous run of the
sorted file list, taken from one end, each article exactly as written. The
tests assert exactly that after every kill and in every concurrent query:
a set of ids that is a prefix or a suffix of the sorted ids, never shrinking,
with every stored article equal to its file and no id twice.

To get many commits from 2,000 small files, the killed runs are the real CLI
with `pressearch.index.workers.BATCH_BYTES` lowered (`CHILD` below); the run that finally
completes the work is the unmodified `python -m pressearch index`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.errors import IndexCorruptError
from pressearch.index import reader
from pressearch.index.check import check_index
from pressearch.index.reader import open_index
from pressearch.index.writer import build
from pressearch.models import Article
from tests.conftest import article_markdown

ARTICLES = 2_000
YEARS = ("2019", "2020", "2021", "2022")
# About 80 articles a commit: some 25 commits for a full run.
BATCH_CHARS = 24_000
CHILD = """
import sys
import pressearch.index.workers
pressearch.index.workers.BATCH_BYTES = int(sys.argv.pop(1))
pressearch.index.workers.BATCHES_PER_WORKER = 1_000
from pressearch.cli.app import main
sys.argv[0] = "pressearch"
main()
"""
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")
WORDS = "police europol fraud network arrest money laundering court border agency".split()


def article_id(i: int) -> str:
    return f"d{i // 100:02d}/a{i:04d}.md"


def body(i: int) -> str:
    rng = random.Random(i)
    return f"Article {i}: " + " ".join(rng.choices(WORDS, k=40)) + "."


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "archive"
    for i in range(ARTICLES):
        path = folder / article_id(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = article_markdown(
            headline=f"ARTICLE {i}", body=body(i), date=f"1 Mar {YEARS[i % 4]}", type="News"
        )
        path.write_text(text, encoding="utf-8")
    return folder


ALL_IDS = [article_id(i) for i in range(ARTICLES)]  # sorted: ids sort like paths


def start(archive: Path, index_dir: Path, *, batch_chars: int | None) -> subprocess.Popen[str]:
    """`pressearch index ARCHIVE --index INDEX --json` in its own session."""
    prefix = ["-c", CHILD, str(batch_chars)] if batch_chars else ["-m", "pressearch"]
    return subprocess.Popen(
        [sys.executable, *prefix, "index", str(archive), "--index", str(index_dir), "--json"],
        cwd=archive.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@contextlib.contextmanager
def sessions() -> Iterator[list[subprocess.Popen[str]]]:
    """Started runs; whatever is left of their sessions (parser workers) is killed at the end."""
    started: list[subprocess.Popen[str]] = []
    try:
        yield started
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def generation(index_dir: Path) -> int:
    """The newest commit's generation (-1 before the index exists)."""
    try:
        names = os.listdir(index_dir)
    except FileNotFoundError:
        return -1
    return max((int(m.group(1)) for m in map(_TOC.match, names) if m), default=-1)


def committed_or_done(index_dir: Path, target: int, run: subprocess.Popen[str]) -> bool:
    return generation(index_dir) >= target or run.poll() is not None


def lock_held(index_dir: Path) -> bool:
    """Whether some process holds the index's write lock (probed without taking it for long)."""
    try:
        fd = os.open(index_dir / "MAIN_WRITELOCK", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def committed_state(index_dir: Path) -> list[str]:
    """The ids in the index, checked: one committed state, every article as written."""
    with open_index(index_dir).searcher() as searcher:
        records = [Article.from_dict(json.loads(f["record"])) for f in searcher.all_stored_fields()]
        assert searcher.doc_count() == len(records)
    ids = sorted(a.id for a in records)
    assert len(set(ids)) == len(ids), "an id is stored twice"
    n = len(ids)
    assert ids in (ALL_IDS[:n], ALL_IDS[ARTICLES - n :]), "not one end of the file list"
    for a in records:
        i = int(a.id[5:9])
        assert (a.headline, a.body, a.type) == (f"ARTICLE {i}", body(i), "News")
    return ids


@pytest.mark.slow
def test_sigkill_at_random_points_keeps_the_last_commit(archive: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    rng = random.Random(2024)
    counts = [0]
    with sessions() as started:
        for kill in range(5):
            before = generation(index_dir)
            run = start(archive, index_dir, batch_chars=BATCH_CHARS)
            started.append(run)
            # Kill after 1-3 commits of this run (generation 0 is the empty index
            # a first run creates), at a random moment in the next batch; once, at
            # a random moment from its start (maybe before it commits anything).
            if kill == 2:
                time.sleep(rng.uniform(0.05, 0.8))
            else:
                target = max(before, 0) + rng.randint(1, 3)
                wait_for(partial(committed_or_done, index_dir, target, run))
                time.sleep(rng.uniform(0.0, 0.15))
            assert run.poll() is None, "the run finished before it could be killed"
            run.send_signal(signal.SIGKILL)
            assert run.wait() == -signal.SIGKILL

            report = check_index(index_dir)
            assert report.problems == ()
            ids = committed_state(index_dir)
            assert report.documents == len(ids)
            assert len(ids) >= counts[-1]  # no commit is ever lost
            counts.append(len(ids))
    assert 0 < counts[-1] < ARTICLES
    assert len(set(counts)) >= 4, f"kills landed on too few distinct states: {counts}"

    # The next, unmodified run takes the dead run's lock at once and finishes the work.
    final = subprocess.run(
        [
            sys.executable,
            "-m",
            "pressearch",
            "index",
            str(archive),
            "--index",
            str(index_dir),
            "--json",
            "--wait",
            "0",
        ],
        cwd=archive.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (final.returncode, final.stderr) == (0, "")
    assert json.loads(final.stdout) == {
        "added": ARTICLES - counts[-1],
        "updated": 0,
        "removed": 0,
        "unchanged": counts[-1],
        "failed": [],
    }
    assert committed_state(index_dir) == ALL_IDS
    assert check_index(index_dir).problems == ()


def query_snapshot(index_dir: Path) -> int:
    """One `pressearch query` while the index changes: totals and facet counts agree."""
    result = CliRunner().invoke(
        app,
        [
            "query",
            "article",
            "--index",
            str(index_dir),
            "--json",
            "--no-snippets",
            "--limit",
            "1",
            "--facet",
            "year",
        ],
    )
    assert (result.exit_code, result.stderr) == (0, "")
    found = json.loads(result.stdout)
    total: int = found["total"]
    assert sum(c["count"] for c in found["facets"]["year"]) == total
    return total


@pytest.mark.slow
def test_queries_while_indexing_see_one_committed_state(archive: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    totals: list[int] = []
    with sessions() as started:
        run = start(archive, index_dir, batch_chars=BATCH_CHARS)
        started.append(run)
        wait_for(lambda: generation(index_dir) >= 1)
        while run.poll() is None:
            totals.append(query_snapshot(index_dir))
            ids = committed_state(index_dir)
            assert len(ids) >= totals[-1]  # a commit may land between the two reads
        assert run.returncode == 0
    assert totals == sorted(totals), "a query saw an older state after a newer one"
    states = {t for t in totals if 0 < t < ARTICLES}
    assert len(states) >= 3, f"too few states seen while writing: {sorted(states)}"
    assert query_snapshot(index_dir) == ARTICLES


@pytest.mark.slow
def test_second_run_waits_then_fails_and_a_killed_holder_frees_the_lock(
    archive: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    (tmp_path / "empty").mkdir()
    build([tmp_path / "empty"], index_dir)  # the runs below update an existing index
    runner = CliRunner()
    with sessions() as started:
        first = start(archive, index_dir, batch_chars=None)  # one commit: locked throughout
        started.append(first)
        wait_for(lambda: lock_held(index_dir))
        began = time.monotonic()
        second = runner.invoke(
            app, ["index", str(archive), "--index", str(index_dir), "--wait", "0.5", "--quiet"]
        )
        waited = time.monotonic() - began
        assert first.poll() is None, "the first run ended while the second waited"
        assert second.exit_code == 1
        assert second.stderr == (
            f"Error: another `pressearch index` is writing to {index_dir}; waited 0.5 s"
            " — try again later or pass --wait\n"
        )
        assert 0.5 <= waited < 5

        # Given time, the second run waits for the first and finds nothing left to do.
        patient = runner.invoke(
            app, ["index", str(archive), "--index", str(index_dir), "--wait", "120", "--json"]
        )
        assert first.wait() == 0
        assert patient.exit_code == 0
        assert json.loads(patient.stdout)["unchanged"] == ARTICLES

        # A run killed while holding the lock leaves the lock file, never the lock
        # (and, killed before its one commit, none of its work).
        later = time.time() + 10
        for ident in ALL_IDS:
            os.utime(archive / ident, (later, later))
        holder = start(archive, index_dir, batch_chars=None)
        started.append(holder)
        wait_for(lambda: lock_held(index_dir))
        holder.send_signal(signal.SIGKILL)
        assert holder.wait() == -signal.SIGKILL
        assert (index_dir / "MAIN_WRITELOCK").exists()
        began = time.monotonic()
        after = runner.invoke(
            app, ["index", str(archive), "--index", str(index_dir), "--wait", "0", "--json"]
        )
        assert (after.exit_code, after.stderr) == (0, "")
        assert json.loads(after.stdout)["updated"] == ARTICLES
        assert time.monotonic() - began < 10
    assert check_index(index_dir).problems == ()


def test_an_open_racing_a_commit_retries_but_a_missing_file_is_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    first = archive / "a.md"
    first.parent.mkdir()
    first.write_text(article_markdown(headline="ONE", body="Text."), encoding="utf-8")
    build([archive], index_dir)
    real = reader._CheckedIndex
    calls: list[int] = []

    def racing(storage: object) -> object:
        # The first open finds its table of contents deleted by a commit made meanwhile.
        calls.append(generation(index_dir))
        if len(calls) == 1:
            (archive / "b.md").write_text(article_markdown(headline="TWO", body="Text."))
            build([archive], index_dir)
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_1.toc")
        return real(storage)

    monkeypatch.setattr(reader, "_CheckedIndex", racing)
    with open_index(index_dir).searcher() as searcher:
        assert searcher.doc_count() == 2  # the state of the commit that won the race
    assert calls == [1, 2]

    def missing(storage: object) -> object:
        raise FileNotFoundError(2, "No such file or directory", "MAIN_x.seg")

    monkeypatch.setattr(reader, "_CheckedIndex", missing)
    with pytest.raises(IndexCorruptError) as caught:
        open_index(index_dir)
    assert str(caught.value) == (
        f"the index at {index_dir} is damaged ([Errno 2] No such file or directory:"
        " 'MAIN_x.seg') — run `pressearch index --rebuild`"
    )
