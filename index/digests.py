"""Sets of 16-byte digests (of article ids, paths), 16 bytes a member however many.

Model: a run that indexes a million articles must know which ids it has
indexed (a later file with the same id is a duplicate), and which ids and
files of the index it removed or left unchanged. As Python `bytes` in a
`set` a million digests hold 93 MB (measured); here the members added
before the last `settle` are one sorted numpy array of 16-byte strings (16
MB a million), and those added since a set. `settle` merges the set into
the array in one pass (`numpy.searchsorted` and `insert`), as a run does at
each commit and as `add` does past `RECENT_MAX` members; `among` and
`common` answer for many digests at once with one search of the array.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

import numpy as np

SIZE = 16
# Members kept in the set before they move into the array (~6 MB of them).
RECENT_MAX = 65_536
# numpy's fixed-width bytes: a value's trailing NUL bytes are dropped when it
# is read back, so a member is compared as the array holds it (`_key`).
_DTYPE = np.dtype(f"S{SIZE}")


def digest(ident: str) -> bytes:
    """The `SIZE`-byte digest of an article id: equal for equal ids, and no two ids share
    one in practice (the odds for a billion ids are below 10^-20)."""
    return hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=SIZE).digest()


def digests_of(values: bytes | bytearray | memoryview) -> np.ndarray[Any, np.dtype[np.bytes_]]:
    """The `SIZE`-byte strings joined in `values`, as an array (see `Digests`)."""
    return np.frombuffer(values, dtype=_DTYPE)


class Digests:
    """A set of `SIZE`-byte strings: `add`, `in`, `len`, `among`, `common`, `settle`."""

    def __init__(self, members: np.ndarray[Any, np.dtype[np.bytes_]] | None = None) -> None:
        """An empty set, or the set of an array's digests (`digests_of`)."""
        self._settled = np.empty(0, dtype=_DTYPE) if members is None else np.unique(members)
        self._recent: set[bytes] = set()

    def add(self, digest: bytes) -> None:
        self._recent.add(digest)
        if len(self._recent) >= RECENT_MAX:
            self.settle()

    def __contains__(self, digest: bytes) -> bool:
        return digest in self._recent or bool(self._find(np.array([digest], dtype=_DTYPE))[0])

    def __len__(self) -> int:
        self.settle()
        return len(self._settled)

    def among(self, digests: Collection[bytes]) -> set[bytes]:
        """The members of this set among `digests`."""
        if not digests:
            return set()
        wanted = np.array(list(digests), dtype=_DTYPE)
        found = {_key(d) for d in wanted[self._find(wanted)].tolist()}
        return {d for d in digests if d in self._recent or _key(d) in found}

    def common(self, other: Digests) -> int:
        """How many members this set and `other` share."""
        self.settle()
        return int(np.count_nonzero(self._find(other.members())))

    def members(self) -> np.ndarray[Any, np.dtype[np.bytes_]]:
        """The members, sorted, as an array of `SIZE`-byte strings."""
        self.settle()
        return self._settled

    def settle(self) -> None:
        """Move the members added since the last call into the sorted array."""
        if not self._recent:
            return
        recent = np.sort(np.array(list(self._recent), dtype=_DTYPE))
        recent = recent[~self._find(recent)]
        self._settled = np.insert(self._settled, np.searchsorted(self._settled, recent), recent)
        self._recent = set()

    def _find(self, wanted: np.ndarray[Any, np.dtype[np.bytes_]]) -> np.ndarray[Any, Any]:
        """Whether each of `wanted` is in the sorted array."""
        settled = self._settled
        at = np.searchsorted(settled, wanted)
        hit = at < len(settled)
        hit[hit] = settled[at[hit]] == wanted[hit]
        return hit


def _key(digest: bytes) -> bytes:
    """`digest` as the array gives it back (without trailing NUL bytes)."""
    return digest.rstrip(b"\0")
