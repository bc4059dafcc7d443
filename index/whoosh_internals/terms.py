"""A segment's term dictionary: each field's terms, sorted, with their term info.

Model: the `.trm` file holds, after a magic number, every term of the
segment, fields one after another and each field's terms in byte order,
numbered from 0 in that order. Terms go by `BLOCK_TERMS` into blocks; in a
block each term is written as the length of the prefix it shares with the
term before it in the block (0 for the first), the length and bytes of the
rest, then the length and bytes of its term info (`postings.PressTermInfo`);
a block ends with two check bytes, the low half of the CRC-32 of the rest
of it, so a damaged block is found when it is read. After the blocks come
their offsets (one more than there are blocks, so each block ends where the
next begins) as a little-endian array of `I` or `Q`, a table naming each
field with the range of its term numbers, and a fixed trailer saying where
each part lies.

A term is found by binary search over the first terms of its field's
blocks, then by reading its block: opening a dictionary reads its trailer
and field table, whatever its size. Whoosh's W3 codec kept each term in a
hash file with a length header, a two-byte field number, two hash slots
and an offset, some 45 bytes a term besides its bytes and term info; here
a term costs its unshared bytes and three length bytes. Recently read
blocks are kept, since a query asks for a term's frequency, document
frequency and postings one after another, and neighbouring terms share
blocks.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterator
from typing import Any
from zlib import crc32

from whoosh.codec import base
from whoosh.reading import CorruptIndexError, TermNotFound

from pressearch.index.whoosh_internals.positions import varint
from pressearch.index.whoosh_internals.postings import PressLeafMatcher, PressTermInfo, term_weight

MAGIC = b"PTD2"
BLOCK_TERMS = 32
# Block offsets start, term count, field table start, offset width, magic.
_TRAILER = struct.Struct("<QQQB4s")
_CHECK = struct.Struct("<H")
_SWAP = sys.byteorder != "little"
# Blocks kept decoded per dictionary.
_CACHED_BLOCKS = 64
# Bytes read to find a block's first term (a longer one is read again, whole).
_FIRST_TERM_BYTES = 48
# First terms of blocks kept per dictionary. Every search probes the same
# blocks first (the middles of a field's range, then of its halves), so
# those come first and stay: a deep level is read again.
_KEPT_FIRST_TERMS = 4096

Block = tuple[list[bytes], list[bytes]]  # the keys and term infos of a block


def _damaged(what: str) -> CorruptIndexError:
    return CorruptIndexError(f"damaged term dictionary ({what}) — the index must be rebuilt")


def _common_prefix(a: bytes, b: bytes) -> int:
    """How many leading bytes `a` and `b` share, at most 255."""
    if a[:1] != b[:1]:
        return 0
    n = min(len(a), len(b), 255)
    i = 1
    while i < n and a[i] == b[i]:
        i += 1
    return i


class TermTableWriter:
    """Writes a term dictionary: fields in turn, each one's terms in increasing order."""

    def __init__(self, dbfile: Any) -> None:
        self._dbfile = dbfile
        self._written = len(MAGIC)
        dbfile.write(MAGIC)
        self._block = bytearray()
        self._in_block = 0
        self._previous = b""
        self._offsets = array("Q", [self._written])
        self._count = 0
        self._fields: list[tuple[str, int, int]] = []
        self._field: str | None = None
        self._start = 0
        self._last: bytes | None = None

    def start_field(self, fieldname: str) -> None:
        if any(name == fieldname for name, _, _ in self._fields):
            raise ValueError(f"field {fieldname!r} written twice")
        self._field = fieldname
        self._start = self._count
        self._last = None

    def add(self, key: bytes, info: bytes) -> None:
        """Add term `key` (greater than the field's last) with its term info."""
        if self._last is not None and key <= self._last:
            raise ValueError(f"terms must increase: {self._last!r}..{key!r}")
        self._last = key
        block = self._block
        shared = _common_prefix(self._previous, key) if self._in_block else 0
        rest = len(key) - shared
        size = len(info)
        if rest < 0x80 and size < 0x80:
            block.append(shared)
            block.append(rest)
            block += key[shared:] if shared else key
            block.append(size)
        else:
            block += bytes((shared,)) + varint(rest) + key[shared:] + varint(size)
        block += info
        self._previous = key
        self._count += 1
        self._in_block += 1
        if self._in_block == BLOCK_TERMS:
            self._end_block()

    def _end_block(self) -> None:
        block = self._block
        block += _CHECK.pack(crc32(block) & 0xFFFF)
        self._dbfile.write(bytes(block))
        self._written += len(block)
        self._offsets.append(self._written)
        block.clear()
        self._in_block = 0

    def finish_field(self) -> None:
        if self._field is not None and self._count > self._start:
            self._fields.append((self._field, self._start, self._count))
        self._field = None

    def close(self) -> None:
        self.finish_field()
        if self._in_block:
            self._end_block()
        end = self._written
        width = 4 if end < 1 << 32 else 8
        offsets = array("I" if width == 4 else "Q", self._offsets)
        if _SWAP:
            offsets.byteswap()
        self._dbfile.write(offsets.tobytes())
        table_start = end + len(offsets) * width
        table = bytearray()
        for name, first, stop in self._fields:
            encoded = name.encode("utf-8")
            table += varint(len(encoded)) + encoded + varint(first) + varint(stop)
        self._dbfile.write(bytes(table))
        self._dbfile.write(_TRAILER.pack(end, self._count, table_start, width, MAGIC))
        self._dbfile.close()


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return n, pos
        shift += 7


