"""Sums and counts over many postings in numpy's arrays, once numpy is worth its import.

Model: a search adds up, per article of a segment, each field's share of a
word's score (`scoring.preloaded_word`), each word's score in an Or and
each part's in an And (`scored.summed`, `scored.intersected`), and counts
its matches' facet values (`facets`). In Python's lists and dicts that
costs ~0.2 µs a posting; numpy does a segment's postings (at most 32,768
articles) in a few passes of C. But importing numpy costs a process ~85
ms, half of a one-off query on 20,000 articles, and what a process will
sum is not known in advance. So, as one rents skis until the rent paid
would have bought them: a process sums in lists until it has summed
`IMPORT_POSTINGS` postings so (what numpy would have saved about equals
its import), then imports numpy, and from then on (or from the start, when
something else imported numpy) takes every list of at least
`ARRAY_POSTINGS` postings in arrays. A one-off query of rare words never
imports it; a five-word query on 1,000,000 articles (~1.7 million
postings) does, a third of the way through; a server or a batch on a
large archive does within its first queries. The additions are the same,
in the same order, on the same doubles, so every score is the same float
as the lists give (the tests compare them exactly); only the time differs.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np

    Floats = np.ndarray[Any, np.dtype[np.float64]]
    Positions = np.ndarray[Any, np.dtype[np.intp]]
    Docnums = np.ndarray[Any, np.dtype[np.int64]]

K = TypeVar("K", bound=Hashable)
# A tree of additions over the parts of an And: a part's index, or two subtrees.
Tree = int | tuple["Tree", "Tree"]

# Postings a process sums in lists before it imports numpy.
IMPORT_POSTINGS = 500_000
# Fewer postings than this: a list's loop costs less than numpy's calls.
ARRAY_POSTINGS = 1_000

# Postings this process summed in lists of `ARRAY_POSTINGS` or more.
_listed = 0


def use_arrays(postings: int) -> bool:
    """Whether `postings` postings are summed in arrays, which imports numpy if need be."""
    global _listed
    if postings < ARRAY_POSTINGS:
        return False
    if "numpy" in sys.modules or _listed >= IMPORT_POSTINGS:
        return True
    _listed += postings
    return False


def field_shares(
    doc_count: int,
    fields: Sequence[tuple[list[int], list[float], Sequence[float], bytes]],
    within: Sequence[int],
    deleted: frozenset[int],
) -> tuple[Docnums, Floats]:
    """The articles of a segment of `doc_count` with postings in `fields`, ascending, and
    each one's normalised frequency: its shares added in the order of `fields`.

    A field is (docnums, weights, length factor per length byte, length byte per
    article); a share is weight * factor of the article's length. With `within`
    (sorted docnums), only those articles; deleted articles are left out.
    """
    import numpy as np

    total = np.zeros(doc_count)
    seen = np.zeros(doc_count, dtype=bool)
    allowed = None
    if within:
        allowed = np.zeros(doc_count, dtype=bool)
        allowed[np.array(within, dtype=np.intp)] = True
    for docnums, weights, factors, lengths in fields:
        ids = np.array(docnums, dtype=np.intp)
        shares = np.array(weights, dtype=np.float64)
        if allowed is not None:
            kept = allowed[ids]
            ids, shares = ids[kept], shares[kept]
        length_of = np.frombuffer(lengths, dtype=np.uint8)
        shares *= np.array(factors, dtype=np.float64)[length_of[ids]]
        # One posting per article and field: each article's sum takes one addition.
        total[ids] += shares
        seen[ids] = True
    if deleted:
        seen[np.array(sorted(deleted), dtype=np.intp)] = False
    found = np.flatnonzero(seen).astype(np.int64, copy=False)
    frequencies: Floats = total[found]
    return found, frequencies


def saturated(frequencies: Floats | Sequence[float], word_weight: float, boost: float) -> Floats:
    """`boost * (word_weight * t / (t + 1))` of each normalised frequency t, in that order."""
    import numpy as np

    t = np.asarray(frequencies, dtype=np.float64)  # an array of doubles as it is, not copied
    scores: Floats = boost * (word_weight * t / (t + 1))
    return scores


def as_arrays(
    docnums: Docnums | Sequence[int], scores: Floats | Sequence[float]
) -> tuple[Docnums, Floats]:
    """Ascending `docnums` and their `scores` as arrays (arrays as they are, not copied)."""
    import numpy as np

    return np.asarray(docnums, dtype=np.int64), np.asarray(scores, dtype=np.float64)


def best_keys(docnums: Docnums, scores: Floats, keep: int) -> list[tuple[float, int]]:
    """`scored.best_keys` of arrays: (score, -docnum) of every match that scores as high
    as the `keep`-th highest score, in docnum order."""
    import numpy as np

    size = len(scores)
    if size > keep > 0:
        least = np.partition(scores, size - keep)[size - keep]  # the keep-th highest
        picked = np.flatnonzero(scores >= least)
        docnums, scores = docnums[picked], scores[picked]
    return list(zip(scores.tolist(), (-docnums).tolist(), strict=True))


def picked(
    docnums: Sequence[int], frequencies: Sequence[float], within: Sequence[int]
) -> tuple[Docnums, Floats]:
    """The docnums of `within` (sorted; all without it) that ascending `docnums` holds,
    and their `frequencies` (arrays of 64-bit integers and doubles, `search.kept_sums`:
    without `within`, read-only views of them, as other queries share them)."""
    import numpy as np

    have = np.frombuffer(docnums, dtype=np.int64)  # type: ignore[call-overload]
    every: Floats = np.frombuffer(frequencies, dtype=np.float64)  # type: ignore[call-overload]
    if not len(within):
        have.flags.writeable = False
        every.flags.writeable = False
        return have, every
    wanted = np.array(within, dtype=np.int64)
    at = np.searchsorted(have, wanted)
    at[at == len(have)] = 0  # past the end: compared below, and not equal
    found = have[at] == wanted
    return wanted[found], every[at[found]]


def sums(lists: Sequence[tuple[Docnums, Floats]], boost: float) -> tuple[Docnums, Floats]:
    """Each docnum's scores in `lists` ((ascending docnums, scores) each) times `boost`,
    added in the order of `lists`: the docnums whose sum is positive, ascending, and
    their sums."""
    import numpy as np

    size = _span(lists)
    total = np.zeros(size)
    for docnums, scores in lists:
        part = scores * boost if boost != 1.0 else scores  # times 1.0 changes no float
        total[docnums] += part
    positive = np.flatnonzero(total > 0).astype(np.int64, copy=False)
    summed: Floats = total[positive]
    return positive, summed


def intersection(
    lists: Sequence[tuple[Docnums, Floats]], tree: Tree, boost: float
) -> tuple[Docnums, Floats]:
    """The docnums every one of `lists` ((ascending docnums, scores) each) has, ascending,
    and their scores added over `tree` (leaves: indexes into `lists`), times `boost`."""
    import numpy as np

    size = _span(lists)
    counted = np.zeros(size, dtype=np.intp)
    dense = []
    for docnums, scores in lists:
        counted[docnums] += 1
        spread = np.zeros(size)
        spread[docnums] = scores
        dense.append(spread)
    common = np.flatnonzero(counted == len(lists)).astype(np.int64, copy=False)

    def add(node: Tree) -> Floats:
        if isinstance(node, int):
            picked: Floats = dense[node][common]
            return picked
        return add(node[0]) + add(node[1])

    total = add(tree)
    if boost != 1.0:  # times 1.0 changes no float
        total = total * boost
    return common, total


def _span(lists: Sequence[tuple[Docnums, Floats]]) -> int:
    """One more than the largest docnum of `lists` (ascending docnums each; one not empty)."""
    return 1 + max(int(docnums[-1]) for docnums, _ in lists if len(docnums))


def positions(docnums: Sequence[int]) -> Positions:
    """`docnums` as an array, to pick from arrays with."""
    import numpy as np

    picked: Positions = np.array(docnums, dtype=np.intp)
    return picked


def codes(keys: Sequence[K]) -> tuple[Positions, list[K]]:
    """Each of `keys` as a number (an array), and the distinct keys in the order numbered."""
    import numpy as np

    numbers: dict[K, int] = {}
    numbered = np.array([numbers.setdefault(key, len(numbers)) for key in keys], dtype=np.intp)
    return numbered, list(numbers)


def tallies(numbered: Positions, picked: Positions, size: int) -> list[int]:
    """How many times each number below `size` is at the positions `picked` of `numbered`."""
    import numpy as np

    counted: list[int] = np.bincount(numbered[picked], minlength=size).tolist()
    return counted
