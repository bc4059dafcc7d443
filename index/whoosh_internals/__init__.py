"""Whoosh's private internals, every use of them, for exactly one Whoosh release.

pressearch reaches past Whoosh's public API in a few places, for speed or for
crash safety; each such reach is here and nowhere else, so that a Whoosh
upgrade is checked in one module. Importing it checks that the installed
`whoosh3` is `WHOOSH_VERSION` and raises `WhooshVersionError` otherwise.

What it holds, and why:

- **File names.** A table of contents is `_MAIN_<generation>.toc`, the
  write lock `MAIN_WRITELOCK`, and a segment's files start with its id: to
  tell an index folder from another, find its generation without opening it,
  and move a segment a worker wrote into the index.
- **Safe unpickling.** Whoosh unpickles the schema and segment list of the
  table of contents, compound-file directories, posting blocks, positions and
  stored fields. Importing this module makes every one of those reads admit
  only the classes an index holds (`ADMITTED`), so a pickle planted in an
  index folder cannot run code (`UntrustedIndexError`). Index files are
  opened only when they are regular files (a FIFO would block, a device
  never end), a table of contents only up to `MAX_TOC_BYTES`.
- **Writer internals.** A writer that does not take Whoosh's lock (the run
  holds it), posting counted words into its pool, its new segment and its
  list of segments, a segment's files, and a segment reader built by hand
  over unmapped files (merging must not map the whole index into memory).
- **Mapped segments, read in place.** Whoosh maps a compound segment file
  and then copied each file inside it into a BytesIO when a reader opened,
  so opening cost the whole index in time and memory. `CompoundStorage`
  here opens those files as views of the map (`_MappedFile`), each read
  copying only what it returns: opening costs the same whatever the
  index's size, and memory holds only the pages read. A reader still sees
  one committed state: segment files are never rewritten, and a map keeps
  a file that a later commit deletes. A numeric column (the date) loads in
  one read of its bytes, not a call per article.
- **Byte layouts.** A positions posting (`positions`: gaps as varints) and
  a spelling posting's weight.
- **A codec of our own** (`codec`): Whoosh's W3 codec whose term dictionary
  (`terms`) and postings (`postings`) are compact layouts of this package,
  written term by term from a pool that groups postings by term (`pool`)
  by a segment writer (`segment_writer`) rather than posting by posting.
- **Postings and lengths, raw.** A term's postings a block at a time and a
  field's length bytes for a whole segment, for scoring term at a time; a
  prefix's words with only their weights read, for did-you-mean.
"""

from __future__ import annotations

from pressearch.errors import UntrustedIndexError, WhooshVersionError

WHOOSH_VERSION = "3.54.0"


def _check_version() -> None:
    # The version the importable package states, read before any of its
    # modules: importlib.metadata's lookup cost every query ~12 ms.
    try:
        import whoosh
    except ImportError:
        installed = "no whoosh3"
    else:
        installed = whoosh.versionstring()
    if installed != WHOOSH_VERSION:
        raise WhooshVersionError(
            f"pressearch needs whoosh3 {WHOOSH_VERSION} exactly (it reads Whoosh's internals),"
            f" but {installed} is installed — run `pip install whoosh3=={WHOOSH_VERSION}`"
        )


# Before importing Whoosh's modules: another release may lack what is imported.
_check_version()

# ruff: noqa: E402
import contextlib
import io
import mmap
import os
import pickle
import re
import stat
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate
from typing import Any

import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.formats
import whoosh.index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3Segment
from whoosh.fields import Schema
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage, StorageError
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.system import _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE, pack_uint
from whoosh.util.numeric import byte_to_length

from pressearch.index.whoosh_internals.codec import PressWriter, perdoc_length_bytes
from pressearch.index.whoosh_internals.columns import release_file_pages
from pressearch.index.whoosh_internals.positions import PressPositions as PressPositions
from pressearch.index.whoosh_internals.positions import encode_positions as encode_positions
from pressearch.index.whoosh_internals.postings import PressLeafMatcher
from pressearch.index.whoosh_internals.terms import PressTermsReader

# -- file names ------------------------------------------------------------------

# Whoosh's default index name is MAIN: its tables of contents and its lock.
_TOC_NAME = re.compile(r"^_MAIN_(\d+)\.toc$")
WRITELOCK = "MAIN_WRITELOCK"


def toc_generation(name: str) -> int | None:
    """The generation of table of contents file `name`, None for any other file."""
    match = _TOC_NAME.match(name)
    return int(match.group(1)) if match else None


