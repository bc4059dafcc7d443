"""A segment's column values read one at a time, where they lie: nothing per article up front.

Model: Whoosh's reader of a `VarBytesColumn` (ids, text hashes, facet values)
reads the column's whole table of lengths and offsets (five bytes an
article) when it is made, so a query that needs the values of a few
thousand matches pays for every article of the segment, in time and in
memory. `column_values` gives the same values through a reader that finds
each document's length and offset in that table when the document is asked
for, straight from the segment's map when it is mapped. The layout read is
Whoosh's (`whoosh.columns.VarBytesColumn`, found by `_Tables`): the values,
then the lengths, then (for a segment of more than 32,768 documents) the
offsets, big-endian, then the type codes of lengths (and offsets, and "X").
A column of at most 32,768 documents (every segment a build writes) stores
no offsets: its reader (`_VarBytesReader`, Whoosh's, with the offsets
found by `offsets_of`: by arithmetic when every value is as long, else
added up by `accumulate` rather than a Python loop) holds its small tables,
and gives many documents' values at once (`values_of`); the stored fields
are read through it too (`STORED_COLUMN`). Any other column type is read by
Whoosh's own reader, which reads nothing per article when it is made.

A whole column is read at once: its lengths as one array, its values as one
block of bytes cut at the lengths' sums (the values lie in document order,
as Whoosh's own iteration assumes), not a read per document; `whole_values`
lists them, `each_value` makes each as it is taken, and `joined_values` gives
the lengths and the block themselves (for values of a fixed size, read as
arrays).

Pages read through a map stay in the process's memory (its RSS) until the
map closes: `read_values` lets a segment's pages of the column go once the
documents asked for move past it (`release_pages`; the page cache keeps
them), so a query that reads the keys of 264,000 of a million articles
holds one segment's pages of the column, not all of them.
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, islice, pairwise, repeat, starmap
from operator import add, le, sub
from struct import Struct, calcsize
from typing import Any

from whoosh import columns


def column_values(leaf: Any, fieldname: str) -> Sequence[Any] | None:
    """Each document's raw value of column `fieldname` in segment reader `leaf`, read
    as asked; None when the segment has no such column."""
    if not leaf.has_column(fieldname):
        return None
    if _var_bytes(leaf, fieldname):
        values: Sequence[Any] = leaf.column_reader(
            fieldname, column=_LazyVarBytesColumn(), translate=False
        )
    else:
        values = leaf.column_reader(fieldname, translate=False)
    return values


def whole_values(leaf: Any, fieldname: str) -> Sequence[Any] | None:
    """Every document's raw value of column `fieldname` in segment reader `leaf`, in
    order, read at once (see above); None when the segment has no such column."""
    if not leaf.has_column(fieldname):
        return None
    return list(each_value(leaf, fieldname))


def each_value(leaf: Any, fieldname: str) -> Iterable[Any]:
    """Every document's raw value of column `fieldname` in segment reader `leaf`, in
    order, the column read at once and each value made as it is taken (memory holds
    the column's bytes, not an object per document); Whoosh's own reader for a column
    of another type than `VarBytesColumn`, or a segment without it."""
    if leaf.has_column(fieldname) and _var_bytes(leaf, fieldname):
        values: Iterable[Any] = leaf.column_reader(
            fieldname, column=_WholeVarBytesColumn(), translate=False
        )
    else:
        values = leaf.column_reader(fieldname, translate=False)
    return values


def joined_values(leaf: Any, fieldname: str) -> tuple[Sequence[int], bytes] | None:
    """Each document's length of value in `VarBytesColumn` `fieldname` of segment reader
    `leaf`, and the values joined in document order, read at once; None when the
    segment has no such column."""
    if not (leaf.has_column(fieldname) and _var_bytes(leaf, fieldname)):
        return None
    joined: tuple[Sequence[int], bytes] = leaf.column_reader(
        fieldname, column=_JoinedVarBytesColumn(), translate=False
    )
    return joined


def _var_bytes(leaf: Any, fieldname: str) -> bool:
    """Whether field `fieldname`'s column is a `VarBytesColumn` (not a subclass: only
    its layout is known here)."""
    return type(leaf.schema[fieldname].column_type) is columns.VarBytesColumn


def read_values(
    segments: Sequence[tuple[int, Sequence[Any] | None]], docnums: Iterable[int]
) -> Iterator[Any | None]:
    """The raw value of each of `docnums`, from the `column_values` of each segment
    (with the docnum its segment starts at, in order); None where a segment lacks it.

    Ascending docnums (as matches come) are read a segment at a time, each
    segment's in one call (`_VarBytesReader.values_of`: C loops, not a
    Python call per document); others one at a time. The pages of a
    segment's column read through the map are let go of when the documents
    move on to another segment, and after the last: memory holds one
    segment's pages of the column at a time (the page cache keeps them all
    for the next reader).
    """
    docs = docnums if isinstance(docnums, list) else list(docnums)
    starts = [offset for offset, _ in segments]
    if all(map(le, docs, islice(docs, 1, None))):
        return chain.from_iterable(_by_segment(segments, starts, docs))
    return _one_at_a_time(segments, starts, docs)


def _by_segment(
    segments: Sequence[tuple[int, Sequence[Any] | None]], starts: list[int], docs: list[int]
) -> Iterator[Iterable[Any | None]]:
    """The values of ascending `docs`, a list per segment that holds some."""
    begin = 0
    for number, (offset, column) in enumerate(segments):
        end = (
            bisect_left(docs, starts[number + 1], begin) if number + 1 < len(starts) else len(docs)
        )
        if end > begin:
            if column is None:
                yield repeat(None, end - begin)
            else:
                local = list(map(sub, islice(docs, begin, end), repeat(offset)))
                values_of = getattr(column, "values_of", None)
                yield values_of(local) if values_of else list(map(column.__getitem__, local))
                _release(column)  # once the segment's values are taken
        begin = end


def _one_at_a_time(
    segments: Sequence[tuple[int, Sequence[Any] | None]], starts: list[int], docs: list[int]
) -> Iterator[Any | None]:
    current: Sequence[Any] | None = None
    for docnum in docs:
        offset, column = segments[bisect_right(starts, docnum) - 1]
        if column is not current:
            _release(current)
            current = column
        yield None if column is None else column[docnum - offset]
    _release(current)


def _release(column: Sequence[Any] | None) -> None:
    if isinstance(column, (_LazyVarBytesReader, _VarBytesReader)):
        column.release()


class _LazyVarBytesColumn(columns.VarBytesColumn):  # type: ignore[misc]
    """A `VarBytesColumn` read by `_LazyVarBytesReader` where it can be (reading only)."""

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> Any:
        source = getattr(dbfile, "_source", None)  # whoosh_internals' `_MappedFile`
        if source is not None:
            start = dbfile._offset + basepos  # the column's first byte in the map
            tables = _Tables(source.__getitem__, start + length - 1, doccount)
            if tables.offsets_code:
                return _LazyVarBytesReader(source, start, length, tables)
        # Not mapped, or no offsets stored (at most 32,768 documents): its
        # tables read whole, as they are then small.
        return _VarBytesReader(dbfile, basepos, length, doccount)


class _JoinedVarBytesColumn(columns.VarBytesColumn):  # type: ignore[misc]
    """A `VarBytesColumn` whose reader is its lengths and its values' bytes (reading only)."""

    def reader(
        self, dbfile: Any, basepos: int, length: int, doccount: int
    ) -> tuple[Sequence[int], bytes]:
        return _joined(dbfile, basepos, length, doccount)


