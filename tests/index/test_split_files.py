"""A large JSON Lines file read in parts by several workers gives the index a whole reading gives.

The split threshold and the part size are lowered (`parts.SPLIT_BYTES`,
`workers.BATCH_BYTES`) so that a file of a few hundred lines is cut into a
dozen parts; the same file indexed whole is the reference: same ids,
documents, report, search results (totals, ranking, scores). Small runs
read the parts in this process, into one segment; worker processes read a
share of the parts each, into a segment each. A reader that rewrites or
interrupts while the parts are read stands for a writer racing the run and
for Ctrl-C.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pressearch.index.parts as parts
import pressearch.index.workers as workers
from pressearch import Archive
from pressearch.errors import Interrupted
from pressearch.index.check import check_index
from pressearch.index.file_list import SourceFile
from pressearch.index.ingest import read_file
from pressearch.index.ingest.identity import article_id
from pressearch.index.ingest.jsonl import read_jsonl_part
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.index.reader import open_index
from pressearch.index.reading import CHANGING
from pressearch.index.walk import signature
from pressearch.index.writer import build
from pressearch.models import Failure, IndexReport, Progress
from tests.conftest import touch_later

WORDS = (
    "police europol fraud network arrest money laundering court border agency"
    " cyber attack ransomware victims seized servers drugs cocaine port customs café Zürich"
).split()
PART_BYTES = 8_000  # the first part holds 64 KiB at least (decoding's binary sample)
LINES = 420
BAD_LINE = 377  # in one of the last parts
QUERIES = ("police", "fraud network", "ransomware OR cocaine", '"money laundering"', "seized")


def record(i: int, version: int = 1) -> dict[str, Any]:
    rng = random.Random(i)
    data: dict[str, Any] = {
        "headline": f"Story {i} version {version}",
        "body": " ".join(rng.choices(WORDS, k=rng.randint(20, 60))),
        "date": f"2021-0{1 + i % 9}-1{i % 10}",
        "taxonomy": {"Crime area": [rng.choice(WORDS[:5])]},
    }
    if i % 3 == 0:
        data["id"] = f"given-{i}"
    elif i % 3 == 1:
        data["url"] = f"https://press.example.com/{i}"
    # else: the id is made from the file's name and the line number
    return data


def write_posts(path: Path, version: int = 1, extra: dict[int, str] | None = None) -> Path:
    """`LINES` lines of posts, line ends of every kind, blank lines and one bad line.

    `extra` puts given text on given lines (1-based) instead of a post.
    """
    chunks = ["\ufeff"]  # a byte order mark, dropped as a whole reading drops it
    for n in range(1, LINES + 1):
        if extra and n in extra:
            line = extra[n]
        elif n == BAD_LINE:
            line = '{"headline": "broken'
        elif n % 17 == 0:
            line = "   "
        else:
            line = json.dumps(record(n, version), ensure_ascii=n % 2 == 0)
        chunks.append(line + ("\r\n" if n % 5 == 0 else "\r" if n % 7 == 0 else "\n"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(chunks), encoding="utf-8", newline="")
    return path


def split_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "SPLIT_BYTES", 1)
    monkeypatch.setattr(workers, "BATCH_BYTES", PART_BYTES)
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 10_000)


def parts_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first line of each part read in this process, in order."""
    seen: list[int] = []

    def spy(data: bytes, **kwargs: Any) -> ParsedFile | None:
        seen.append(kwargs["first_line"])
        return read_jsonl_part(data, **kwargs)

    monkeypatch.setattr("pressearch.index.reading.read_jsonl_part", spy)
    return seen


def segments(index_dir: Path) -> int:
    with open_index(index_dir).reader() as reader:
        return len(reader.leaf_readers())


def documents(index_dir: Path) -> list[tuple[str, str, str]]:
    with open_index(index_dir).searcher() as searcher:
        return sorted((f["id"], f["path"], f["record"]) for f in searcher.all_stored_fields())


def headlines(index_dir: Path) -> dict[str, str]:
    with open_index(index_dir).searcher() as searcher:
        return {f["id"]: json.loads(f["record"])["headline"] for f in searcher.all_stored_fields()}


def searches(index_dir: Path) -> list[tuple[int, list[tuple[str, float]], Any]]:
    """Each query's total, its top ten (id, score) in order and its facet counts."""
    out = []
    with Archive.open(index_dir) as archive:
        for query in QUERIES:
            found = archive.search(query, facets=("all",), snippets=False)
            out.append((found.total, [(h.id, h.score) for h in found.hits], found.facets))
    return out


def outcome(report: IndexReport) -> tuple[Any, ...]:
    return (
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        report.failed,
        report.warnings,
    )