# A segment's files: `MAIN_<segment id>.<part>`.
_SEGMENT_FILE = re.compile(r"^MAIN_[0-9a-z]+\.[A-Za-z0-9_.]+$")


def is_segment_file(name: str) -> bool:
    """Whether `name` is a file of a segment of the index (not its lock or TOC)."""
    return _SEGMENT_FILE.match(name) is not None


def is_whoosh_file(name: str) -> bool:
    """Whether `name` is a file Whoosh keeps in an index folder (lock, TOC, segment)."""
    return name.startswith(("MAIN", "_MAIN"))


def segment_name(segment: Any) -> str:
    """The id of `segment`, which starts the names of its files."""
    name: str = segment.segment_id()
    return name


def segment_files(segment: Any, folder: str | os.PathLike[str]) -> list[str]:
    """The names of the files of `segment` in `folder`."""
    prefix = segment_name(segment) + "."
    return [name for name in os.listdir(folder) if name.startswith(prefix)]


def move_segment(segment: Any, source: str | os.PathLike[str], target: str) -> None:
    """Move the files of `segment` from folder `source` into folder `target`."""
    for name in segment_files(segment, source):
        os.replace(os.path.join(source, name), os.path.join(target, name))


def segment_of(leaf: Any) -> Any:
    """The segment a segment reader reads, None for a reader of no segment."""
    return leaf.segment()


def segment_size(segment: Any) -> int:
    """Documents in `segment`, deleted ones included."""
    return int(segment.doc_count_all())


def segment_deleted(segment: Any) -> int:
    """Documents deleted from `segment`."""
    return int(segment.deleted_count())


def delete_in_segment(segment: Any, docnum: int) -> None:
    """Mark document `docnum` of a segment not yet committed as deleted."""
    segment.delete_document(docnum)


# -- safe unpickling ----------------------------------------------------------------

# Everything a pressearch index pickles: its schema (Whoosh's fields, formats,
# columns and tokenizers, pressearch's own field types and analyzer), its
# segment list, compound-file directories, and the builtins and helpers the
# pickles of posting blocks and stored fields name. Nothing else is looked up.
ADMITTED = frozenset(
    {
        ("pressearch.index.schema", "FacetValues"),
        ("pressearch.index.schema", "PressAnalyzer"),
        ("pressearch.index.schema", "PressDate"),
        ("pressearch.index.schema", "PressText"),
        ("pressearch.index.whoosh_internals.codec", "PressCodec"),
        ("pressearch.index.whoosh_internals.positions", "PressPositions"),
        ("whoosh.fields", "Schema"),
        ("whoosh.fields", "ID"),
        ("whoosh.fields", "STORED"),
        ("whoosh.fields", "COLUMN"),
        ("whoosh.fields", "TEXT"),
        ("whoosh.fields", "DATETIME"),
        ("whoosh.fields", "NUMERIC"),
        ("whoosh.fields", "KEYWORD"),
        ("whoosh.fields", "SpellField"),
        ("whoosh.formats", "Existence"),
        ("whoosh.formats", "Frequency"),
        ("whoosh.formats", "Positions"),
        ("whoosh.columns", "NumericColumn"),
        ("whoosh.columns", "VarBytesColumn"),
        ("whoosh.analysis.tokenizers", "IDTokenizer"),
        ("whoosh.analysis.tokenizers", "RegexTokenizer"),
        ("whoosh.codec.whoosh3", "W3Codec"),
        ("whoosh.codec.whoosh3", "W3Segment"),
        ("re", "_compile"),  # a tokenizer's pattern
        ("_codecs", "encode"),  # bytes, as protocol 2 pickles them
        ("collections", "defaultdict"),
        *(
            (module, name)
            for module in ("builtins", "__builtin__")
            for name in ("int", "long", "float", "str", "unicode", "bytes", "bool")
        ),
        *(("builtins", name) for name in ("set", "frozenset", "list", "tuple", "dict")),
        ("__builtin__", "set"),
        ("__builtin__", "frozenset"),
    }
)


