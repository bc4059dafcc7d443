"""A term's postings on disk: its term info and its blocks, written and read.

Model: a term's postings are cut into blocks of at most `BLOCK_LIMIT`, in
document order. Each block is a header (how many postings, first and last
document, highest weight, shortest and longest field length byte, how many
bytes of data follow, two check bytes: the low half of the data's CRC-32)
and data: the gaps between document numbers as one array of the narrowest
width that holds them (1, 2 or 4 bytes), the weights (none when all equal
the highest, else one byte each when whole numbers under 256, else
float32), and the values (none, or all of one size, or their sizes then
their bytes). Numbers in headers are LEB128 varints; weights are
`_number`s (a whole number doubled as a varint, else 0x01 and a float32).
Arrays decode in C (`bytes`, `array.array`), so reading a block costs a
few calls whatever its size.

A term's info holds its totals as Whoosh's W3 codec keeps them (document
frequency, total weight and highest weight as float32, first and last
document, shortest and longest length byte), then where its blocks lie in
the postings file, or, for a term in at most `INLINE_LIMIT` documents, its
one block's data itself (for a term in one document, just its value).
Most words of a large vocabulary occur once in a segment: for them the
term info is all there is (about eight bytes, where Whoosh's codec wrote
35 bytes of term info and some 70 of pickled block). Totals, weights and
length bytes are those the W3 codec computes, so scores are identical.

`PressLeafMatcher` reads these blocks through Whoosh's `W3LeafMatcher`
machinery (skipping, block quality), decoding lazily: ids when a block is
entered, weights and values when asked for. Anything inconsistent raises
Whoosh's `CorruptIndexError`, which the index layer reports as damage.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from itertools import accumulate, pairwise
from operator import sub
from typing import Any
from zlib import crc32

from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermInfo
from whoosh.reading import CorruptIndexError
from whoosh.util.numeric import byte_to_length

from pressearch.index.whoosh_internals.positions import (
    SHORT,
    SHORT_VARINTS,
    short_varints,
    varint,
)

# Postings a block holds. Whoosh's W3 codec writes 128, as Lucene does; here
# each block costs a few Python calls (its header, its check, its arrays)
# while its postings decode in C, so longer blocks read faster: 512 took ~10%
# off the queries on 20,000 and 100,000 generated articles, with the same
# results. Indexes written with shorter blocks read as they are.
BLOCK_LIMIT = 512
INLINE_LIMIT = 2

# Term info flags.
_INLINE = 1  # the block's data follows the totals
_SINGLE = 2  # one posting: its weight, length bytes, document, then its value

# Block part tags.
_SAME_WEIGHTS = 0  # every weight is the block's highest
_BYTE_WEIGHTS = 1  # whole numbers 0-255, a byte each
_FLOAT_WEIGHTS = 2  # float32 each
_NO_VALUES = 0  # every value empty
_EQUAL_VALUES = 1  # varint size, then the values
_SIZED_VALUES = 2  # width, sizes, then the values

_INLINE_FLAG = bytes((_INLINE,))
_SINGLE_INLINE = bytes((_INLINE | _SINGLE,))
_NO_FLAGS = b"\x00"
_SAME = bytes((_SAME_WEIGHTS,))

_WIDTHS = {1: "B", 2: "H", 4: "I"}
_SWAP = sys.byteorder != "little"  # arrays are stored little-endian
_FLOAT = struct.Struct("<f")
_CHECK = struct.Struct("<H")  # the low 16 bits of the CRC-32 of a block's data
_PAIRS = [bytes((b, b)) for b in range(256)]  # a one-posting term's length bytes
# A one-posting term's first bytes by weight, and its values with their sizes.
_SINGLE_HEADS: dict[float, bytes] = {}
_SIZED_VALUES_CACHE: dict[bytes, bytes] = {}


def _varint(n: int) -> bytes:
    return (SHORT_VARINTS or short_varints())[n] if n < SHORT else varint(n)


def _array_bytes(values: Sequence[int]) -> bytes:
    """A width byte and `values` (≥ 0) in the narrowest array that holds them."""
    top = max(values)
    width = 1 if top < 0x100 else 2 if top < 0x10000 else 4
    if width == 1:
        return b"\x01" + bytes(values)
    packed = array(_WIDTHS[width], values)
    if _SWAP:
        packed.byteswap()
    return bytes((width,)) + packed.tobytes()


def _float32(x: float) -> float:
    value: float = _FLOAT.unpack(_FLOAT.pack(x))[0]
    return value


_NUMBERS: dict[float, bytes] = {}


def _number(x: float) -> bytes:
    """A float32-exact weight: a whole number doubled as a varint, else 0x01 and float32."""
    encoded = _NUMBERS.get(x)
    if encoded is None:
        if x.is_integer() and 0 <= x < (1 << 28):
            encoded = _varint(int(x) << 1)
        else:
            encoded = b"\x01" + _FLOAT.pack(x)
        if len(_NUMBERS) < 65536:
            _NUMBERS[x] = encoded
    return encoded


class TermEncoder:
    """Encodes each term's postings: its term info, its blocks appended to `postfile`.

    `postfile` is a Whoosh StructFile being written; the encoder buffers what
    it writes and knows its offset without asking the file.
    """

    def __init__(self, postfile: Any) -> None:
        self._postfile = postfile
        self._offset = postfile.tell()
        self._buffer = bytearray()

    def encode(self, postings: Sequence[Any], lens: bytes) -> bytes:
        """The term info of one term's postings, writing its blocks.

        `postings` is flat (docnum, weight, value, docnum, ...), in document
        order; `lens[docnum]` is the length byte of the field in each document.
        """
        if len(postings) == 3:
            # Most terms: one posting, its term info a few bytes, made of
            # parts that recur (weights, length bytes, short values).
            doc: int = postings[0]
            weight: float = postings[1]
            value: bytes = postings[2]
            head = _SINGLE_HEADS.get(weight)
            if head is None:
                head = _SINGLE_INLINE + _number(_float32(weight))
                if len(_SINGLE_HEADS) < 65536:
                    _SINGLE_HEADS[weight] = head
            sized: bytes | None = _SIZED_VALUES_CACHE.get(value)
            if sized is None:
                sized = _varint(len(value)) + value
                if len(_SIZED_VALUES_CACHE) < 65536:
                    _SIZED_VALUES_CACHE[value] = sized
            return head + _PAIRS[lens[doc]] + _varint(doc) + sized
        return self._encode(postings[0::3], postings[1::3], postings[2::3], lens)

    def _encode(
        self, docs: Sequence[int], weights: Sequence[float], values: Sequence[bytes], lens: bytes
    ) -> bytes:
        n = len(docs)
        floats = array("f", weights)
        total = 0.0
        blocks: list[bytes] = []
        data = b""
        minlen = 0x100
        maxlen = 0
        for start in range(0, n, BLOCK_LIMIT):
            ids = docs[start : start + BLOCK_LIMIT]
            block_weights = floats[start : start + BLOCK_LIMIT]
            top = max(block_weights)
            total += sum(block_weights)
            lbs = bytes(map(lens.__getitem__, ids))
            nonzero = lbs.replace(b"\x00", b"")
            low = min(nonzero) if nonzero else 0
            high = max(lbs)
            if nonzero:
                minlen = min(minlen, low)
            maxlen = max(maxlen, high)
            weight_bytes = _weights_bytes(block_weights, top)
            data = _block_data(ids, weight_bytes, values[start : start + BLOCK_LIMIT])
            head = (_varint(len(ids)), _varint(ids[0]), _varint(ids[-1] - ids[0]), _number(top))
            check = _CHECK.pack(crc32(data) & 0xFFFF)
            blocks.append(b"".join((*head, bytes((low, high)), _varint(len(data)), check, data)))
        totals = b"".join(
            (
                _varint(n),
                _varint(docs[0]),
                _varint(docs[-1] - docs[0]),
                bytes((0 if minlen == 0x100 else minlen, maxlen)),
                _number(_float32(total)),
                _number(max(floats)),
            )
        )
        if n <= INLINE_LIMIT:
            return _INLINE_FLAG + totals + data  # one block: its data
        offset = self._offset + len(self._buffer)
        for block in blocks:
            self._buffer += block
        length = self._offset + len(self._buffer) - offset
        if len(self._buffer) >= 1 << 20:
            self.flush()
        return _NO_FLAGS + totals + _varint(offset) + _varint(length)

    def flush(self) -> None:
        """Write what is buffered to the postings file."""
        self._postfile.write(bytes(self._buffer))
        self._offset += len(self._buffer)
        self._buffer.clear()


def _weights_bytes(weights: array[float], top: float) -> bytes:
    if weights.count(top) == len(weights):
        return _SAME
    if top < 0x100 and min(weights) >= 0 and all(map(float.is_integer, weights)):
        return b"\x01" + bytes(map(int, weights))
    packed = array("f", weights)
    if _SWAP:
        packed.byteswap()
    return b"\x02" + packed.tobytes()


def _block_data(ids: Sequence[int], weights: bytes, values: Sequence[bytes]) -> bytes:
    """A block's data: the id gaps (after the first id), `weights`, the values."""
    count = len(ids)
    parts = [_array_bytes(list(map(sub, ids[1:], ids[:-1])))] if count > 1 else []
    parts.append(weights)
    sizes = list(map(len, values))
    size = sizes[0]
    if sizes.count(size) == count:
        if size == 0:
            parts.append(b"\x00")
        else:
            parts += (b"\x01", _varint(size), *values)
    else:
        parts += (b"\x02", _array_bytes(sizes), *values)
    return b"".join(parts)


