"""Columns read as a query needs them give what Whoosh's value-at-a-time reading gives.

A numeric column (the date) is loaded in one read of its bytes
(`whoosh_internals`), not a call per value; identical copies are found from
the matches' keys one at a time, without a list per match (`search.collapse`).
"""

from __future__ import annotations

import itertools
import os
import random
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import columns, fields, writing
from whoosh.filedb.filestore import FileStorage

import pressearch.index.whoosh_internals as internals
from pressearch.index.whoosh_internals import open_file_index
from pressearch.index.whoosh_internals.columns import (
    column_values,
    joined_values,
    offsets_of,
    read_values,
    whole_values,
)
from pressearch.search.collapse import CopyKeys

TYPECODES = {"b": 8, "B": 8, "h": 16, "H": 16, "i": 32, "I": 32, "q": 64, "Q": 64}


def _numeric_segments(
    folder: Path, typecode: str, default: int, batches: Sequence[Sequence[int | None]]
) -> object:
    """An index with one numeric column, a segment per batch (None: no value given)."""
    schema = fields.Schema(
        key=fields.ID(stored=True), n=fields.COLUMN(columns.NumericColumn(typecode, default))
    )
    ix = FileStorage(str(folder)).create_index(schema)
    for batch in batches:
        writer = ix.writer()
        for i, value in enumerate(batch):
            if value is None:
                writer.add_document(key=str(i))
            else:
                writer.add_document(key=str(i), n=value)
        writer.commit(merge=False)
    return ix


@st.composite
def numeric_columns(draw: st.DrawFn) -> tuple[str, int, list[list[int | None]]]:
    typecode = draw(st.sampled_from(sorted(TYPECODES)))
    bits = TYPECODES[typecode]
    signed = typecode.islower()
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    values = st.integers(low, high)
    default = draw(st.one_of(st.just(0), st.just(high), values))
    batch = st.lists(st.one_of(st.none(), st.just(default), values), min_size=1, max_size=40)
    return typecode, default, draw(st.lists(batch, min_size=1, max_size=3))


@settings(max_examples=60, deadline=None)
@given(numeric_columns())
def test_a_numeric_column_loads_in_one_read_as_whoosh_reads_it(
    drawn: tuple[str, int, list[list[int | None]]],
) -> None:
    typecode, default, batches = drawn
    with tempfile.TemporaryDirectory() as folder:
        ix = _numeric_segments(Path(folder), typecode, default, batches)
        with ix.reader() as reader:  # type: ignore[attr-defined]
            leaves = [leaf for leaf, _ in reader.leaf_readers()]
            assert len(leaves) == len(batches)
            for leaf, batch in zip(leaves, batches, strict=True):
                column = leaf.column_reader("n", translate=False)
                loaded = column.load()
                # Whoosh's own reading, one value at a time.
                assert list(loaded) == [column[i] for i in range(leaf.doc_count_all())]
                assert list(loaded) == [default if v is None else v for v in batch]
                if isinstance(column, columns.NumericColumn.Reader):  # not a column left empty
                    assert list(loaded) == list(internals._load_numeric_column(column))


def joined(leaf: object, name: str) -> list[bytes]:
    """The values of `joined_values`, cut at its lengths."""
    found = joined_values(leaf, name)
    assert found is not None
    lengths, data = found
    assert len(data) == sum(lengths)
    ends = list(itertools.accumulate(lengths))
    return [data[end - size : end] for end, size in zip(ends, lengths, strict=True)]


class _Leaf:
    """A segment reader stand-in with one `text_hash` column."""

    def __init__(self, keys: Sequence[bytes | int]) -> None:
        self._keys = list(keys)
        self.schema = {"text_hash": fields.ID()}

    def has_column(self, name: str) -> bool:
        return name == "text_hash"

    def column_reader(self, name: str, translate: bool = False) -> list[bytes | int]:
        return self._keys