class _IndexUnpickler(pickle.Unpickler):
    """Unpickles only what an index holds; anything else is refused, never imported."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ADMITTED:
            raise UntrustedIndexError(
                f"an index file holds a pickled {module}.{name}, which no pressearch index"
                " holds: it may have been planted to run code, so nothing of it was run"
            )
        return super().find_class(module, name)


# Bytes whose absence proves a pickle names no global (GLOBAL, INST,
# STACK_GLOBAL, EXT1-4): without one it can build plain data only, so
# pickle.loads reads it as safely, with no unpickler to build. Text inside a
# pickle may contain them too; such pickles take the checked path.
_MAY_NAME_GLOBALS = re.compile(rb"[ci\x82-\x84\x93]")


def safe_loads(data: bytes) -> Any:
    """`pickle.loads(data)`, admitting only the classes of `ADMITTED`."""
    if _MAY_NAME_GLOBALS.search(data) is None:
        return pickle.loads(data)
    # Through a BufferedReader, whose peek lets the C unpickler read as fast
    # as from bytes (from a bare BytesIO it is twice as slow).
    return _IndexUnpickler(io.BufferedReader(io.BytesIO(data))).load()


def _read_pickle(self: StructFile) -> Any:
    return _IndexUnpickler(self.file).load()


# The largest table of contents read: it holds the schema and the segment list
# with their deleted documents, a few MB for millions of articles.
MAX_TOC_BYTES = 256 * 1024 * 1024


def _read_toc(
    cls: type[whoosh.index.TOC],
    storage: Any,
    indexname: str,
    gen: int | None = None,
    schema: Any = None,
) -> whoosh.index.TOC:
    """`whoosh.index.TOC.read`, unpickling safely, from a regular file of bounded size."""
    if gen is None:
        gen = cls._latest_generation(storage, indexname)
        if gen < 0:
            raise whoosh.index.EmptyIndexError(f"Index {indexname!r} does not exist in {storage!r}")
    name = cls._filename(indexname, gen)
    stream = storage.open_file(name)
    try:
        if stream.is_real and (size := os.fstat(stream.fileno()).st_size) > MAX_TOC_BYTES:
            raise whoosh.index.IndexError(f"{name} is {size} bytes, more than a TOC holds")
        for size in (_INT_SIZE, _LONG_SIZE, _FLOAT_SIZE):
            if _varint(stream, name) != size:
                raise whoosh.index.IndexError(f"{name} was written on another architecture")
        if stream.read_int() != -12345:
            raise whoosh.index.IndexError(f"{name}: number misread (byte order)")
        version = stream.read_int()
        release = (_varint(stream, name), _varint(stream, name), _varint(stream, name))
        if version != whoosh.index._CURRENT_TOC_VERSION:
            raise whoosh.index.IndexVersionError(f"Can't read format {version}", version)
        length = _varint(stream, name)
        if schema:
            stream.seek(length, os.SEEK_CUR)
        else:
            schema = safe_loads(stream.read(length))
            if not isinstance(schema, Schema):
                raise whoosh.index.IndexError(f"{name} holds no schema")
        if stream.read_int() != gen:
            raise whoosh.index.IndexError(f"{name} names another generation")
        stream.read_int()  # unused
        segments = stream.read_pickle()
    finally:
        stream.close()
    if not (isinstance(segments, list) and all(map(_whole_segment, segments))):
        raise whoosh.index.IndexError(f"{name} holds a damaged list of segments")
    return cls(schema, segments, gen, version=version, release=release)


def _varint(stream: Any, name: str) -> int:
    try:
        return int(stream.read_varint())
    except TypeError as exc:  # Whoosh's varint decoder given a short read: ord(b"")
        raise EOFError(f"{name} ends early") from exc


# What a segment unpickled from a table of contents must have: a damaged one
# can lack some, and would fail later with an AttributeError, a bug's sign.
_SEGMENT_STATE = frozenset(
    {"_codec", "_deleted", "_doccount", "_fieldlengths", "compound", "indexname", "segid"}
)
_SEGMENT_ID = re.compile(r"[0-9a-z]+")


def _whole_segment(segment: Any) -> bool:
    # Its names make the names of the files opened: only MAIN_<id>.* in the
    # index folder, never a path elsewhere.
    return (
        isinstance(segment, W3Segment)
        and vars(segment).keys() >= _SEGMENT_STATE
        and isinstance(segment._codec, W3Codec)
        and segment.indexname == "MAIN"
        and isinstance(segment.segid, str)
        and _SEGMENT_ID.fullmatch(segment.segid) is not None
    )


def _open_regular_file(self: FileStorage, name: str, **kwargs: Any) -> StructFile:
    """`FileStorage.open_file`, for regular files only: a FIFO would block, a device never end."""
    fd = os.open(self._fpath(name), os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise whoosh.index.IndexError(f"{name} is not a regular file")
    return StructFile(os.fdopen(fd, "rb"), name=name, **kwargs)


def _guard_unpickling() -> None:
    """Route every unpickling Whoosh does from an index folder through `_IndexUnpickler`,
    from regular files only."""
    FileStorage.open_file = _open_regular_file
    whoosh.index.TOC.read = classmethod(_read_toc)
    StructFile.read_pickle = _read_pickle
    for module in (whoosh.codec.whoosh3, whoosh.formats, whoosh.columns):
        module.loads = safe_loads  # type: ignore[attr-defined]


_guard_unpickling()


def open_file_index(folder: str, schema: Any = None) -> Any:
    """Open the Whoosh index in `folder` (with `schema` in place of its own, if given)."""
    return whoosh.index.FileIndex(FileStorage(folder), schema=schema)


# -- compound segments, mapped --------------------------------------------------------


class _MappedReader:
    """A read-only file over bytes `offset` to `offset + length` of an mmap.

    What Whoosh reads a sub-file of a compound segment through: each read
    copies only the bytes it returns, where Whoosh's BufferFile copied the
    whole sub-file into a BytesIO when it was opened.
    """

    __slots__ = ("_end", "_map", "_pos", "_start")

    def __init__(self, source: mmap.mmap, offset: int, length: int) -> None:
        self._map = source
        self._start = self._pos = offset
        self._end = offset + length

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        stop = self._end if size is None or size < 0 else min(start + size, self._end)
        self._pos = max(start, stop)
        return self._map[start:stop]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._end if size is None or size < 0 else min(start + size, self._end)
        newline = self._map.find(b"\n", start, end)
        return self.read((end if newline < 0 else newline + 1) - start)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: self._start, os.SEEK_CUR: self._pos, os.SEEK_END: self._end}[whence]
        self._pos = max(self._start, base + offset)
        return self._pos - self._start

    def tell(self) -> int:
        return self._pos - self._start

    def close(self) -> None:
        pass


class _MappedFile(BufferFile):  # type: ignore[misc]
    """Whoosh's BufferFile over part of a mapped compound segment, copying nothing up front."""

    def __init__(self, source: mmap.mmap, offset: int, length: int, name: str) -> None:
        self._source = source
        self._offset = offset
        self._length = length
        self._buf = None  # nothing exported from the map: it closes whenever its storage does
        self._name = name
        self.file = _MappedReader(source, offset, length)
        self.onclose = None
        self.is_real = False
        self.is_closed = False

    def get(self, position: int, length: int) -> bytes:
        start = self._offset + max(0, position)
        stop = min(start + length, self._offset + self._length)
        return self._source[start:stop]