class _WholeVarBytesColumn(columns.VarBytesColumn):  # type: ignore[misc]
    """A `VarBytesColumn` whose reader is an iterator over its values (reading only)."""

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> Iterator[bytes]:
        lengths, data = _joined(dbfile, basepos, length, doccount)
        return map(data.__getitem__, starmap(slice, pairwise(offsets_of(lengths))))


def _joined(dbfile: Any, basepos: int, length: int, doccount: int) -> tuple[array[int], bytes]:
    """The lengths and the joined values of the column at `basepos` in `dbfile`."""
    tables = _Tables(dbfile.get_byte, basepos + length - 1, doccount)
    lengths = dbfile.get_array(tables.lengths_at, tables.lengths_code, doccount)
    data = dbfile.get(basepos, sum(lengths))
    release_file_pages(dbfile, basepos, length)  # the values are copied
    return lengths, data


class _Tables:
    """Where a `VarBytesColumn` keeps its tables, from the type codes at its end.

    Whoosh's layout (`VarBytesColumn.Writer.finish`): the values, the
    lengths, then, past 32,768 documents, the offsets; then the lengths'
    type code, and, with offsets, theirs and "X". `last` is the column's
    last byte; `byte_at` reads one byte. `offsets_code` is "" when no
    offsets are stored.
    """

    def __init__(self, byte_at: Callable[[int], int], last: int, doccount: int) -> None:
        self.doccount = doccount
        code = chr(byte_at(last))
        self.offsets_code = ""
        self.offsets_at = last  # where the lengths end
        if code == "X":
            code = chr(byte_at(last - 2))
            self.offsets_code = chr(byte_at(last - 1))
            self.offsets_at = last - 2 - doccount * calcsize(self.offsets_code)
        self.lengths_code = code
        self.lengths_at = self.offsets_at - doccount * calcsize(code)