# -- reading -----------------------------------------------------------------------


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    n = byte & 0x7F
    shift = 7
    while True:
        pos += 1
        byte = data[pos]
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return n, pos + 1
        shift += 7


def _read_number(data: bytes, pos: int) -> tuple[float, int]:
    if data[pos] == 1:
        value: float = _FLOAT.unpack_from(data, pos + 1)[0]
        return value, pos + 5
    n, pos = _read_varint(data, pos)
    return float(n >> 1), pos


def _damaged(what: str) -> CorruptIndexError:
    return CorruptIndexError(f"damaged postings ({what}) — the index must be rebuilt")


def term_weight(data: bytes) -> float:
    """The total weight of the term info `TermEncoder.encode` returned as `data`, read
    without the rest of it (did-you-mean reads the weights of many words)."""
    try:
        if data[0] & _SINGLE:
            return _read_number(data, 1)[0]
        pos = _read_varint(data, 1)[1]  # document frequency
        pos = _read_varint(data, pos)[1]  # first document
        pos = _read_varint(data, pos)[1]  # span to the last
        return _read_number(data, pos + 2)[0]  # past the two length bytes
    except IndexError:
        raise _damaged("term info cut short") from None


class PressTermInfo(W3TermInfo):  # type: ignore[misc]
    """Whoosh's term info, read from the layout above (`_inline`: a block's data)."""

    @classmethod
    def decode(cls, data: bytes) -> PressTermInfo:
        """The term info `TermEncoder.encode` returned as `data`."""
        info = cls()
        try:
            flags = data[0]
            if flags & _SINGLE:
                info._df = 1
                info._weight, pos = _read_number(data, 1)
                info._maxweight = info._weight
                low, high = data[pos], data[pos + 1]
                info._minid, pos = _read_varint(data, pos + 2)
                info._maxid = info._minid
            else:
                info._df, pos = _read_varint(data, 1)
                info._minid, pos = _read_varint(data, pos)
                span, pos = _read_varint(data, pos)
                info._maxid = info._minid + span
                low, high = data[pos], data[pos + 1]
                info._weight, pos = _read_number(data, pos + 2)
                info._maxweight, pos = _read_number(data, pos)
            if flags & _INLINE:
                info._inline = data[pos:]
            else:
                info._offset, pos = _read_varint(data, pos)
                info._length, pos = _read_varint(data, pos)
                if pos != len(data):
                    raise _damaged("term info too long")
        except IndexError:
            raise _damaged("term info cut short") from None
        info._minlength = byte_to_length(low)
        info._maxlength = byte_to_length(high)
        return info

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inline: bytes | None = None

    def is_inlined(self) -> bool:
        # Whoosh's codec would read an inlined term as a pickled tuple: the
        # matcher of this layout reads `_inline` itself.
        return False

    @classmethod
    def read_weight(cls, dbfile: Any, datapos: int) -> float:
        raise NotImplementedError("decode the term info")

    @classmethod
    def read_doc_freq(cls, dbfile: Any, datapos: int) -> int:
        raise NotImplementedError("decode the term info")


