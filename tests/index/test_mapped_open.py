"""Opening an index reads its segments in place: memory does not grow with the index.

Whoosh maps a compound segment and used to copy each of its files out of the
map into memory when a reader opened; `whoosh_internals` reads them through
the map instead, copying only what a read returns.
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from pressearch.archive import Archive
from pressearch.index.reader import open_index
from pressearch.index.writer import build


def write_archive(folder: Path, articles: int, prefix: str = "a") -> Path:
    """`articles` articles, each of distinct words, as one JSON Lines file."""
    folder.mkdir(parents=True)
    lines = []
    for i in range(articles):
        words = " ".join(f"{prefix}{i}x{j}" for j in range(120))
        lines.append(
            f'{{"id": "{prefix}{i}", "headline": "Report {i} on fraud", "body": "Fraud {words}.",'
            f' "taxonomy": {{"crime_area": ["Fraud", "Area {i % 7}"]}}}}'
        )
    (folder / "archive.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def index_bytes(index_dir: Path) -> int:
    return sum(path.stat().st_size for path in index_dir.iterdir() if path.is_file())


def memory_to_open_and_search(index_dir: Path) -> int:
    """Peak bytes Python allocates to open the index and answer one query.

    A first search imports modules, whatever the index: one is run before measuring.
    """
    with Archive.open(index_dir) as archive:
        archive.search("fraud report", limit=10, facets=["crime_area"])
    gc.collect()
    tracemalloc.start()
    try:
        with Archive.open(index_dir) as archive:
            result = archive.search("fraud report", limit=10, facets=["crime_area"])
            assert result.total > 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_opening_does_not_copy_the_segments(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build([write_archive(tmp_path / "archive", 1200)], index_dir)
    size = index_bytes(index_dir)
    assert size > 4_000_000
    # Copying the segments would take at least their size.
    assert memory_to_open_and_search(index_dir) < size / 4


@pytest.mark.parametrize("segments", [1, 3])
def test_a_mapped_index_reads_as_before(tmp_path: Path, segments: int) -> None:
    # Everything read through the map: every stored article, every term's
    # postings, a search; then the storage closes cleanly.
    index_dir = tmp_path / "index"
    for part in range(segments):
        build([write_archive(tmp_path / f"archive{part}", 50, f"p{part}n")], index_dir)
    with open_index(index_dir).searcher() as searcher:
        stored = list(searcher.all_stored_fields())
        assert len({fields["id"] for fields in stored}) == 50 * segments
        reader = searcher.reader()
        postings = sum(1 for _ in reader.postings("body", "fraud").all_ids())
        assert postings == 50 * segments
        assert reader.doc_frequency("body", "p0n7x3") == 1
        assert reader.most_distinctive_terms("body", number=3)