class _VarBytesReader(columns.VarBytesColumn.Reader):  # type: ignore[misc]
    """Whoosh's reader of a `VarBytesColumn`, its tables found by `_Tables`.

    A column of at most 32,768 documents stores no offsets: Whoosh's reader
    adds the lengths up in a Python loop when it is made (1.5-2 ms for a
    10,000-document segment, paid by a reader's first query to read the
    column); here `offsets_of` finds them.
    """

    def _read_offsets_and_lengths(self) -> None:
        dbfile, doccount = self._dbfile, self._doccount
        tables = _Tables(dbfile.get_byte, self._basepos + self._length - 1, doccount)
        self._lengths = dbfile.get_array(tables.lengths_at, tables.lengths_code, doccount)
        if not tables.offsets_code:
            self._offsets = offsets_of(self._lengths)
        else:
            self.had_stored_offsets = True
            self._offsets = dbfile.get_array(tables.offsets_at, tables.offsets_code, doccount)

    def release(self) -> None:
        """Let go of the pages of the column read so far, when it is mapped."""
        release_file_pages(self._dbfile, self._basepos, self._length)

    def values_of(self, docnums: Sequence[int]) -> list[bytes]:
        """The values of `docnums`, in their order: from the map, each slice made in C."""
        dbfile = self._dbfile
        source = getattr(dbfile, "_source", None)  # whoosh_internals' `_MappedFile`
        if source is None:
            return list(map(self.__getitem__, docnums))
        # As `_MappedFile.get` reads them: within the column's file.
        base, limit = dbfile._offset + self._basepos, dbfile._offset + dbfile._length
        firsts = list(map(add, map(self._offsets.__getitem__, docnums), repeat(base)))
        ends = map(add, firsts, map(self._lengths.__getitem__, docnums))
        values: list[bytes] = list(
            map(source.__getitem__, map(slice, firsts, map(min, ends, repeat(limit))))
        )
        return values


def offsets_of(lengths: array[int]) -> Sequence[int]:
    """Where each value starts, from the values' `lengths` (one more: where the last ends).

    When every value is as long (a column of text hashes), by arithmetic: a
    `range`, found with one comparison in C; else the lengths added up, which
    costs ~0.8 ms a 28,000-document segment, paid in every segment a query
    reads the column of (36 segments at 1,000,000 articles).
    """
    first = lengths[0] if lengths else 0
    if first and lengths == array(lengths.typecode, [first]) * len(lengths):
        return range(0, first * (len(lengths) + 1), first)
    return array("L", accumulate(lengths, initial=0))


class _CompressedBytesColumn(columns.CompressedBytesColumn):  # type: ignore[misc]
    """Whoosh's column of compressed values, its tables read by `_VarBytesReader`."""

    class Reader(columns.CompressedBytesColumn.Reader, _VarBytesReader):  # type: ignore[misc]
        pass


# The stored fields' column (Whoosh's W3 `STORED_COLUMN`), read by `_VarBytesReader`.
STORED_COLUMN = columns.PickleColumn(_CompressedBytesColumn())


class _LazyVarBytesReader(columns.ColumnReader):  # type: ignore[misc]
    """A mapped `VarBytesColumn` with stored offsets, each document's length and
    offset read from the map when the document is asked for."""

    def __init__(self, source: Any, start: int, length: int, tables: _Tables) -> None:
        self._source = source
        self._doccount = tables.doccount
        self._length = Struct(">" + tables.lengths_code)
        self._offset = Struct(">" + tables.offsets_code)
        self._offsets_at = tables.offsets_at
        self._lengths_at = tables.lengths_at
        self._data = start  # the column's first byte in the map
        self._end = start + length

    def __len__(self) -> int:
        return self._doccount

    def __getitem__(self, docnum: int) -> bytes:
        if not 0 <= docnum < self._doccount:
            raise IndexError(docnum)
        source = self._source
        (length,) = self._length.unpack_from(source, self._lengths_at + docnum * self._length.size)
        if not length:
            return b""
        (offset,) = self._offset.unpack_from(source, self._offsets_at + docnum * self._offset.size)
        start = self._data + offset
        value: bytes = source[start : start + length]
        return value

    def __iter__(self) -> Any:
        return (self[docnum] for docnum in range(self._doccount))

    def release(self) -> None:
        """Let go of the pages of the column read so far."""
        release_pages(self._source, self._data, self._end)


def release_file_pages(dbfile: Any, position: int, length: int) -> None:
    """`release_pages` of bytes `position` to `position + length` of `dbfile` when it is
    a view of a map (whoosh_internals' `_MappedFile`); nothing for a file read."""
    source = getattr(dbfile, "_source", None)
    if source is not None:
        start = dbfile._offset + position
        release_pages(source, start, start + length)


def release_pages(source: mmap.mmap, start: int, end: int) -> None:
    """Let go of the pages of map `source` wholly inside bytes `start` to `end`.

    They leave the process's memory, not the page cache: a later read maps
    them again. A read-only map holds nothing of its own to lose.
    """
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    last = end // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first and _DONT_NEED is not None:
        source.madvise(_DONT_NEED, first, last - first)


# Not on every system (Windows has no madvise): there the pages stay.
_DONT_NEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
