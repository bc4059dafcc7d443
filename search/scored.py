"""Matches as lists: one segment's matching documents with their final scores.

Model: a `ScoredList` holds the matches of a query part in one segment, in
docnum order, each with the score Whoosh's own matchers would have given
it. It steps like any Whoosh matcher, so it fits under Whoosh's And, Or and
filters, but parts made of lists combine as lists, without a call per
posting: an Or adds its parts' scores up in a dict (`summed`, as Whoosh's
`ArrayUnionMatcher`), an And keeps the documents of its smallest part that
every other part has and adds their scores up in the tree Whoosh's And
would build (`intersected`), and a search reads the matches off the lists
(`scored_items`). Many matches are combined in numpy's arrays
(`search.arrays`), and a part made in arrays stays in them (`ScoredArrays`)
through the Ors and Ands above it to the search's best matches, turned into
lists only where a Whoosh matcher steps through it. Every score is the same
float: the same additions, in the same order.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Container, Iterator, Sequence
from heapq import nlargest
from typing import Any

from whoosh import matching

from pressearch.search import arrays
from pressearch.search.arrays import Tree, intersection, sums, use_arrays


class ScoredList(matching.Matcher):  # type: ignore[misc]
    """Documents and their final scores, in docnum order."""

    def __init__(self, docnums: list[int], scores: list[float], i: int = 0) -> None:
        self._docnums = docnums
        self._scores = scores
        self._i = i
        self._top = max(scores)

    def is_active(self) -> bool:
        return self._i < len(self._docnums)

    def id(self) -> int:
        return self._docnums[self._i]

    def next(self) -> None:
        self._i += 1

    def skip_to(self, id: int) -> None:
        self._i = bisect_left(self._docnums, id, self._i)

    def reset(self) -> None:
        self._i = 0

    def copy(self) -> ScoredList:
        return ScoredList(self._docnums, self._scores, self._i)

    def all_ids(self) -> Iterator[int]:
        return iter(self._docnums[self._i :])

    def remaining(self) -> tuple[list[int], list[float]]:
        """The docnums and scores of the matches from where the matcher stands."""
        if self._i == 0:
            return self._docnums, self._scores
        return self._docnums[self._i :], self._scores[self._i :]

    def remaining_arrays(self) -> tuple[Any, Any]:
        """`remaining`, as numpy's arrays."""
        return arrays.as_arrays(*self.remaining())

    def left(self) -> int:
        """How many matches are left from where the matcher stands."""
        return len(self._docnums) - self._i

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self._top

    def weight(self) -> float:
        return self._scores[self._i]

    def score(self) -> float:
        return self._scores[self._i]


class ScoredArrays(ScoredList):
    """A `ScoredList` made in numpy's arrays (`search.arrays`), which Ors, Ands and the
    search's best matches read as they are; its lists are made only if a Whoosh
    matcher steps through it."""

    def __init__(self, docnums: Any, scores: Any, i: int = 0) -> None:
        self._arrays = (docnums, scores)
        self._lists: tuple[list[int], list[float]] | None = None
        self._i = i
        self._top = float(scores.max())

    @property
    def _docnums(self) -> list[int]:  # type: ignore[override]
        return self._listed()[0]

    @property
    def _scores(self) -> list[float]:  # type: ignore[override]
        return self._listed()[1]

    def _listed(self) -> tuple[list[int], list[float]]:
        if self._lists is None:
            docnums, scores = self._arrays
            self._lists = (docnums.tolist(), scores.tolist())
        return self._lists

    def is_active(self) -> bool:
        return self._i < len(self._arrays[0])

    def copy(self) -> ScoredArrays:
        return ScoredArrays(*self._arrays, self._i)

    def remaining_arrays(self) -> tuple[Any, Any]:
        docnums, scores = self._arrays
        return (docnums, scores) if self._i == 0 else (docnums[self._i :], scores[self._i :])

    def left(self) -> int:
        return len(self._arrays[0]) - self._i  # not turning the arrays into lists


def scored(docnums: Any, scores: Any) -> Any:
    """The matcher of `docnums` (ascending) and their `scores`, arrays or lists: none
    without a match."""
    if not len(docnums):
        return matching.NullMatcher()
    if isinstance(docnums, list):
        return ScoredList(docnums, scores)
    return ScoredArrays(docnums, scores)


def scored_items(
    m: Any, offset: int = 0, allowed: Container[int] | None = None
) -> Iterator[tuple[int, float]]:
    """(docnum + `offset`, score) of each match of matcher `m` from where it
    stands, using it up; with `allowed`, only of the docnums + `offset` in it
    (the others are not scored)."""
    if isinstance(m, ScoredList):
        docnums, scores = m.remaining()
        for docnum, score in zip(docnums, scores, strict=True):
            docnum += offset
            if allowed is None or docnum in allowed:
                yield docnum, score
        return
    while m.is_active():
        docnum = m.id() + offset
        if allowed is None or docnum in allowed:
            yield docnum, m.score()
        m.next()


def listed(
    m: Any, offset: int = 0, allowed: Container[int] | None = None
) -> tuple[list[int], list[float]]:
    """The docnums (+ `offset`) and scores of `scored_items(m, offset, allowed)`, as two lists:
    a `ScoredList`'s own, without a step per match."""
    if not isinstance(m, ScoredList):
        pairs = list(scored_items(m, offset, allowed))
        return [docnum for docnum, _ in pairs], [score for _, score in pairs]
    docnums, scores = m.remaining()
    if offset:
        docnums = [docnum + offset for docnum in docnums]
    if allowed is not None:
        kept = [i for i, docnum in enumerate(docnums) if docnum in allowed]
        docnums, scores = [docnums[i] for i in kept], [scores[i] for i in kept]
    return docnums, scores


