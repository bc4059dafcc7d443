"""Lucene's phrase slop: where the words of a phrase stand close enough to match.

Model: word i of a phrase found at position p stands "at" p - i. An
occurrence takes one position per word (distinct positions for a word the
phrase repeats), and its distance is the spread of those adjusted positions:
how many moves bring the words into phrase order. `"a b"~N` matches where
the distance is at most N, so `"a b"~1` allows one word between them and
`"a b"~2` also matches "b a" (Lucene's sloppy phrase). Slop 0 is the exact
phrase. The search engine (existence) and highlighting (every position that
takes part in some occurrence) share this one reading.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence


def matches(words: Sequence[str], positions: Sequence[Sequence[int]], slop: int) -> bool:
    """Whether `words`, at these ascending positions (one list per word), occur within `slop`."""
    if not positions or any(not p for p in positions):
        return False
    return any(_fits(words, positions, slop, 0, p) for p in positions[0])


def matched_positions(
    words: Sequence[str], positions: Sequence[Sequence[int]], slop: int
) -> list[set[int]]:
    """For each phrase word, the positions at which it takes part in an occurrence."""
    if not positions or any(not p for p in positions):
        return [set() for _ in positions]
    return [
        {p for p in at if _fits(words, positions, slop, i, p)} for i, at in enumerate(positions)
    ]


def _fits(
    words: Sequence[str], positions: Sequence[Sequence[int]], slop: int, fixed: int, at: int
) -> bool:
    """Whether an occurrence exists with word `fixed` at position `at`."""
    order = [i for i in range(len(positions)) if i != fixed]
    # A repeated word takes distinct positions; different words may share one
    # (a compound and its parts are indexed at the same position).
    chosen = {(words[fixed], at)}
    adjusted = at - fixed

    def search(k: int, low: int, high: int) -> bool:
        if k == len(order):
            return True
        i = order[k]
        ascending = positions[i]
        window = ascending[
            bisect_left(ascending, high - slop + i) : bisect_right(ascending, low + slop + i)
        ]
        for p in window:
            if (words[i], p) in chosen:
                continue
            chosen.add((words[i], p))
            found = search(k + 1, min(low, p - i), max(high, p - i))
            chosen.discard((words[i], p))
            if found:
                return True
        return False

    return search(0, adjusted, adjusted)
