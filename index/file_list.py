"""A run's list of files, kept in a temporary file: memory by the chunk, not the file.

Model: a `FileList` is an append-only sequence of `SourceFile`s, each
written as one record (path, root, signature, size) to an anonymous
temporary file (in memory up to `SPOOL_BYTES`), with in memory only the
offset of every `_CHUNK`-th record, where the records read at once start.
It is read back forward or backward, a chunk of records at a time. A walk
of a million files held as `SourceFile` objects costs ~380 MB, and every
list derived from it (the files to index, the batches in flight) as much
again; as a `FileList` it costs 2 KB (8 MB with every record's offset).
Files are read back as new objects, so equal, not identical, to the ones
appended. A `PackedFiles` holds a batch of them as the same
records in one bytes object: what a worker is sent, and what this process
keeps of a batch in flight (an 80,000-file batch: ~20 MB, against ~60 MB
as objects in each process).
"""

from __future__ import annotations

import struct
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from pressearch.errors import IndexStorageError


@dataclass(frozen=True, slots=True)
class SourceFile:
    """An article file found by the walk (`index.walk`)."""

    path: str
    root: str  # folder the article id's relative path starts from
    sig: str  # "mtime_ns:size", see `index.walk.signature`
    size: int


# A record: path length, root number, signature length, size; then path and signature.
_HEAD = struct.Struct("<IIIq")
# Records kept in memory before the list moves to a temporary file: about
# 20,000 files (a record is the path and ~40 bytes).
SPOOL_BYTES = 4_000_000
# Records read at once: reading them one by one costs a seek and three reads each.
_CHUNK = 4096


class FileList:
    """SourceFiles in a temporary file, in the order appended (see the module).

    Reads and appends may interleave: each moves to its place first.
    """

    def __init__(self, files: Iterable[SourceFile] = ()) -> None:
        # The list owns its file for its life: `close`, or `with`, ends both.
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self._starts = array("q")  # of records 0, _CHUNK, 2 * _CHUNK, ...
        self._count = 0
        self._end = 0
        self._at_end = True  # where the next record goes
        self._roots: list[str] = []
        self._root_numbers: dict[str, int] = {}
        self.total_size = 0  # bytes of all the files
        for f in files:
            self.append(f)

    def append(self, f: SourceFile) -> None:
        number = self._root_numbers.get(f.root)
        if number is None:
            number = self._root_numbers[f.root] = len(self._roots)
            self._roots.append(f.root)
        record = _record(f, number)
        try:
            if not self._at_end:  # a read moved it (a seek per record cost ~1 s a million)
                self._file.seek(self._end)
                self._at_end = True
            self._file.write(record)
        except OSError as exc:
            # Past SPOOL_BYTES the list is a temporary file (TMPDIR).
            raise temporary_storage_error(exc, "the list of files to index") from None
        if self._count % _CHUNK == 0:
            self._starts.append(self._end)
        self._count += 1
        self._end += len(record)
        self.total_size += f.size

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[SourceFile]:
        for number in range(len(self._starts)):
            yield from self._chunk(number)

    def __reversed__(self) -> Iterator[SourceFile]:
        for number in reversed(range(len(self._starts))):
            yield from reversed(self._chunk(number))

    def __getitem__(self, index: int) -> SourceFile:
        index = range(self._count)[index]
        return self._chunk(index // _CHUNK)[index % _CHUNK]

    def _chunk(self, number: int) -> list[SourceFile]:
        """Chunk `number`'s records (`_CHUNK`, fewer at the end), read at once."""
        begin = self._starts[number]
        end = self._starts[number + 1] if number + 1 < len(self._starts) else self._end
        self._file.seek(begin)
        self._at_end = False
        data = self._file.read(end - begin)
        return list(_records(data, self._roots, min(_CHUNK, self._count - number * _CHUNK)))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> FileList:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class PackedFiles:
    """SourceFiles as `FileList` records in one bytes object (see the module)."""

    data: bytes
    roots: tuple[str, ...]
    count: int

    @classmethod
    def pack(cls, files: Iterable[SourceFile]) -> PackedFiles:
        roots: dict[str, int] = {}
        records = [_record(f, roots.setdefault(f.root, len(roots))) for f in files]
        return cls(b"".join(records), tuple(roots), len(records))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[SourceFile]:
        # One at a time: progress names a batch's files from this as they are
        # done, and a batch's files as objects are what packing saves.
        return _records(self.data, self.roots, self.count)

    def __getitem__(self, index: int) -> SourceFile:
        return list(self)[index]


def temporary_storage_error(exc: OSError, what: str) -> IndexStorageError:
    """The error for temporary files (`what`) that the temporary folder (TMPDIR)
    refused: the index folder may have room while that folder has none."""
    reason = (exc.strerror or str(exc)).lower()
    return IndexStorageError(
        f"cannot write {what} in {tempfile.gettempdir()}: {reason}"
        " — free space there, or set TMPDIR to a folder with room"
    )


def _record(f: SourceFile, root_number: int) -> bytes:
    path, sig = f.path.encode("utf-8", "surrogatepass"), f.sig.encode("ascii")
    return _HEAD.pack(len(path), root_number, len(sig), f.size) + path + sig


def _records(data: bytes, roots: Sequence[str], count: int) -> Iterator[SourceFile]:
    """The first `count` records of `data`, one at a time."""
    at = 0
    unpack, size = _HEAD.unpack_from, _HEAD.size
    for _ in range(count):
        path_len, number, sig_len, file_size = unpack(data, at)
        at += size
        path = data[at : at + path_len].decode("utf-8", "surrogatepass")
        at += path_len
        sig = data[at : at + sig_len].decode("ascii")
        at += sig_len
        yield SourceFile(path, roots[number], sig, file_size)