def collected(
    m: Any, offset: int, allowed: Container[int] | None, keep: int
) -> tuple[list[int], list[tuple[float, int]]]:
    """`listed(m, offset, allowed)`'s docnums, and the `best_keys` of its matches: a
    `ScoredArrays` read in its arrays (turned into a list of docnums once)."""
    if isinstance(m, ScoredArrays) and allowed is None:
        docnums, scores = m.remaining_arrays()
        docnums = docnums + offset if offset else docnums
        return docnums.tolist(), arrays.best_keys(docnums, scores, keep)
    docnums, scores = listed(m, offset, allowed)
    return docnums, best_keys(docnums, scores, keep)


def best_keys(docnums: list[int], scores: list[float], keep: int) -> list[tuple[float, int]]:
    """(score, -docnum) of at least the `keep` best matches, highest score first and then
    lowest docnum: every match that scores as high as the `keep`-th highest score."""
    if len(scores) > keep > 0:
        least = nlargest(keep, scores)[-1]
        pairs = zip(docnums, scores, strict=True)
        return [(score, -docnum) for docnum, score in pairs if score >= least]
    return [(score, -docnum) for docnum, score in zip(docnums, scores, strict=True)]


def summed(matchers: Sequence[Any], boost: float = 1.0) -> Any:
    """The Or of `matchers` as Whoosh's `ArrayUnionMatcher` scores it, summed in a dict
    (or, for many matches, in arrays: `search.arrays.sums`).

    Each match's score is the sum, in the order of `matchers`, of its scores
    times `boost`; like the array, a document whose sum is not positive is
    dropped. Whoosh's matcher steps every sub-matcher through every
    posting; a `ScoredList` (a preloaded word or phrase) is read as lists.
    """
    active = [m for m in matchers if m.is_active()]
    parts = [m if isinstance(m, ScoredList) else ScoredList(*listed(m)) for m in active]
    if use_arrays(sum(part.left() for part in parts)):
        return scored(*sums([part.remaining_arrays() for part in parts], boost))
    lists = [part.remaining() for part in parts]
    total: dict[int, float] = {}
    for docnums, scores in lists:
        if boost != 1.0:  # times 1.0 changes no float
            scores = [score * boost for score in scores]
        if not total:
            total = dict(zip(docnums, scores, strict=True))
            continue
        get = total.get
        for docnum, part in zip(docnums, scores, strict=True):
            previous = get(docnum)
            total[docnum] = part if previous is None else previous + part
    docnums = sorted(d for d, score in total.items() if score > 0)
    if not docnums:
        return matching.NullMatcher()
    return ScoredList(docnums, [total[d] for d in docnums])


def intersected(parts: Sequence[ScoredList], sizes: Sequence[int], boost: float = 1.0) -> Any:
    """The And of `parts` as Whoosh's And scores it: the documents every part has.

    Whoosh's And joins its parts two at a time in a tree weighted by each
    part's estimated size (`sizes`, as its `estimate_size` gives them), the
    largest joined first (`whoosh.util.make_weighted_tree`), and a match's
    score is the sum over that tree, times `boost`. The tree depends only
    on the sizes and the parts' order: Whoosh's matchers compare as equal
    whenever their sizes tie. Many matches are intersected in arrays
    (`search.arrays.intersection`: the same additions).
    """
    tree = _weighted_tree([0 - size for size in sizes])
    if use_arrays(sum(part.left() for part in parts)):
        return scored(*intersection([part.remaining_arrays() for part in parts], tree, boost))
    lists = [part.remaining() for part in parts]
    smallest = min(range(len(lists)), key=lambda i: len(lists[i][0]))
    docnums = lists[smallest][0]
    for i, (ids, _) in enumerate(lists):
        if i != smallest:
            present = frozenset(ids)
            docnums = [d for d in docnums if d in present]
    if not docnums:
        return matching.NullMatcher()
    aligned = []
    for ids, scores in lists:
        score_of = dict(zip(ids, scores, strict=True))
        aligned.append([score_of[d] for d in docnums])

    def add(tree: Tree) -> list[float]:
        if isinstance(tree, int):
            return aligned[tree]
        left, right = add(tree[0]), add(tree[1])
        return [a + b for a, b in zip(left, right, strict=True)]

    total = add(tree)
    if boost != 1.0:
        total = [score * boost for score in total]
    return ScoredList(docnums, total)


def _weighted_tree(weights: Sequence[int]) -> Tree:
    """`whoosh.util.make_weighted_tree` over parts with these weights, as indexes."""
    # Stable, by weight alone: Whoosh's sort of (weight, matcher) pairs finds
    # the matchers of a tie neither smaller nor larger than one another.
    forest: list[tuple[int, Tree]] = sorted(
        ((weight, index) for index, weight in enumerate(weights)), key=lambda wt: wt[0]
    )
    while len(forest) > 1:
        (wa, a), (wb, b) = forest.pop(0), forest.pop(0)
        insort(forest, (wa + wb, (a, b)), key=lambda wt: wt[0])
    return forest[0][1]
