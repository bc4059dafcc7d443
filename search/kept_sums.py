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
deleted articles left out. A later query picks its articles' sums from
them: the very floats its own additions would have made (the same shares,
in the same order), so no score changes.

Which words (a cache's admission, after TinyLFU: Einziger et al., 2017):
a reader counts each word's queries; sums are made when a query sums the
whole segment anyway (no `within`), or when the word comes back (its
second query), as Lucene's query cache admits a filter once it recurs, so
a one-off query never pays for sums it will not use. At most
`KEPT_POSTINGS` postings' sums are kept (16 bytes each); to make room, the
least recently used go, but only for a word asked for more often than
each of them: when more words recur than fit, the kept ones stay, rather
than each being summed whole again and let go before its next use. The
counts are halved every `_AGING` words asked for, so a change of subject
frees the room. A reader's deletions never change, so its sums never go
stale. Thread-safe: a server's threads share the reader.
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
from pressearch.search.arrays import picked

# A word with fewer postings in a segment is summed afresh: its blocks are few.
COMMON_POSTINGS = 4_096
# Postings whose sums one reader keeps: 16 MB.
KEPT_POSTINGS = 1_000_000
# Words asked for between two halvings of the counts.
_AGING = 2_000


class WordSums:
    """One word's normalised frequency in each article of a segment that has it."""

    __slots__ = ("docnums", "frequencies")

    def __init__(self, docnums: Any, frequencies: Any) -> None:
        # Lists, or numpy's 64-bit integers and doubles (`search.arrays`), whose bytes
        # are these arrays'.
        self.docnums = array("q", docnums if isinstance(docnums, list) else docnums.tobytes())
        self.frequencies = array(
            "d", frequencies if isinstance(frequencies, list) else frequencies.tobytes()
        )

    def __len__(self) -> int:
        return len(self.docnums)

    def pick(self, within: Sequence[int], in_arrays: bool) -> tuple[Any, Any]:
        """The articles and frequencies among sorted docnums `within` (all without it:
        the kept arrays themselves, to be read, never changed); in numpy's arrays when
        `in_arrays`, else found by bisection."""
        docnums, frequencies = self.docnums, self.frequencies
        if in_arrays:
            return picked(docnums, frequencies, within)
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
        self._uses: dict[Hashable, int] = {}
        self._asked = 0
        self._lock = threading.Lock()

    def sums(
        self,
        key: Hashable,
        postings: int,
        whole: bool,
        make: Callable[[], tuple[Sequence[int], Any]],
    ) -> WordSums | None:
        """The sums of `key` (a word of `postings` postings in a segment): kept ones;
        else made by `make` (the whole segment's articles and frequencies) and kept,
        when `whole` (the query sums the whole segment anyway) or `key` was asked for
        before, and they fit or take the place of words asked for less; else None."""
        with self._lock:
            uses = self._uses[key] = self._uses.get(key, 0) + 1
            self._asked += 1
            if self._asked >= _AGING:
                self._age()
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
            if not ((whole or uses > 1) and self._admits(uses, postings)):
                return None
        made = WordSums(*make())  # outside the lock: other threads' queries go on
        with self._lock:
            if key not in self._kept and self._admits(uses, len(made)):
                while self._postings + len(made) > self._budget:
                    _, dropped = self._kept.popitem(last=False)
                    self._postings -= len(dropped)
                self._kept[key] = made
                self._postings += len(made)
        return made

    def _admits(self, uses: int, size: int) -> bool:
        """Whether sums of `size` postings asked for `uses` times fit, or would once the
        least recently used that are each asked for less go."""
        free = self._budget - self._postings
        for victim, sums in self._kept.items():  # least recently used first
            if free >= size:
                return True
            if self._uses.get(victim, 0) >= uses:
                return False
            free += len(sums)
        return free >= size

    def _age(self) -> None:
        """Halve every count (those that reach 0 are forgotten)."""
        self._uses = {key: n // 2 for key, n in self._uses.items() if n > 1}
        self._asked = 0


def kept_sums(parent: Any) -> KeptSums:
    """The `KeptSums` of top searcher `parent`, one for its life."""
    return segment_cached(parent, "kept sums", KeptSums)
