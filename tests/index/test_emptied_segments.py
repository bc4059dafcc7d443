"""A segment whose documents are all deleted leaves the index at the next commit.

Re-indexing a changed file whose articles filled a segment used to keep
the old segment, every document deleted, in the table of contents and on
disk (a re-index of 1% of a large archive doubled the index). Here each
file is a segment of its own (`workers.BATCH_BYTES` lowered).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import pressearch.index.workers as workers
from pressearch.index.check import check_index
from pressearch.index.reader import open_index
from pressearch.index.writer import build
from tests.conftest import touch_later, write_article

_SEGMENT_FILE = re.compile(r"^MAIN_([0-9a-z]+)\.")
NAMES = ("a.md", "b.md", "c.md", "d.md")


def segments(index_dir: Path) -> int:
    with open_index(index_dir).reader() as reader:
        return len(reader.leaf_readers())


def segments_on_disk(index_dir: Path) -> int:
    return len({m.group(1) for m in map(_SEGMENT_FILE.match, os_names(index_dir)) if m})


def os_names(index_dir: Path) -> list[str]:
    return [p.name for p in index_dir.iterdir()]


def headlines(index_dir: Path) -> dict[str, str]:
    with open_index(index_dir).searcher() as searcher:
        records = [json.loads(f["record"]) for f in searcher.all_stored_fields()]
    return {r["id"]: r["headline"] for r in records}


@pytest.fixture
def one_segment_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)


@pytest.mark.usefixtures("one_segment_per_file")
def test_a_changed_file_that_filled_a_segment_leaves_no_empty_segment(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    for name in NAMES:
        write_article(archive, name, headline=f"OLD {name}", body="Police arrested a suspect.")
    build([archive], index_dir)
    assert segments(index_dir) == segments_on_disk(index_dir) == 4
    # Files are indexed last path first: d.md is the first segment, b.md the
    # third. Dropping d.md's renumbers the documents after it, b.md's among them.
    for name in ("b.md", "d.md"):
        write_article(archive, name, headline=f"NEW {name}", body="Police arrested a suspect.")
        touch_later(archive / name)
    report = build([archive], index_dir)
    assert (report.updated, report.unchanged) == (2, 2)
    assert segments(index_dir) == segments_on_disk(index_dir) == 4
    assert headlines(index_dir) == {
        "a.md": "OLD a.md",
        "b.md": "NEW b.md",
        "c.md": "OLD c.md",
        "d.md": "NEW d.md",
    }
    assert check_index(index_dir).problems == ()


@pytest.mark.usefixtures("one_segment_per_file")
def test_a_removed_file_that_filled_a_segment_takes_it_along(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    for name in NAMES:
        write_article(archive, name, headline=f"OLD {name}", body="Police arrested a suspect.")
    build([archive], index_dir)
    (archive / "a.md").unlink()
    assert build([archive], index_dir).removed == 1
    assert segments(index_dir) == segments_on_disk(index_dir) == 3
    assert sorted(headlines(index_dir)) == ["b.md", "c.md", "d.md"]
    assert check_index(index_dir).problems == ()