def test_a_large_segment_reads_its_values_where_they_lie_as_whoosh_reads_them(
    tmp_path: Path,
) -> None:
    # Offsets are stored past 32,768 documents: only then is the column read lazily.
    rng = random.Random(15)
    values = [
        b""
        if rng.random() < 0.2
        else bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        for _ in range(33_000)
    ]
    numbers = [rng.randrange(2**64) for _ in values]
    schema = fields.Schema(
        v=fields.COLUMN(columns.VarBytesColumn()), n=fields.COLUMN(columns.NumericColumn("Q"))
    )
    ix = FileStorage(str(tmp_path)).create_index(schema)
    with ix.writer() as writer:
        for value, number in zip(values, numbers, strict=True):
            writer.add_document(v=value, n=number)
    with open_file_index(str(tmp_path)).reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        (segment_file,) = [name for name in os.listdir(tmp_path) if name.endswith(".seg")]
        # A commit drops the segment and deletes its file: a reader opened
        # before it still reads the state it opened on, its columns read only now.
        writer = ix.writer()
        writer.add_document(v=b"later", n=1)
        writer.commit(mergetype=writing.CLEAR)
        assert not (tmp_path / segment_file).exists()
        lazy = column_values(leaf, "v")
        assert type(lazy).__name__ == "_LazyVarBytesReader"
        assert len(lazy) == len(values)
        assert [lazy[d] for d in range(len(values))] == values
        assert list(leaf.column_reader("v", translate=False)) == values
        assert whole_values(leaf, "v") == values
        assert joined(leaf, "v") == values
        assert joined_values(leaf, "n") is None  # not a column of values of any length
        with pytest.raises(IndexError):
            lazy[len(values)]
        # Its pages let go of, a value read again is mapped again, the same.
        wanted = sorted(rng.sample(range(len(values)), 500))
        assert list(read_values([(0, lazy)], wanted)) == [values[d] for d in wanted]
        assert [lazy[d] for d in wanted] == [values[d] for d in wanted]
        # A numeric column read in one slice lets its pages go too; reads stay the same.
        assert list(leaf.column_reader("n", translate=False).load()) == numbers
        assert list(leaf.column_reader("n", translate=False).load()) == numbers


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.binary(max_size=30), max_size=40), min_size=1, max_size=3))
def test_a_whole_column_reads_as_whoosh_reads_it_a_value_at_a_time(
    segments: list[list[bytes]],
) -> None:
    # Without stored offsets (up to 32,768 documents; the test above has them),
    # empty values, and a segment without the column.
    schema = fields.Schema(v=fields.COLUMN(columns.VarBytesColumn()), k=fields.ID(stored=True))
    with tempfile.TemporaryDirectory() as folder:
        ix = FileStorage(folder).create_index(schema)
        for batch in [*segments, []]:
            writer = ix.writer()
            for value in batch:
                writer.add_document(v=value)
            writer.add_document(k="no column")
            writer.commit(merge=False)
        with open_file_index(folder).reader() as reader:
            leaves = reader.leaf_readers()
            for leaf, _ in leaves:
                whole = whole_values(leaf, "v")
                if leaf.has_column("v"):
                    assert whole == list(leaf.column_reader("v", translate=False))
                    assert joined(leaf, "v") == whole
                else:
                    assert whole is None
                    assert joined_values(leaf, "v") is None
            # Read as a query asks, a value at a time: the same values.
            expected = [v for leaf, _ in leaves for v in whole_values(leaf, "v") or [None]]
            lazy = [(offset, column_values(leaf, "v")) for leaf, offset in leaves]
            docnums = list(range(len(expected)))
            assert list(read_values(lazy, docnums)) == expected
            assert list(read_values(lazy, docnums[::17])) == expected[::17]


class _Reader:
    def __init__(self, segments: Sequence[Sequence[bytes | int]]) -> None:
        self._leaves = [_Leaf(keys) for keys in segments]

    def leaf_readers(self) -> list[tuple[_Leaf, int]]:
        out, offset = [], 0
        for leaf in self._leaves:
            out.append((leaf, offset))
            offset += len(leaf._keys)
        return out

    def doc_count_all(self) -> int:
        return sum(len(leaf._keys) for leaf in self._leaves)