def test_a_split_file_gives_the_index_a_whole_reading_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    whole = build([path], tmp_path / "whole")
    assert segments(tmp_path / "whole") == 1
    split_small(monkeypatch)
    first_lines = parts_read(monkeypatch)
    seen: list[Progress] = []
    split = build([path], tmp_path / "split", progress=seen.append)
    assert len(first_lines) > 10
    assert first_lines == sorted(first_lines) and first_lines[0] == 1
    assert outcome(split) == outcome(whole)
    assert documents(tmp_path / "split") == documents(tmp_path / "whole")
    assert searches(tmp_path / "split") == searches(tmp_path / "whole")
    # An id made from a line number in a late part is the whole reading's.
    assert article_id(None, f"posts.jsonl:{LINES - 1}") in headlines(tmp_path / "split")
    # A split file is one file: counted once, when its last part is read.
    assert [p.done for p in seen if p.stage == "reading"] == [1]
    assert {p.total for p in seen} == {1}
    assert check_index(tmp_path / "split").problems == ()


def test_an_error_in_a_later_part_names_its_true_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (Against a whole reading: test_a_split_file_gives_the_index_a_whole_reading_gives.)
    split_small(monkeypatch)
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    report = build([path], tmp_path / "index")
    [failure] = report.failed
    assert failure.path == str(path)
    assert failure.error.startswith(f"line {BAD_LINE}: invalid JSON")
    assert report.added == LINES - 1 - LINES // 17


def test_a_later_part_wins_a_duplicate_id_as_a_later_line_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = json.dumps({"id": "twice", "headline": "THE LAST LINE"})
    extra = {
        2: json.dumps({"id": "twice", "headline": "FIRST"}),  # the first part
        3: json.dumps({"id": "given-399", "headline": "REPLACED BY LINE 399"}),
        200: json.dumps({"id": "twice", "headline": "MIDDLE"}),
        201: json.dumps({"id": "twice", "headline": "MIDDLE, NEXT LINE"}),  # same part
        LINES - 2: late,  # the last part
    }
    path = write_posts(tmp_path / "archive" / "posts.jsonl", extra=extra)
    whole = build([path], tmp_path / "whole")
    split_small(monkeypatch)
    split = build([path], tmp_path / "split")
    assert outcome(split) == outcome(whole)
    assert [w.error for w in split.warnings] == [
        "duplicate id twice: a later line wins",
        "duplicate id twice: a later line wins",
        "duplicate id given-399: a later line wins",
        "duplicate id twice: a later line wins",
    ]
    found = headlines(tmp_path / "split")
    assert (found["twice"], found["given-399"]) == ("THE LAST LINE", "Story 399 version 1")
    assert documents(tmp_path / "split") == documents(tmp_path / "whole")
    # The lines replaced are left out, not deleted: no copy weighs in the scores.
    assert searches(tmp_path / "split") == searches(tmp_path / "whole")
    with open_index(tmp_path / "split").reader() as reader:
        assert reader.doc_count_all() == reader.doc_count()


# Lines in a middle part and in the last part of `write_posts`'s file.
MIDDLE, LAST = b'"Story 200 version', b'"Story 419 version'


def rewriting_part_reader(
    monkeypatch: pytest.MonkeyPatch, path: Path, times: int, at: bytes = MIDDLE
) -> list[int]:
    """Have the part of `path` holding `at` rewrite the file (a new version) while
    it is read, `times` times."""
    rewrites: list[int] = []

    def racing(data: bytes, **kwargs: Any) -> ParsedFile | None:
        if at in data and len(rewrites) < times:
            rewrites.append(len(rewrites) + 2)
            write_posts(path, version=rewrites[-1])
            touch_later(path, seconds=10 * len(rewrites))
        return read_jsonl_part(data, **kwargs)

    monkeypatch.setattr("pressearch.index.reading.read_jsonl_part", racing)
    return rewrites