class PressLeafMatcher(W3LeafMatcher):  # type: ignore[misc]
    """Whoosh's W3 leaf matcher over the blocks of this layout (inline or in `postfile`)."""

    def __init__(
        self, postfile: Any, info: PressTermInfo, format_: Any, doccount: int, **kwargs: Any
    ) -> None:
        self._postfile = postfile
        self._info = info
        self._doccount = doccount
        self._startoffset: int = info._offset or 0  # None: inline
        self._length: int = info._length or 0
        self.format = format_
        self._term = kwargs.get("term")
        self.scorer = kwargs.get("scorer")
        self._byteids = False
        self._fixedsize = format_.fixed_value_size()
        # The current block: its bytes, first and last ids, and what of it is decoded.
        self._block = b""
        self._firstid = self._maxid = 0
        self._ids: list[int] | None = None
        self._data: tuple[list[int]] | None = None
        self._weights: Any = None
        self._values: Any = None
        self._weightpos = self._valuepos = 0
        self.reset()

    def reset(self) -> None:
        self._lastblock = False
        self._atend = False
        self._goto(self._startoffset)

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        info = self._info
        if info._inline is not None:
            self._block = info._inline
            self._blocklength = info._df
            self._firstid = info._minid
            self._maxid = info._maxid
            self._maxweight = info._maxweight
            self._minlength = info._minlength
            self._maxlength = info._maxlength
            self._lastblock = True
            if info._df == 1:
                self._read_single()
            return
        end = self._startoffset + self._length
        head = self._postfile.get(position, 24)
        try:
            self._blocklength, pos = _read_varint(head, 0)
            self._firstid, pos = _read_varint(head, pos)
            span, pos = _read_varint(head, pos)
            self._maxweight, pos = _read_number(head, pos)
            low, high = head[pos], head[pos + 1]
            size, pos = _read_varint(head, pos + 2)
            (check,) = _CHECK.unpack_from(head, pos)
        except (IndexError, struct.error):
            raise _damaged("block header cut short") from None
        self._maxid = self._firstid + span
        self._minlength = byte_to_length(low)
        self._maxlength = byte_to_length(high)
        start = position + pos + _CHECK.size
        self._nextoffset = start + size
        if not 0 < self._blocklength <= BLOCK_LIMIT or self._nextoffset > end:
            raise _damaged("block header")
        self._block = self._postfile.get(start, size)
        if crc32(self._block) & 0xFFFF != check:
            raise _damaged("block check")
        self._lastblock = self._nextoffset == end

    def _read_single(self) -> None:
        """Decode the one posting of a term whose term info holds only its value."""
        try:
            size, pos = _read_varint(self._block, 0)
        except IndexError:
            raise _damaged("value") from None
        if pos + size != len(self._block) or self._maxid >= self._doccount:
            raise _damaged("value")
        self._ids = [self._maxid]
        self._data = (self._ids,)
        self._weights = [self._maxweight]
        value = self._block[pos:]
        self._values = [value or (None if self._fixedsize == 0 else b"")]

    def _read_data(self) -> None:
        self._read_ids()

    # Each part of a block is decoded once (a one-posting term's when entered).

    def _read_ids(self) -> list[int]:
        if self._ids is not None:
            return self._ids
        block = self._block
        count = self._blocklength
        first = self._firstid
        try:
            if count == 1:
                ids: list[int] = [first]
                pos = 0
            else:
                width = block[0]
                end = 1 + width * (count - 1)
                if width == 1:
                    gaps: Any = block[1:end]
                else:
                    gaps = array(_WIDTHS[width], block[1:end])
                    if _SWAP:
                        gaps.byteswap()
                ids = list(accumulate(gaps, initial=first))
                pos = end
        except (KeyError, ValueError, IndexError):
            raise _damaged("document numbers") from None
        if len(ids) != count or ids[-1] != self._maxid or self._maxid >= self._doccount:
            raise _damaged("document numbers")
        self._ids = ids
        self._data = (ids,)
        self._weightpos = pos
        return ids

    def _read_weights(self) -> None:
        if self._weights is not None:
            return
        if self._ids is None:
            self._read_ids()
        block = self._block
        count = self._blocklength
        pos = self._weightpos
        try:
            tag = block[pos]
            if tag == _SAME_WEIGHTS:
                weights: Any = [self._maxweight] * count
                pos += 1
            elif tag == _BYTE_WEIGHTS:
                weights = list(map(float, block[pos + 1 : pos + 1 + count]))
                pos += 1 + count
            elif tag == _FLOAT_WEIGHTS:
                weights = array("f", block[pos + 1 : pos + 1 + 4 * count])
                if _SWAP:
                    weights.byteswap()
                pos += 1 + 4 * count
            else:
                raise _damaged("weights")
        except (ValueError, IndexError):
            raise _damaged("weights") from None
        if len(weights) != count:
            raise _damaged("weights")
        self._weights = weights
        self._valuepos = pos

    def _read_values(self) -> None:
        if self._values is not None:
            return
        if self._weights is None:
            self._read_weights()
        block = self._block
        count = self._blocklength
        pos = self._valuepos
        try:
            tag = block[pos]
            if tag == _NO_VALUES:
                values: Any = (None if self._fixedsize == 0 else b"",) * count
                pos += 1
            elif tag == _EQUAL_VALUES:
                size, pos = _read_varint(block, pos + 1)
                values = [block[i : i + size] for i in range(pos, pos + size * count, size)]
                pos += size * count
            elif tag == _SIZED_VALUES:
                width = block[pos + 1]
                start = pos + 2
                pos = start + width * count
                sizes: Any = block[start:pos] if width == 1 else array(_WIDTHS[width])
                if width != 1:
                    sizes.frombytes(block[start:pos])
                    if _SWAP:
                        sizes.byteswap()
                ends = list(accumulate(sizes, initial=pos))
                values = [block[a:b] for a, b in pairwise(ends)]
                pos = ends[-1]
            else:
                raise _damaged("values")
        except (KeyError, ValueError, IndexError):
            raise _damaged("values") from None
        if pos != len(block) or len(values) != count:
            raise _damaged("values")
        self._values = values

    def block_ids(self) -> list[int]:
        """The document numbers of the current block."""
        return self._read_ids()