# Whoosh's own: for a compound segment that could not be mapped.
_open_compound_subfile = CompoundStorage.open_file


def _open_mapped_subfile(self: CompoundStorage, name: str, *args: Any, **kwargs: Any) -> Any:
    """`CompoundStorage.open_file` that reads a mapped segment in place (`_MappedFile`)."""
    if self._source is None:
        return _open_compound_subfile(self, name, *args, **kwargs)
    if self.is_closed:
        raise StorageError("Storage was closed")
    offset, length = self.range(name)
    return _MappedFile(self._source, offset, length, name)


CompoundStorage.open_file = _open_mapped_subfile


# Whoosh's own: a value at a time.
_load_numeric_column = whoosh.columns.NumericColumn.Reader.load


def _load_numeric_in_one_read(self: Any) -> Sequence[int]:
    """`NumericColumn.Reader.load` as one array read from the column's bytes in one
    slice, where Whoosh unpacked each value by a call of its own (a date column
    of 1,000,000 articles: ~1 s, now milliseconds). The same values: big-endian
    numbers of the column's type code, its default past the last one written."""
    values = array(self._typecode)
    if values.itemsize != self._fixedlen:  # no native array of this struct size
        return _load_numeric_column(self)  # type: ignore[no-any-return]
    written = min(self._count, self._doccount)
    dbfile = self._dbfile
    values.frombytes(dbfile.get(self._basepos, written * self._fixedlen))
    release_file_pages(dbfile, self._basepos, written * self._fixedlen)  # the values are copied
    if sys.byteorder == "little":
        values.byteswap()
    values.extend([self._default] * (self._doccount - written))
    return values


whoosh.columns.NumericColumn.Reader.load = _load_numeric_in_one_read


# -- writer internals -----------------------------------------------------------


