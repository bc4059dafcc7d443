"""Tables of fixed-width rows, sorted by a digest, kept in temporary files and read mapped.

Model: what an indexing run keeps per article (its view of the index, the
digests of the ids it indexed) would grow with the archive if held in
memory, ~90 bytes an article: past the run's memory budget somewhere
beyond a few million articles. Here such a table is a set of column
files, each a contiguous array (numpy's searches copy a strided view
first), all in the order of the first column, a 16-byte digest, then of
the other sort keys (`sort_rows` sorts rows the same way, in memory when
they fit). They are read through memory maps. A process's RSS
counts a mapped page only while it is mapped in: `release` lets every page
go (`madvise(MADV_DONTNEED)`; the kernel keeps them in its page cache and
maps them in again on the next read), so a run's memory holds the pages
read since the last release, not the table.

Rows are appended in any order (`TableWriter`) and sorted when the table
is finished: in memory when they fit in `SORT_BYTES`, else in two passes,
first into up to `MAX_BUCKETS` files by the first two bytes of their
digest, then each file sorted in memory and appended. Digests are uniform
(BLAKE2b), so the buckets are about equal, and as they follow the digests'
order the table comes out sorted.

Temporary files go where Python's `tempfile` puts them (TMPDIR), without
a name (`tempfile.TemporaryFile`): nothing is left behind by a process
that is killed. A folder that refuses them raises `IndexStorageError`
(`index.file_list.temporary_storage_error`, as the run's file list does).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import numpy as np

from pressearch.index.file_list import temporary_storage_error

Array = np.ndarray[Any, Any]

# Rows sorted in memory at once, in bytes.
SORT_BYTES = 8 << 20
# Bucket files written at once by a large sort (open files, each with a buffer).
MAX_BUCKETS = 256
# Rows read at once when streaming a file.
_CHUNK_BYTES = 8 << 20
# Where the platform has no madvise (Windows), mapped pages stay until unmapped.
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)


class Table:
    """Sorted columns in temporary files, read through maps (see the module).

    `table[name]` is a column as a read-only array; reading it maps pages in
    until `release`. The files have no name: their space goes back when the
    table is closed (`close`, or `with`) or collected, or its process ends,
    killed or not.
    """

    def __init__(self, files: dict[str, BinaryIO], dtype: np.dtype[Any], count: int) -> None:
        """A table of `count` rows of `dtype` in `files`, a column each (which it closes)."""
        self._count = count
        self._maps: list[mmap.mmap] = []
        self._columns: dict[str, Array] = {}
        assert dtype.names is not None
        for name in dtype.names:
            column_type = dtype.fields[name][0]  # type: ignore[index]
            with files[name] as file:  # the map holds the file open
                if count == 0:
                    self._columns[name] = np.empty(0, dtype=column_type)
                    continue
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            self._maps.append(mapped)
            self._columns[name] = np.frombuffer(mapped, dtype=column_type, count=count)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, name: str) -> Array:
        return self._columns[name]

    def rows(self, start: int, stop: int, dtype: np.dtype[Any]) -> Array:
        """Rows `start` to `stop` as an array of `dtype` (a copy; its fields this table
        lacks are zero)."""
        stop = min(stop, self._count)
        rows = np.zeros(max(0, stop - start), dtype=dtype)
        for name in dtype.names or ():
            if name in self._columns:
                rows[name] = self._columns[name][start:stop]
        return rows

    def release(self) -> None:
        """Let go of the pages read so far (they stay in the kernel's page cache)."""
        if _DONTNEED is None:
            return
        for mapped in self._maps:
            mapped.madvise(_DONTNEED)

    def chunks(self, name: str, rows: int) -> Iterator[tuple[int, Array]]:
        """(first row, values) of column `name`, `rows` at a time, each a copy, the
        pages let go of as the walk moves on."""
        column = self._columns[name]
        for start in range(0, len(column), rows):
            values = column[start : start + rows].copy()
            self.release()
            yield start, values

    def close(self) -> None:
        self._columns = {}
        for mapped in self._maps:
            with contextlib.suppress(BufferError):  # a caller holds a column: the map goes with it
                mapped.close()
        self._maps = []

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TableWriter:
    """Rows of `dtype` appended in any order; `finish` sorts them into a `Table`.

    `order`: the fields to sort by, the first one whose leading bytes are
    uniform and most significant (a digest, or a big-endian number of
    uniform values); rows equal in all of them keep the order they were
    appended in. No field: the rows stay in that order.
    """

    def __init__(self, dtype: np.dtype[Any], order: tuple[str, ...]) -> None:
        assert dtype.names is not None and all(name in dtype.names for name in order)
        self.dtype = dtype
        self.order = order
        self._count = 0
        self._rows = _temporary_file()

    def append(self, rows: Array) -> None:
        """Append `rows` (an array of `dtype`)."""
        try:
            self._rows.write(np.ascontiguousarray(rows, dtype=self.dtype).tobytes())
        except OSError as exc:
            raise temporary_storage_error(exc, "a table of the run") from None
        self._count += len(rows)

    def finish(self) -> Table:
        """The rows, sorted, as a table; this writer's unsorted file is let go of."""
        names = self.dtype.names or ()
        columns = {name: _temporary_file() for name in names}
        try:
            with self._rows:
                self._rows.flush()
                for rows in self._sorted_parts(self._rows):
                    for name, file in columns.items():
                        file.write(np.ascontiguousarray(rows[name]).tobytes())
            for file in columns.values():
                file.flush()
        except OSError as exc:
            for file in columns.values():
                file.close()
            raise temporary_storage_error(exc, "a table of the run") from None
        return Table(columns, self.dtype, self._count)

    def abandon(self) -> None:
        """Let go of what was written (the table is not needed after all)."""
        self._rows.close()

    def _sorted_parts(self, unsorted: BinaryIO) -> Iterator[Array]:
        """The rows of file `unsorted`, sorted, in parts that each fit in memory."""
        size = self._count * self.dtype.itemsize
        if not self.order:
            yield from _read_chunks(unsorted, self.dtype)
            return
        if size <= SORT_BYTES:
            unsorted.seek(0)
            yield self._sort(np.fromfile(unsorted, dtype=self.dtype))
            return
        buckets = min(MAX_BUCKETS, 1 << max(1, (2 * size // SORT_BYTES).bit_length()))
        shift = 16 - buckets.bit_length() + 1
        files = [_temporary_file() for _ in range(buckets)]
        try:
            for rows in _read_chunks(unsorted, self.dtype):
                digests = np.ascontiguousarray(rows[self.order[0]])
                key = digests.view(np.uint8).reshape(len(rows), -1)
                first = (key[:, 0].astype(np.uint32) << 8 | key[:, 1]) >> shift
                by_bucket = np.argsort(first, kind="stable")
                bounds = np.searchsorted(first[by_bucket], np.arange(buckets + 1))
                for b in np.flatnonzero(np.diff(bounds)).tolist():
                    files[b].write(rows[by_bucket[bounds[b] : bounds[b + 1]]].tobytes())
            unsorted.close()  # its space goes back before the buckets are sorted
            for file in files:
                with file:
                    file.flush()
                    file.seek(0)
                    rows = np.fromfile(file, dtype=self.dtype)
                if len(rows):
                    yield self._sort(rows)
        finally:
            for file in files:
                file.close()

    def _sort(self, rows: Array) -> Array:
        return _sorted(rows, self.order)


def _sorted(rows: Array, order: tuple[str, ...]) -> Array:
    """`rows` sorted by the fields `order`, stably."""
    # numpy sorts a big-endian field several times slower than a native one.
    keys = [_native(rows[name]) for name in reversed(order)]
    return rows[np.lexsort(keys)] if len(keys) > 1 else rows[np.argsort(keys[0], kind="stable")]


def _native(values: Array) -> Array:
    if values.dtype.byteorder in "=|" or values.dtype.kind in "SUV":
        return values
    return values.astype(values.dtype.newbyteorder("="))


def sort_rows(
    dtype: np.dtype[Any], order: tuple[str, ...], parts: Iterable[Array]
) -> Iterator[Array]:
    """The rows of `parts` (arrays of `dtype`) sorted as a `TableWriter` sorts them, a
    part at a time: in memory when they fit in `SORT_BYTES`, else through a table in
    temporary files, its pages let go of as it is read."""
    held: list[Array] = []
    size = 0
    parts = iter(parts)
    for part in parts:
        if size + part.nbytes > SORT_BYTES:
            writer = TableWriter(dtype, order)
            for rows in (*held, part):
                writer.append(rows)
            del held
            for rows in parts:
                writer.append(rows)
            with writer.finish() as table:
                step = max(1, _CHUNK_BYTES // dtype.itemsize)
                for start in range(0, len(table), step):
                    rows = table.rows(start, start + step, dtype)
                    table.release()
                    yield rows
            return
        held.append(part)
        size += part.nbytes
    if held:
        yield _sorted(np.concatenate(held), order)


def _read_chunks(file: BinaryIO, dtype: np.dtype[Any]) -> Iterator[Array]:
    """The rows of `file`, from its start, a chunk at a time."""
    file.flush()
    left = file.seek(0, os.SEEK_END) // dtype.itemsize
    file.seek(0)
    chunk = max(1, _CHUNK_BYTES // dtype.itemsize)
    while left:
        # numpy allocates all the rows asked for, whatever the file holds.
        rows = np.fromfile(file, dtype=dtype, count=min(left, chunk))
        if not len(rows):
            return
        left -= len(rows)
        yield rows


def _temporary_file() -> BinaryIO:
    """A new file of no name (its space goes back when it is closed, or the process ends)."""
    try:
        return tempfile.TemporaryFile()
    except OSError as exc:
        raise temporary_storage_error(exc, "a table of the run") from None
