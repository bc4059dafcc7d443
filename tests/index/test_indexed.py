"""index.indexed: the compact view of an index's live documents answers as the columns do.

The reference is the plain reading of the index's `path`, `filesig` and `id`
columns, document by document, into dicts (what a run held before); the
index has several segments, deleted documents, files of several articles
and ids held twice (Hypothesis draws them).
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pressearch.index.sorted_tables as sorted_tables
import pressearch.index.workers as workers
from pressearch.index.digests import digest
from pressearch.index.indexed import IndexedDocs
from pressearch.index.reader import open_index
from pressearch.index.writer import build

# A file: its articles' ids (JSON Lines), drawn from a few so that files share some.
FILES = st.lists(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=3), max_size=8)


def reference(reader: Any) -> tuple[dict[str, tuple[str, list[tuple[int, str]]]], dict[str, int]]:
    """path -> (signature, [(docnum, id)]), id -> docnum of its last live document."""
    by_path: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    by_id: dict[str, int] = {}
    for leaf, base in reader.leaf_readers():
        if not leaf.has_column("path"):
            continue
        columns = zip(
            *(leaf.column_reader(name, translate=False) for name in ("path", "filesig", "id")),
            strict=True,
        )
        for docnum, (path, sig, ident) in enumerate(columns):
            if leaf.has_deletions() and leaf.is_deleted(docnum):
                continue
            entry = by_path.setdefault(path.decode(), (sig.decode(), []))
            entry[1].append((base + docnum, ident.decode()))
            by_id[ident.decode()] = base + docnum
    return by_path, by_id


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=FILES, second=FILES)
def test_the_view_answers_as_the_columns(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    first: list[list[str]],
    second: list[list[str]],
) -> None:
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)  # a segment a file
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", 256)  # sorted in buckets, a few rows each
    base = tmp_path_factory.mktemp("view")
    archive, index_dir = base / "archive", base / "index"
    archive.mkdir()
    # Two runs: the second rewrites, adds and removes files (deletions in segments).
    for run in (first, second):
        for old in archive.iterdir():
            old.unlink()
        for n, ids in enumerate(run):
            lines = [json.dumps({"id": f"{i}{n % 2}", "headline": f"{i} {n}"}) for i in ids]
            (archive / f"{n}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
        build([archive], index_dir)
    with open_index(index_dir).reader() as reader:
        by_path, by_id = reference(reader)
        view = IndexedDocs(reader)
    assert len(view) == sum(len(docs) for _, docs in by_path.values())
    for path, (sig, docs) in by_path.items():
        rows = view.rows(path)
        assert [(view.docnum(r), view.id_digest(r)) for r in rows] == [
            (docnum, digest(ident)) for docnum, ident in docs
        ]
        assert view.files([path, path], [sig, sig + "0"]) == ([rows, rows], [True, False])
        assert {view.path_digest(r) for r in rows} == {digest(path)}
    assert not view.rows(str(archive / "never.jsonl"))
    assert view.files([str(archive / "never.jsonl")], ["1:1"]) == ([range(0, 0)], [False])
    assert view.files([], []) == ([], [])
    asked = [digest(i) for i in [*by_id, "nowhere"]]
    assert {d: view.docnum(r) for d, r in view.rows_of_ids(asked).items()} == {
        digest(i): docnum for i, docnum in by_id.items()
    }
    assert view.ids().common(view.ids()) == len(by_id)
    kept = np.zeros(len(view), dtype=bool)
    kept[view.rows(str(archive / "0.jsonl")).start :] = True
    left = {d for _, docs in by_path.values() for d, _ in docs} - {
        view.docnum(r) for r in range(len(view)) if kept[r]
    }
    assert sorted(view.docnums_outside(kept)) == sorted(left)


def test_the_view_holds_no_memory_by_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its tables are files read through maps, which tracemalloc does not
    # count (numpy's arrays it does): in arrays it held 56 bytes a document.
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", 16_384)
    archive = tmp_path / "archive"
    archive.mkdir()
    rows = "".join(json.dumps({"id": f"id-{i}", "headline": "h"}) + "\n" for i in range(3000))
    (archive / "many.jsonl").write_text(rows, "utf-8")
    build([archive], tmp_path / "index")
    with open_index(tmp_path / "index").reader() as reader:
        tracemalloc.start()
        try:
            view = IndexedDocs(reader)
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert len(view) == 3000
    assert held < 3000 * 56 // 4
    rows_seen = [view.rows_of_ids([digest(f"id-{i}")]) for i in (0, 1234, 2999)]
    assert [view.id_digest(r) for found in rows_seen for r in found.values()] == [
        digest(f"id-{i}") for i in (0, 1234, 2999)
    ]