def unlocked_writer(ix: Any, **kwargs: Any) -> Any:
    """A writer of `ix` that takes no lock: the caller holds the index's lock."""
    return ix.writer(_lk=False, **kwargs)


def writer_segments(writer: Any) -> list[Any]:
    """The committed segments a writer started from."""
    return list(writer.segments)


def segment_writer(ix: Any, limitmb: float) -> Any:
    """A writer of a new segment of `ix` in pressearch's codec, pooling `limitmb` MB of postings."""
    return PressWriter(ix, limitmb)


def written_segment(writer: Any) -> Any:
    """The segment a writer has written (after `commit(merge=False)`)."""
    return writer.get_segment()


def remove_new_segment_files(writer: Any, folder: str | os.PathLike[str]) -> None:
    """Remove the files a cancelled writer's new segment left in `folder`.

    A commit would clean them up; a cancelled writer that never commits
    leaves its (empty) segment files behind.
    """
    for name in segment_files(writer.newsegment, folder):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(folder, name))


def post_word_counts(writer: Any, fieldname: str, counts: Mapping[str, int]) -> None:
    """Post each word of `counts` once in `fieldname`, weighted by its count.

    Into the writer's posting pool, on the segment's first document, as
    Whoosh posts its per-document spelling words.
    """
    add = writer.pool.add
    for word, count in counts.items():
        add((fieldname, word.encode("utf-8"), 0, count, pack_uint(count)))


def unmapped_segment_reader(folder: str, schema: Any, segment: Any) -> Any:
    """A reader of `segment` of the index in `folder` that reads files, never maps them."""
    storage = FileStorage(folder, supports_mmap=False, readonly=True)
    return SegmentReader(storage, schema, segment)


# -- byte layouts --------------------------------------------------------------------


def length_of_byte(byte: int) -> int:
    """The field length a stored length byte stands for."""
    length: int = byte_to_length(byte)
    return length


# -- postings and lengths, raw ------------------------------------------------------


def length_bytes(reader: Any, fieldname: str) -> bytes:
    """Each document's length byte of `fieldname` in segment `reader` (0: none)."""
    return perdoc_length_bytes(reader._perdoc, fieldname, reader.doc_count_all())


def prefix_weights(leaf: Any, fieldname: str, prefix: str) -> Iterator[tuple[str, float]]:
    """(word, total weight) of each term of `fieldname` in segment reader `leaf` that
    starts with `prefix`, in order: `leaf.iter_prefix`, reading only each weight from
    pressearch's term dictionary."""
    terms = getattr(leaf, "_terms", None)
    if isinstance(terms, PressTermsReader):
        for key, weight in terms.prefix_weights(fieldname, prefix.encode("utf-8")):
            yield key.decode("utf-8"), weight
        return
    for text, info in leaf.iter_prefix(fieldname, prefix):
        yield text.decode("utf-8"), info.weight()


def posting_blocks(
    m: Any, values: bool = False, wanted: Sequence[int] | None = None
) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence[Any]]]:
    """(docnums, weights, raw values or ()) of a term's postings, a block at a
    time; deleted documents included (the caller drops them). With `wanted`
    (sorted docnums), blocks that hold none of them may be left out unread."""
    if isinstance(m, FilterMatcher):
        m = m.child
    if isinstance(m, PressLeafMatcher):
        while m.is_active():
            first, last = m._firstid, m._maxid
            if wanted is None or bisect_left(wanted, first) != bisect_left(wanted, last + 1):
                m._read_weights()
                if values:
                    m._read_values()
                yield m.block_ids(), m._weights, (m._values if values else ())
            m._next_block()
        return
    if isinstance(m, W3LeafMatcher):
        below = 0  # every docnum in the current block is at least this
        while m.is_active():
            top = m.block_max_id()
            if wanted is not None and bisect_left(wanted, below) == bisect_left(wanted, top + 1):
                below = top + 1
                m._next_block()
                continue
            below = top + 1
            # Whoosh decodes a block's ids with a generator; accumulate is C.
            m._read_data()
            ids = m._data[0]
            m._read_weights()
            if values:
                m._read_values()
            ids = ids if m._byteids else list(accumulate(ids))
            yield ids, m._weights, (m._values if values else ())
            m._next_block()
        return
    docnums: list[int] = []
    weights: list[float] = []
    raw: list[Any] = []
    while m.is_active():
        docnums.append(m.id())
        weights.append(m.weight())
        if values:
            raw.append(m.value())
        m.next()
    yield docnums, weights, raw