@pytest.mark.parametrize("at", [MIDDLE, LAST])
def test_a_file_changed_while_its_parts_are_read_is_read_again(
    at: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split_small(monkeypatch)
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    rewrites = rewriting_part_reader(monkeypatch, path, times=1, at=at)
    report = build([path], tmp_path / "index")
    assert rewrites == [2]
    assert {h.split(" version ")[1] for h in headlines(tmp_path / "index").values()} == {"2"}
    assert report.added == LINES - 1 - LINES // 17
    monkeypatch.undo()
    # Stored with the signature of what was read: the next run has nothing to do.
    assert build([path], tmp_path / "index").unchanged == report.added


def test_a_file_that_keeps_changing_is_reported_and_keeps_its_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split_small(monkeypatch)
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    build([path], tmp_path / "index")
    before = documents(tmp_path / "index")
    touch_later(path, seconds=5)
    rewriting_part_reader(monkeypatch, path, times=2)
    report = build([path], tmp_path / "index")
    assert report.failed == (Failure(str(path), CHANGING),)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
    assert documents(tmp_path / "index") == before
    assert [p.name for p in (tmp_path / "index").iterdir() if p.name.startswith(".")] == []


def interrupting_part_reader(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Ctrl-C while part `after` + 1 is read: earlier parts are written, none committed."""
    calls = [0]

    def interrupted(data: bytes, **kwargs: Any) -> ParsedFile | None:
        calls[0] += 1
        if calls[0] > after:
            raise KeyboardInterrupt
        return read_jsonl_part(data, **kwargs)

    monkeypatch.setattr("pressearch.index.reading.read_jsonl_part", interrupted)


def test_an_interrupted_run_leaves_a_split_file_all_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    split_small(monkeypatch)
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    index_dir = tmp_path / "index"
    first = build([path], index_dir)
    old = documents(index_dir)
    write_posts(path, version=2)
    touch_later(path)
    interrupting_part_reader(monkeypatch, after=4)
    with pytest.raises(Interrupted) as caught:
        build([path], index_dir)
    assert caught.value.committed == 0
    assert documents(index_dir) == old
    assert check_index(index_dir).problems == ()
    assert [p.name for p in index_dir.iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr("pressearch.index.reading.read_jsonl_part", read_jsonl_part)
    again = build([path], index_dir)
    assert (again.updated, again.added) == (first.added, 0)
    assert {h.split(" version ")[1] for h in headlines(index_dir).values()} == {"2"}


def test_a_part_that_only_the_whole_file_can_decode_has_it_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Windows-1252 byte in a late part makes the whole file Windows-1252.
    latin = json.dumps({"id": "latin", "headline": "Caf\u00e9"}, ensure_ascii=False)
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    path.write_bytes(path.read_bytes() + latin.encode("cp1252") + b"\n")
    whole = build([path], tmp_path / "whole")
    assert whole.warnings == (Failure(str(path), "not UTF-8; decoded as Windows-1252"),)
    split_small(monkeypatch)
    split = build([path], tmp_path / "split")
    assert outcome(split) == outcome(whole)
    assert documents(tmp_path / "split") == documents(tmp_path / "whole")


@pytest.mark.skipif(os.cpu_count() == 1, reason="needs worker processes")
def test_parts_read_by_worker_processes_give_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Duplicate ids across the workers' segments too.
    extra = {
        2: json.dumps({"id": "twice", "headline": "FIRST"}),
        LINES - 2: json.dumps({"id": "twice", "headline": "THE LAST LINE"}),
    }
    path = write_posts(tmp_path / "archive" / "posts.jsonl", extra=extra)
    whole = build([path], tmp_path / "whole")
    split_small(monkeypatch)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 1)
    seen: list[Progress] = []
    split = build([path], tmp_path / "split", progress=seen.append)
    # A segment per worker: a share of the parts each.
    assert segments(tmp_path / "split") == min(os.cpu_count() or 1, workers.MAX_WORKERS)
    assert headlines(tmp_path / "split")["twice"] == "THE LAST LINE"
    assert outcome(split) == outcome(whole)
    assert documents(tmp_path / "split") == documents(tmp_path / "whole")
    assert searches(tmp_path / "split") == searches(tmp_path / "whole")
    assert [p.done for p in seen if p.stage == "reading"] == [1]


def test_a_file_larger_than_the_workers_batches_is_read_in_more_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker reads at most MAX_BATCH_BYTES of a file into a segment: its
    # memory must not grow with the file.
    path = write_posts(tmp_path / "archive" / "posts.jsonl")
    whole = build([path], tmp_path / "whole")
    split_small(monkeypatch)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(workers, "MAX_BATCH_BYTES", path.stat().st_size // 6)
    split = build([path], tmp_path / "split")
    assert segments(tmp_path / "split") > min(os.cpu_count() or 1, workers.MAX_WORKERS) + 1
    assert outcome(split) == outcome(whole)
    assert documents(tmp_path / "split") == documents(tmp_path / "whole")
    assert searches(tmp_path / "split") == searches(tmp_path / "whole")


# Ways a file is cut, each checked against a whole reading of it.
CUTS: dict[str, Callable[[int], str]] = {
    "lf": lambda n: "\n",
    "crlf": lambda n: "\r\n",
    "cr between": lambda n: "\r" if n % 2 else "\n",  # lone CRs break lines too
}


@pytest.mark.parametrize("ends", CUTS)
def test_parts_hold_whole_lines_numbered_as_in_the_file(ends: str, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({"headline": f"line {n}", "body": "x" * (n % 300)}) for n in range(1, 900)]
    lines[700] = "not JSON"
    path.write_bytes("".join(line + CUTS[ends](n) for n, line in enumerate(lines, 1)).encode())
    size = path.stat().st_size
    split = parts.cut(SourceFile(str(path), str(tmp_path), signature(path.stat()), size), 4_000)
    assert split is not None
    spans = split.spans
    assert (spans[0].start, spans[-1].end) == (0, size)
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    assert spans[0].end >= 65536  # decoding's binary sample
    assert all(s.end - s.start >= 4_000 for s in spans[1:-1])
    data = path.read_bytes()
    assert all(data[s.end - 1 : s.end] == b"\n" for s in spans[:-1])
    read = [
        read_jsonl_part(
            data[s.start : s.end], path=str(path), rel_path="posts.jsonl", first_line=s.line
        )
        for s in spans
    ]
    whole = read_file(path, tmp_path)
    assert [a for part in read if part for a in part.articles] == list(whole.articles)
    assert [str(e) for part in read if part for e in part.errors] == list(map(str, whole.errors))
    assert whole.errors[0].path == f"{path}:701"
