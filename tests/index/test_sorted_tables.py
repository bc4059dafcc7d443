"""index.sorted_tables: a table comes back sorted as numpy's stable sort sorts the rows.

Keys share beginnings and end in NUL bytes; the in-memory budget is a few
rows, so most tables are sorted through bucket files.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pressearch.index.sorted_tables as sorted_tables
from pressearch.errors import IndexStorageError
from pressearch.index.sorted_tables import TableWriter

ROW = np.dtype([("key", "S16"), ("doc", "<i4")])
_KEY = st.one_of(
    st.binary(min_size=16, max_size=16),
    st.tuples(st.sampled_from([b"\0", b"a", b"\xff"]), st.integers(0, 16)).map(
        lambda t: t[0] * (16 - t[1]) + b"\0" * t[1]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(_KEY, st.integers(0, 3)), max_size=60),
    budget_rows=st.integers(1, 70),
    cuts=st.lists(st.integers(0, 60), max_size=5),
    by_doc=st.booleans(),
)
def test_a_table_is_sorted_as_numpy_sorts(
    monkeypatch: pytest.MonkeyPatch,
    rows: list[tuple[bytes, int]],
    budget_rows: int,
    cuts: list[int],
    by_doc: bool,
) -> None:
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", budget_rows * ROW.itemsize)
    monkeypatch.setattr(sorted_tables, "_CHUNK_BYTES", 7 * ROW.itemsize)
    array = np.array(rows, dtype=ROW)
    order = ("key", "doc") if by_doc else ("key",)
    writer = TableWriter(ROW, order)
    for part in np.split(array, sorted(c for c in cuts if c <= len(array))):
        writer.append(part)
    expected = array[
        np.lexsort((array["doc"], array["key"]))
        if by_doc
        else np.argsort(array["key"], kind="stable")
    ]
    with writer.finish() as table:
        assert len(table) == len(array)
        for name in ("key", "doc"):
            assert table[name].tolist() == expected[name].tolist()
            table.release()  # the values are read again from the files
            assert table[name].tolist() == expected[name].tolist()
            chunks = list(table.chunks(name, 4))
            assert [start for start, _ in chunks] == list(range(0, len(array), 4))
            assert [v for _, c in chunks for v in c.tolist()] == expected[name].tolist()


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_table_lets_its_files_go_when_closed_or_collected() -> None:
    before = _open_files()
    writer = TableWriter(ROW, ("key",))
    writer.append(np.array([(b"b", 1), (b"a", 2)], dtype=ROW))
    table = writer.finish()
    assert _open_files() == before + 2  # a map of each column, holding its file
    keys = table["key"]
    table.close()  # a column still held keeps its map
    assert keys.tolist() == [b"a", b"b"] and _open_files() == before + 1
    del keys
    gc.collect()
    assert _open_files() == before

    writer = TableWriter(ROW, ("key",))
    writer.append(np.array([(b"c", 1)], dtype=ROW))
    table = writer.finish()
    del table
    gc.collect()
    assert _open_files() == before


def test_an_empty_table() -> None:
    with TableWriter(ROW, ("key",)).finish() as table:
        assert len(table) == 0 and table["key"].tolist() == []
        assert list(table.chunks("doc", 3)) == []


def test_a_temporary_folder_that_refuses_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(IndexStorageError) as caught:
        TableWriter(ROW, ("key",))
    assert str(caught.value) == (
        f"cannot write a table of the run in {tmp_path / 'missing'}: no such file or directory"
        " — free space there, or set TMPDIR to a folder with room"
    )


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keys=st.lists(st.integers(0, 2**32 - 1) | st.sampled_from([0, 7, 2**31]), max_size=50),
    budget_rows=st.integers(1, 60),
    cut=st.integers(1, 9),
)
def test_rows_are_sorted_in_memory_or_through_a_table_alike(
    monkeypatch: pytest.MonkeyPatch, keys: list[int], budget_rows: int, cut: int
) -> None:
    # A big-endian key, as the near-duplicate bands sort theirs; ties keep their order.
    row = np.dtype([("key", ">u4"), ("at", "<u8")])
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", budget_rows * row.itemsize)
    rows = np.zeros(len(keys), dtype=row)
    rows["key"], rows["at"] = keys, np.arange(len(keys))
    parts = [rows[i : i + cut] for i in range(0, len(rows), cut)]
    back = [r for part in sorted_tables.sort_rows(row, ("key",), parts) for r in part.tolist()]
    expected = rows[np.argsort(np.array(keys, dtype=np.uint64), kind="stable")]
    assert back == expected.tolist()