def _decode_block(data: bytes, count: int) -> Block:
    """The `count` keys and term infos of block `data`, checked."""
    if len(data) < _CHECK.size or _CHECK.unpack(data[-2:])[0] != crc32(data[:-2]) & 0xFFFF:
        raise _damaged("block check")
    keys: list[bytes] = []
    infos: list[bytes] = []
    previous = b""
    pos = 0
    end = len(data) - _CHECK.size
    try:
        for _ in range(count):
            shared = data[pos]
            rest, pos = _read_varint(data, pos + 1)
            key = previous[:shared] + data[pos : pos + rest] if shared else data[pos : pos + rest]
            size, pos = _read_varint(data, pos + rest)
            infos.append(data[pos : pos + size])
            pos += size
            keys.append(key)
            previous = key
    except IndexError:
        raise _damaged("block") from None
    if pos != end:
        raise _damaged("block length")
    return keys, infos


class PressTermsReader(base.TermsReader):  # type: ignore[misc]
    """Whoosh's terms reader over a dictionary `TermTableWriter` wrote."""

    def __init__(self, tifile: Any, length: int, postfile: Any, doccount: int) -> None:
        self._tifile = tifile
        self._postfile = postfile
        self._doccount = doccount
        self._get = tifile.get
        try:
            trailer = self._get(length - _TRAILER.size, _TRAILER.size)
            self._end, self._count, table_start, width, magic = _TRAILER.unpack(trailer)
            if magic != MAGIC or self._get(0, 4) != MAGIC or width not in (4, 8):
                raise _damaged("no dictionary")
            self._width = width
            self._pair = struct.Struct("<II" if width == 4 else "<QQ")
            self._blocks = -(-self._count // BLOCK_TERMS)
            if table_start != self._end + (self._blocks + 1) * width:
                raise _damaged("trailer")
            table = self._get(table_start, length - _TRAILER.size - table_start)
            self._fields: dict[str, tuple[int, int]] = {}
            pos = 0
            while pos < len(table):
                size, pos = _read_varint(table, pos)
                name = table[pos : pos + size].decode("utf-8")
                first, pos = _read_varint(table, pos + size)
                stop, pos = _read_varint(table, pos)
                if not 0 <= first < stop <= self._count:
                    raise _damaged("field table")
                self._fields[name] = (first, stop)
        except (IndexError, struct.error, UnicodeDecodeError):
            raise _damaged("trailer") from None
        self._order = sorted(self._fields, key=lambda name: self._fields[name][0])
        self._cache: dict[int, Block] = {}
        self._heads: dict[int, bytes] = {}

    # -- blocks

    def _extent(self, b: int) -> tuple[int, int]:
        """Where block `b` starts and ends."""
        start, stop = self._pair.unpack(self._get(self._end + b * self._width, 2 * self._width))
        if not len(MAGIC) <= start < stop <= self._end:
            raise _damaged("block offsets")
        return start, stop

    def _block(self, b: int) -> Block:
        block = self._cache.get(b)
        if block is None:
            start, stop = self._extent(b)
            count = min(BLOCK_TERMS, self._count - b * BLOCK_TERMS)
            block = _decode_block(self._get(start, stop - start), count)
            if len(self._cache) >= _CACHED_BLOCKS:
                self._cache.clear()
            self._cache[b] = block
        return block

    def _first_key(self, b: int) -> bytes:
        """The first term of block `b`, reading only its start."""
        key = self._heads.get(b)
        if key is None:
            key = self._read_first_key(b)
            if len(self._heads) < _KEPT_FIRST_TERMS:
                self._heads[b] = key
        return key

    def _read_first_key(self, b: int) -> bytes:
        cached = self._cache.get(b)
        if cached is not None:
            return cached[0][0]
        start, stop = self._extent(b)
        head: bytes = self._get(start, min(_FIRST_TERM_BYTES, stop - start))
        try:
            size, pos = _read_varint(head, 1)
        except IndexError:
            return self._block(b)[0][0]
        if head[0] != 0:
            raise _damaged("block start")
        if pos + size > len(head):
            return self._block(b)[0][0]
        return head[pos : pos + size]

    def _entry(self, i: int) -> tuple[bytes, bytes]:
        """The key and term info bytes of term `i`."""
        keys, infos = self._block(i // BLOCK_TERMS)
        return keys[i % BLOCK_TERMS], infos[i % BLOCK_TERMS]

    def _search(self, fieldname: str, key: bytes) -> int | None:
        """The number of the first term of `fieldname` ≥ `key`, None past its last."""
        bounds = self._fields.get(fieldname)
        if bounds is None:
            return None
        first, stop = bounds
        # The last block of the field whose first term (inside the field) ≤ key.
        lo, hi = first // BLOCK_TERMS + 1, (stop - 1) // BLOCK_TERMS + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._first_key(mid) <= key:
                lo = mid + 1
            else:
                hi = mid
        b = lo - 1
        keys = self._block(b)[0]
        base_ = b * BLOCK_TERMS
        for i in range(max(first, base_), min(stop, base_ + BLOCK_TERMS)):
            if keys[i - base_] >= key:
                return i
        nxt = base_ + BLOCK_TERMS
        return nxt if nxt < stop else None

    def _field_entries(self, i: int, stop: int) -> Iterator[tuple[bytes, bytes]]:
        """(key, term info bytes) of terms `i` to `stop` of one field, checked in order."""
        last: bytes | None = None
        while i < stop:
            b = i // BLOCK_TERMS
            keys, infos = self._block(b)
            base_ = b * BLOCK_TERMS
            for k in range(i - base_, min(stop - base_, len(keys))):
                key = keys[k]
                if last is not None and key <= last:
                    raise _damaged("terms out of order")
                last = key
                yield key, infos[k]
            i = min(stop, base_ + BLOCK_TERMS)

    def _walk(self, i: int) -> Iterator[tuple[str, bytes, bytes]]:
        """(field, key, term info bytes) of term `i` and every one after it."""
        for fieldname in self._order:
            first, stop = self._fields[fieldname]
            if stop <= i:
                continue
            for key, info in self._field_entries(max(i, first), stop):
                yield fieldname, key, info

    def prefix_weights(self, fieldname: str, prefix: bytes) -> Iterator[tuple[bytes, float]]:
        """(term, total weight) of each term of `fieldname` that starts with `prefix`, in
        order, decoding only each term info's weight."""
        i = self._search(fieldname, prefix)
        if i is None:
            return
        for key, info in self._field_entries(i, self._fields[fieldname][1]):
            if not key.startswith(prefix):
                return
            yield key, term_weight(info)

    def _info(self, fieldname: str, key: bytes) -> PressTermInfo:
        # A KeyError, as Whoosh's W3 terms reader raises for frequencies;
        # for term infos and postings it raises TermNotFound (`_found`).
        i = self._search(fieldname, key)
        if i is None:
            raise KeyError((fieldname, key))
        found, info = self._entry(i)
        if found != key:
            raise KeyError((fieldname, key))
        return PressTermInfo.decode(info)

    def _found(self, fieldname: str, key: bytes) -> PressTermInfo:
        try:
            return self._info(fieldname, key)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{key!r}") from None

    def _start(self, fieldname: str, prefix: bytes) -> int:
        """Where a walk from `prefix` in `fieldname` starts (past the end: nothing)."""
        i = self._search(fieldname, prefix)
        if i is not None:
            return i
        bounds = self._fields.get(fieldname)
        if bounds is not None:
            return bounds[1]
        # A field with no terms: the walk goes on with the fields after it by name.
        later = [self._fields[name][0] for name in self._order if name > fieldname]
        return min(later, default=self._count)

    # -- Whoosh's TermsReader

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        fieldname, key = term
        i = self._search(fieldname, key)
        return i is not None and self._entry(i)[0] == key

    def cursor(self, fieldname: str, fieldobj: Any) -> PressFieldCursor:
        return PressFieldCursor(self, fieldname, fieldobj)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return ((name, key) for name, key, _ in self._walk(0))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return ((name, key) for name, key, _ in self._walk(self._start(fieldname, prefix)))

    def items(self) -> Iterator[tuple[tuple[str, bytes], PressTermInfo]]:
        decode = PressTermInfo.decode
        return (((name, key), decode(info)) for name, key, info in self._walk(0))

    def items_from(
        self, fieldname: str, prefix: bytes
    ) -> Iterator[tuple[tuple[str, bytes], PressTermInfo]]:
        decode = PressTermInfo.decode
        start = self._start(fieldname, prefix)
        return (((name, key), decode(info)) for name, key, info in self._walk(start))

    def term_info(self, fieldname: str, tbytes: bytes) -> PressTermInfo:
        return self._found(fieldname, tbytes)

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        weight: float = self._info(fieldname, tbytes).weight()
        return weight

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        df: int = self._info(fieldname, tbytes).doc_frequency()
        return df

    def matcher(
        self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None
    ) -> PressLeafMatcher:
        info = self._found(fieldname, tbytes)
        return PressLeafMatcher(
            self._postfile, info, format_, self._doccount, term=(fieldname, tbytes), scorer=scorer
        )

    def indexed_field_names(self) -> list[str]:
        return list(self._order)

    def close(self) -> None:
        self._tifile.close()
        self._postfile.close()


class PressFieldCursor(base.FieldCursor):  # type: ignore[misc]
    """Whoosh's cursor over one field's terms (fuzzy matching walks it)."""

    def __init__(self, reader: PressTermsReader, fieldname: str, fieldobj: Any) -> None:
        self._reader = reader
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._first, self._stop = reader._fields.get(fieldname, (0, 0))
        self._i = self._first
        self._key: bytes | None = None
        self._infobytes = b""
        self._load()

    def _load(self) -> str | None:
        if self._i >= self._stop:
            self._key = None
            return None
        self._key, self._infobytes = self._reader._entry(self._i)
        return self.text()

    def first(self) -> str | None:
        self._i = self._first
        return self._load()

    def find(self, term: Any) -> str | None:
        key = term if isinstance(term, bytes) else self._fieldobj.to_bytes(term)
        found = self._reader._search(self._fieldname, key)
        self._i = self._stop if found is None else found
        return self._load()

    def next(self) -> str | None:
        if self._key is None:
            return None
        self._i += 1
        return self._load()

    def text(self) -> str | None:
        if self._key is None:
            return None
        text: str = self._fieldobj.from_bytes(self._key)
        return text

    def term_info(self) -> PressTermInfo | None:
        return None if self._key is None else PressTermInfo.decode(self._infobytes)

    def is_valid(self) -> bool:
        return self._key is not None
