"""Common words' sums over whole segments, kept for the later queries of an index reader.

Model: `scoring.preloaded_word` adds a word's field shares up per article
of a segment from its postings, decoded a block at a time in Python (~0.3
µs a posting), and a word in most articles of an archive ("reuter" in
Reuters, "police" in a police newsroom) costs every query that uses it
that much again, even an And that scores only its rarer part's articles
(their blocks are nearly all of the word's). A batch or a server asks for
such words again and again. So a top reader keeps, for a word of at
least `COMMON_POSTINGS` postings in a segment, that segment's sums
(`WordSums`): each article's normalised frequency, ascending by docnum,
deleted articles left out. They are made when a query sums the whole
segment anyway (no `within`), or when the word comes back (its second
query on the reader), as Lucene's query cache admits a filter once it
recurs: a one-off query never pays for sums it will not use, and a word
used once costs what it did. A later query picks its articles' sums from
them: the very floats its own additions would have made (the same shares,
in the same order), so no score changes. A reader keeps at most
`KEPT_POSTINGS` postings' sums (16 bytes each), the least recently used
let go first, and remembers at most `_REMEMBERED` words met once; a
reader's deletions never change, so its sums never go stale. Thread-safe:
a server's threads share the reader.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from itertools import repeat
from typing import Any

from pressearch.index.reader import segment_cached

# A word with fewer postings in a segment is summed afresh: its blocks are few.
COMMON_POSTINGS = 4_096
# Postings whose sums one reader keeps: 16 MB.
KEPT_POSTINGS = 1_000_000
# Words met once that a reader remembers (the next query to meet one keeps its sums).
_REMEMBERED = 100_000


class WordSums:
    """One word's normalised frequency in each article of a segment that has it."""

    __slots__ = ("docnums", "frequencies")

    def __init__(self, docnums: Sequence[int], frequencies: Any) -> None:
        self.docnums = array("q", docnums)
        # A list, or numpy's doubles (`search.arrays`), whose bytes are an array's.
        self.frequencies = array(
            "d", frequencies if isinstance(frequencies, list) else frequencies.tobytes()
        )

    def __len__(self) -> int:
        return len(self.docnums)

    def pick(self, within: Sequence[int]) -> tuple[list[int], Sequence[float]]:
        """The articles and frequencies among sorted docnums `within` (all without it:
        the kept array of frequencies itself, to be read, never changed)."""
        docnums, frequencies = self.docnums, self.frequencies
        if not within:
            return docnums.tolist(), frequencies
        size = len(docnums)
        # Each wanted article found by bisection, in C; most matches of an And have it.
        at = [
            i
            for d, i in zip(within, map(bisect_left, repeat(docnums), within), strict=True)
            if i < size and docnums[i] == d
        ]
        return [docnums[i] for i in at], [frequencies[i] for i in at]


class KeptSums:
    """The `WordSums` one top reader keeps, by (segment reader, the word's field terms)."""

    def __init__(self, budget: int = KEPT_POSTINGS) -> None:
        self._budget = budget
        self._kept: OrderedDict[Hashable, WordSums] = OrderedDict()
        self._postings = 0
        self._met: set[Hashable] = set()
        self._lock = threading.Lock()

    def sums(
        self,
        key: Hashable,
        whole: bool,
        make: Callable[[], tuple[Sequence[int], Any]],
    ) -> WordSums | None:
        """The kept sums of `key`; else made by `make` (the whole segment's articles and
        frequencies) and kept, when `whole` (the query sums the whole segment anyway)
        or `key` was met before; else None, and `key` is met."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
            if not whole and key not in self._met:
                if len(self._met) >= _REMEMBERED:
                    self._met.clear()
                self._met.add(key)
                return None
        made = WordSums(*make())  # outside the lock: other threads' queries go on
        with self._lock:
            if key not in self._kept and len(made) <= self._budget:
                self._kept[key] = made
                self._postings += len(made)
                while self._postings > self._budget:
                    _, dropped = self._kept.popitem(last=False)
                    self._postings -= len(dropped)
            self._met.discard(key)
        return made


def kept_sums(parent: Any) -> KeptSums:
    """The `KeptSums` of top searcher `parent`, one for its life."""
    return segment_cached(parent, "kept sums", KeptSums)