def _brute_force(keys: Sequence[bytes | int], docnums: Sequence[int]) -> dict[int, tuple[int, ...]]:
    copies: dict[int, tuple[int, ...]] = {}
    for d in docnums:
        group = tuple(sorted(e for e in docnums if keys[e] and keys[e] == keys[d]))
        if len(group) > 1:
            copies[d] = group
    return copies


# Keys as a column gives them (empty: none), and -1 and -2, whose hashes are
# equal: matches met again by hash are grouped by their keys.
KEYS = [b"", b"a", b"b", b"c", -1, -2]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(KEYS), max_size=12),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.data(), min_size=1, max_size=4),
)
def test_identical_sets_equal_a_brute_force_grouping_query_after_query(
    segments: list[list[bytes | int]], queries: list[st.DataObject]
) -> None:
    # Several queries on one reader: the keys are looked up one by one until
    # the documents looked up add up to the index, then read from a table.
    keys = [key for segment in segments for key in segment]
    copy_keys = CopyKeys(_Reader(segments))
    for data in queries:
        docnums = sorted(data.draw(st.sets(st.integers(0, max(len(keys) - 1, 0)))))
        docnums = [d for d in docnums if d < len(keys)]
        assert copy_keys.identical(docnums) == _brute_force(keys, docnums)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.binary(max_size=30), min_size=1, max_size=60), min_size=1, max_size=3),
    st.data(),
)
def test_a_small_segment_reads_its_values_as_whoosh_reads_them(
    batches: list[list[bytes]], data: st.DataObject
) -> None:
    # At most 32,768 documents a column stores no offsets: they are added up on reading.
    _check_small_segments(batches, data)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.integers(0, 40).flatmap(
            lambda size: st.lists(st.binary(min_size=size, max_size=size), min_size=1, max_size=60)
        ),
        min_size=1,
        max_size=3,
    ),
    st.data(),
)
def test_a_small_segment_of_values_of_one_size_reads_as_whoosh_reads_it(
    batches: list[list[bytes]], data: st.DataObject
) -> None:
    # Values all as long (text hashes; all empty too): offsets found by arithmetic.
    _check_small_segments(batches, data)


@given(st.sampled_from("BHIL"), st.lists(st.integers(0, 255), max_size=50), st.booleans())
def test_offsets_are_the_lengths_added_up(typecode: str, lengths: list[int], same: bool) -> None:
    if same and lengths:
        lengths = [lengths[0]] * len(lengths)
    found = offsets_of(array(typecode, lengths))
    assert list(found) == list(itertools.accumulate(lengths, initial=0))
    assert [found[i] for i in range(len(lengths) + 1)] == list(found)


def _check_small_segments(batches: list[list[bytes]], data: st.DataObject) -> None:
    schema = fields.Schema(v=fields.COLUMN(columns.VarBytesColumn()))
    with tempfile.TemporaryDirectory() as folder:
        ix = FileStorage(folder).create_index(schema)
        for batch in batches:
            writer = ix.writer()
            for value in batch:
                writer.add_document(v=value)
            writer.commit(merge=False)
        with open_file_index(folder).reader() as reader:
            segments: list[tuple[int, Sequence[bytes] | None]] = []
            for (leaf, offset), batch in zip(reader.leaf_readers(), batches, strict=True):
                ours = column_values(leaf, "v")
                assert ours is not None
                assert type(ours).__name__ == "_VarBytesReader"
                assert [ours[d] for d in range(len(batch))] == batch
                assert list(ours) == batch
                assert whole_values(leaf, "v") == batch
                assert list(leaf.column_reader("v", translate=False)) == batch
                segments.append((offset, ours))
            # Many documents at once, in any order, repeated or not; segments without the column.
            values = [value for batch in batches for value in batch]
            docnums = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=100))
            for wanted in (docnums, sorted(docnums)):
                assert list(read_values(segments, wanted)) == [values[d] for d in wanted]
            lacking = [(offset, None) for offset, _ in segments]
            assert list(read_values(lacking, sorted(docnums))) == [None] * len(docnums)
