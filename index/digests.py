"""Sets of 16-byte digests (of article ids, paths), on disk, however many.

Model: a run that indexes a million articles must know which ids it has
indexed (a later file with the same id is a duplicate), and which ids and
files of the index it removed or left unchanged. As Python `bytes` in a
`set` a million digests hold 93 MB (measured), and as one sorted array in
memory 16 MB a million, which still grows with the archive. Here the
members added since the last `settle` are a set (at most `RECENT_MAX`,
~6 MB), and the others sorted runs in temporary files read through maps
(`index.sorted_tables`), each searched in one numpy call for many digests
at once and its pages let go of after. A run is merged with the one
before it once it holds half as many members (so a member is rewritten
about log2(n / RECENT_MAX) times, and a set holds about that many runs).
`settle` moves the set into a new run, as a run does at each commit and
as `add` does past `RECENT_MAX` members.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pressearch.index.sorted_tables import Table, TableWriter

SIZE = 16
# Members kept in the set before they move into a run (~6 MB of them).
RECENT_MAX = 65_536
# Single look-ups (`in`) between two releases of the runs' pages: each reads
# a dozen pages of every run.
_LOOKUPS_KEPT = 4096
# numpy's fixed-width bytes: a value's trailing NUL bytes are dropped when it
# is read back, so a member is compared as the array holds it (`_key`).
_DTYPE = np.dtype(f"S{SIZE}")
_ROW = np.dtype([("digest", _DTYPE)])
# Members of another set compared at once (`common`).
_CHUNK = 1 << 20

Members = np.ndarray[Any, np.dtype[np.bytes_]]


def digest(ident: str) -> bytes:
    """The `SIZE`-byte digest of an article id: equal for equal ids, and no two ids share
    one in practice (the odds for a billion ids are below 10^-20)."""
    return hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=SIZE).digest()


def digests_of(values: bytes | bytearray | memoryview) -> Members:
    """The `SIZE`-byte strings joined in `values`, as an array (see `Digests`)."""
    return np.frombuffer(values, dtype=_DTYPE)


class Digests:
    """A set of `SIZE`-byte strings: `add`, `in`, `len`, `among`, `common`, `settle`.

    Its runs are temporary files: `close` removes them (so does garbage
    collection).
    """

    def __init__(self, members: Members | None = None, *, run: _Run | None = None) -> None:
        """An empty set, or the set of an array's digests (`digests_of`), or of a run."""
        self._runs: list[_Run] = [] if run is None else [run]
        self._recent: set[bytes] = set()
        self._lookups = 0
        if members is not None and len(members):
            self._push(np.unique(members))

    @classmethod
    def of_sorted(cls, table: Table, column: str) -> Digests:
        """The set of the digests in `column` of `table`, which is sorted by it: the
        column itself when its digests are distinct (the table stays the caller's),
        else a copy of them once each."""
        chunks = (chunk for _, chunk in table.chunks(column, _CHUNK))
        if sum(map(len, _distinct(chunks))) == len(table):
            return cls(run=_Run(table, column, owned=False))
        writer = TableWriter(_ROW, ("digest",))
        for chunk in _distinct(chunk for _, chunk in table.chunks(column, _CHUNK)):
            writer.append(chunk.view(_ROW))
        return cls(run=_Run(writer.finish(), "digest", owned=True))

    def add(self, digest: bytes) -> None:
        self._recent.add(digest)
        if len(self._recent) >= RECENT_MAX:
            self.settle()

    def __contains__(self, digest: bytes) -> bool:
        if digest in self._recent:
            return True
        self._lookups += 1
        if self._lookups >= _LOOKUPS_KEPT:
            self._lookups = 0
            self.release()
        return bool(self._find(np.array([digest], dtype=_DTYPE), release=False)[0])

    def __len__(self) -> int:
        self.settle()
        return sum(len(run.table) for run in self._runs)

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
        return sum(int(np.count_nonzero(self._find(chunk))) for chunk in other.chunks())

    def chunks(self) -> Iterator[Members]:
        """The members, settled first, a chunk at a time (each chunk sorted)."""
        self.settle()
        for run in self._runs:
            for _, chunk in run.table.chunks(run.column, _CHUNK):
                yield chunk

    def settle(self) -> None:
        """Move the members added since the last call into a run of their own."""
        if not self._recent:
            return
        recent = np.sort(np.array(list(self._recent), dtype=_DTYPE))
        self._recent = set()
        self._push(recent[~self._find(recent)])

    def release(self) -> None:
        """Let go of the runs' pages read so far."""
        for run in self._runs:
            run.table.release()

    def close(self) -> None:
        """Remove the runs' files (not those of a table given to `of_sorted`)."""
        for run in self._runs:
            if run.owned:
                run.table.close()
        self._runs = []
        self._recent = set()

    def _push(self, members: Members) -> None:
        """Add a run of new, sorted, distinct members; merge runs as the module says."""
        if not len(members):
            return
        writer = TableWriter(_ROW, ("digest",))
        writer.append(members.view(_ROW))
        runs = self._runs
        runs.append(_Run(writer.finish(), "digest", owned=True))
        while len(runs) >= 2 and runs[-2].owned and 2 * len(runs[-1].table) >= len(runs[-2].table):
            last, before = runs.pop(), runs.pop()
            writer = TableWriter(_ROW, ("digest",))
            for run in (before, last):
                for _, chunk in run.table.chunks("digest", _CHUNK):
                    writer.append(chunk.view(_ROW))
            runs.append(_Run(writer.finish(), "digest", owned=True))
            before.table.close()
            last.table.close()

    def _find(self, wanted: Members, *, release: bool = True) -> np.ndarray[Any, Any]:
        """Whether each of `wanted` is in a run."""
        hit = np.zeros(len(wanted), dtype=bool)
        for run in self._runs:
            members = run.table[run.column]
            at = np.searchsorted(members, wanted)
            inside = at < len(members)
            hit[inside] |= members[at[inside]] == wanted[inside]
            if release:
                run.table.release()
        return hit


@dataclass(frozen=True)
class _Run:
    """Sorted, distinct members: a column of a table, this set's own or not."""

    table: Table
    column: str
    owned: bool


def _distinct(chunks: Iterator[Members]) -> Iterator[Members]:
    """The sorted `chunks`, each member once."""
    last = None
    for chunk in chunks:
        keep = np.ones(len(chunk), dtype=bool)
        keep[1:] = chunk[1:] != chunk[:-1]
        if last is not None and len(chunk):
            keep[0] = chunk[0] != last
        if len(chunk):
            last = chunk[-1]
        yield chunk[keep]


def _key(digest: bytes) -> bytes:
    """`digest` as the array gives it back (without trailing NUL bytes)."""
    return digest.rstrip(b"\0")
