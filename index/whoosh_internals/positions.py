"""The byte layout of a positions posting: the gaps between positions, as varints.

Model: a word's positions in one field of one document, ascending, are
stored as their gaps (the first position itself, then each position minus
the one before) in LEB128: seven bits a byte, low bits first, the high bit
set on every byte but a number's last. The frequency is the number of
positions, so the count of bytes under 0x80. Whoosh's own `Positions`
stored a four-byte count and a pickled list (14 bytes for one position,
here 1 or 2); decoding stays in C for the common case, where every gap is
under 128 and each byte is one gap (`accumulate` over the bytes).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from whoosh import formats

# The bytes that continue a varint (high bit set): deleting them leaves one
# byte per number.
_CONTINUATIONS = bytes(range(0x80, 0x100))


def varint(n: int) -> bytes:
    """`n` (≥ 0) in LEB128."""
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def read_varints(data: bytes | bytearray | memoryview) -> list[int]:
    """Every LEB128 number of `data`, which must end with a number's last byte."""
    out: list[int] = []
    n = shift = 0
    for byte in data:
        n |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            out.append(n)
            n = shift = 0
    if shift:
        raise ValueError("positions end inside a number")
    return out


# LEB128 of each number under SHORT (one or two bytes), by value: most numbers
# an indexer encodes are that small (a word's one position in a field, a
# document number, a size), and a list index is cheaper than encoding. Made
# when first needed, as a process that only searches never needs it.
SHORT = 1 << 14
SHORT_VARINTS: list[bytes] = []


def short_varints() -> list[bytes]:
    """`SHORT_VARINTS`, made if it is not yet."""
    if not SHORT_VARINTS:
        SHORT_VARINTS.extend([bytes((n,)) for n in range(0x80)])
        SHORT_VARINTS.extend([bytes(((n & 0x7F) | 0x80, n >> 7)) for n in range(0x80, SHORT)])
    return SHORT_VARINTS


def encode_positions(at: list[int]) -> bytes:
    """The posting value of positions `at` (ascending): their gaps as varints."""
    if len(at) == 1:
        pos = at[0]
        return (SHORT_VARINTS or short_varints())[pos] if pos < SHORT else varint(pos)
    previous = 0
    out = bytearray()
    for pos in at:
        gap = pos - previous
        previous = pos
        if gap < 0x80:
            out.append(gap)
        else:
            out += varint(gap)
    return bytes(out)


def decode_positions(value: bytes) -> list[int]:
    """The positions `encode_positions` encoded into `value`."""
    if not value:
        return []
    if max(value) < 0x80:
        return list(accumulate(value))
    return list(accumulate(read_varints(value)))


def position_count(value: bytes) -> int:
    """How many positions `value` holds: its bytes that end a number."""
    return len(value.translate(None, _CONTINUATIONS))


class PressPositions(formats.Positions):  # type: ignore[misc]
    """Whoosh's Positions format with values encoded by `encode_positions`.

    Phrase matching reads positions through `decoder("positions")` and
    `value_as("positions")`, which land here.
    """

    def encode(self, poslist: Any) -> bytes:
        return encode_positions(list(poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return position_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return position_count(valuestring) * float(self.field_boost)

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in decode_positions(valuestring)]

    def combine(self, vs: Iterable[bytes]) -> bytes:
        merged: set[int] = set()
        for v in vs:
            merged.update(decode_positions(v))
        return encode_positions(sorted(merged))
