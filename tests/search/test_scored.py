"""Matches as lists give Whoosh's matches and floats: And, the best kept, copies found."""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import matching, query
from whoosh.util import make_weighted_tree
from whoosh.util.times import datetime_to_long

from pressearch.models import Article
from pressearch.search import scored
from pressearch.search.collapse import TEXT_HASH, CopyKeys
from pressearch.search.matchers import AllOf, ColumnDateRange
from pressearch.search.scored import ScoredList, _weighted_tree, best_keys, listed, summed
from pressearch.search.scoring import WordInFields, weighting
from tests.conftest import index_in_segments, matcher_postings, sums_in_arrays, word_terms

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _articles(prefix: str, count: int) -> list[Article]:
    return [
        Article(
            id=f"{prefix}{i}",
            path=f"/archive/{prefix}{i}.md",
            headline="Organised crime report" if i % 4 == 0 else f"Bulletin {i % 9}",
            body=(
                "Organised crime networks moved common goods. " * (1 + i % 3)
                + ("The crime was organised abroad. " if i % 5 == 0 else "")
                + ("Customs seized cocaine. " if i % 3 == 0 else "")
            ),
            date=None if i % 11 == 0 else dt.date(2019 + i % 4, 1 + i % 12, 1 + i % 28),
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A searcher over three segments, one with deleted documents."""
    segments = (_articles("a", 200), _articles("b", 30), _articles("c", 60))
    ix = index_in_segments(tmp_path_factory.mktemp("scored"), *segments)
    writer = ix.writer()
    for ident in ("a3", "a40", "b2", "c9"):
        writer.delete_by_term("id", ident)
    writer.commit(merge=False)
    with ix.searcher(weighting=weighting()) as s:
        assert len(s.leaf_searchers()) == 3
        yield s


def _word(text: str) -> WordInFields:
    return WordInFields(word_terms(text))


def _years(first: int, last: int) -> ColumnDateRange:
    low, high = dt.datetime(first, 1, 1), dt.datetime(last, 12, 31, 23, 59, 59)
    return ColumnDateRange("date", datetime_to_long(low), datetime_to_long(high))


@contextlib.contextmanager
def _in_arrays(on: bool) -> Iterator[list[str]]:
    """Lists combined in arrays (`on`: however short) or in lists; the arrays' calls, listed."""
    with pytest.MonkeyPatch.context() as patch:
        yield sums_in_arrays(patch, on, [(scored, "intersection"), (scored, "sums")])


PARTS = {
    "organised": lambda: _word("organised"),
    "crime": lambda: _word("crime"),
    "common": lambda: _word("common"),
    "cocaine": lambda: _word("cocaine"),
    "abroad": lambda: _word("abroad"),
    "report": lambda: _word("report"),
    "2019-2020": lambda: _years(2019, 2020),
    "2021": lambda: _years(2021, 2021),
}


@SETTINGS
@given(
    names=st.lists(st.sampled_from(sorted(PARTS)), min_size=2, max_size=5),
    boost=st.sampled_from([1.0, 0.5, 2.0]),
)
@pytest.mark.parametrize("arrays_on", [False, True])
def test_all_of_gives_whooshs_and(
    searcher: Any, names: list[str], boost: float, arrays_on: bool
) -> None:
    parts = [PARTS[name]() for name in names]
    context = searcher.context()
    for leaf, _ in searcher.leaf_searchers():
        with _in_arrays(arrays_on):
            fast = AllOf(parts, boost=boost).matcher(leaf, context)
        plain = query.And(parts, boost=boost).matcher(leaf, context)
        assert matcher_postings(fast) == matcher_postings(plain)  # the same floats, not close ones


@SETTINGS
@given(
    names=st.lists(
        st.sampled_from(["organised", "crime", "common", "cocaine", "abroad", "report"]),
        min_size=2,
        max_size=4,
    ),
    boost=st.sampled_from([1.0, 0.5]),
)
def test_words_scored_within_the_rarest_give_whooshs_and(
    searcher: Any, names: list[str], boost: float
) -> None:
    # Words only: the rarest is matched first, the others only within its matches.
    parts = [PARTS[name]() for name in names]
    context = searcher.context()
    for leaf, _ in searcher.leaf_searchers():
        fast = AllOf(parts, boost=boost).matcher(leaf, context)
        plain = query.And(parts, boost=boost).matcher(leaf, context)
        assert matcher_postings(fast) == matcher_postings(plain)


class _Fixed(query.Query):  # type: ignore[misc]
    """A query part with given matches and an estimated size of our choosing."""

    def __init__(self, docnums: list[int], scores: list[float], size: int) -> None:
        self.docnums, self.scores, self.size, self.boost = docnums, scores, size, 1.0

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def estimate_size(self, reader: Any) -> int:
        return self.size

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return ScoredList(self.docnums, self.scores)


# Scores whose sum depends on the order of the additions.
_ORDER_SENSITIVE = st.sampled_from([1e16, -1e16, 1.0, 3.0, 0.1, 1e-3, 2.5e15])


@settings(SETTINGS, max_examples=300)
@given(
    parts=st.lists(
        st.tuples(st.lists(_ORDER_SENSITIVE, min_size=4, max_size=4), st.sampled_from([0, 1, 3])),
        min_size=2,
        max_size=6,
    )
)
@pytest.mark.parametrize("arrays_on", [False, True])
def test_intersection_adds_up_in_whooshs_tree(
    searcher: Any, parts: list[tuple[list[float], int]], arrays_on: bool
) -> None:
    # Every part matches documents 1-4; sizes tie often, as estimates do.
    leaf = searcher.leaf_searchers()[0][0]
    fixed = [_Fixed([1, 2, 3, 4], scores, size) for scores, size in parts]
    context = searcher.context()
    with _in_arrays(arrays_on) as calls:
        fast = matcher_postings(AllOf(fixed).matcher(leaf, context))
    assert calls == (["intersection"] if arrays_on else [])
    plain = matcher_postings(query.And(fixed).matcher(leaf, context))
    assert [d for d, _ in fast] == [d for d, _ in plain]
    # repr: NaN-free, and -0.0 told from 0.0
    assert [repr(s) for _, s in fast] == [repr(s) for _, s in plain]


@settings(SETTINGS, max_examples=300)
@given(
    parts=st.lists(
        st.dictionaries(st.integers(0, 40), _ORDER_SENSITIVE, min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    ),
    boost=st.sampled_from([1.0, 0.5, 3.0]),
)
def test_an_or_adds_up_the_same_in_arrays_and_in_a_dict(
    parts: list[dict[int, float]], boost: float
) -> None:
    def matchers() -> list[ScoredList]:
        return [ScoredList(sorted(part), [part[d] for d in sorted(part)]) for part in parts]

    with _in_arrays(False):
        in_dict = matcher_postings(summed(matchers(), boost))
    with _in_arrays(True) as calls:
        in_arrays = matcher_postings(summed(matchers(), boost))
    assert calls == ["sums"]
    assert [d for d, _ in in_arrays] == [d for d, _ in in_dict]
    assert [repr(s) for _, s in in_arrays] == [repr(s) for _, s in in_dict]


class _Pair(matching.AdditiveBiMatcher):  # type: ignore[misc]
    """A node of Whoosh's And tree (its comparisons decide ties), without intersecting."""

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b


@settings(max_examples=500, deadline=None)
@given(sizes=st.lists(st.sampled_from([0, 0, 1, 2, 5]), min_size=1, max_size=7))
def test_the_tree_of_additions_is_whooshs(sizes: list[int]) -> None:
    leaves = [ScoredList([1], [float(i)]) for i in range(len(sizes))]

    def shape(node: Any) -> Any:
        if isinstance(node, _Pair):
            return (shape(node.a), shape(node.b))
        return next(i for i, leaf in enumerate(leaves) if leaf is node)

    weights = [0 - size for size in sizes]
    whooshs = make_weighted_tree(_Pair, list(zip(weights, leaves, strict=True)))
    assert _weighted_tree(weights) == shape(whooshs)


def _heap_top(pairs: list[tuple[int, float]], keep: int) -> list[tuple[int, float]]:
    """The collector's heap, as it was: what `best_keys` and nlargest must reproduce."""
    top: list[tuple[float, int]] = []
    for docnum, score in pairs:
        if len(top) < keep:
            heapq.heappush(top, (score, -docnum))
        elif score > top[0][0]:
            heapq.heapreplace(top, (score, -docnum))
    top.sort(reverse=True)
    return [(-negated, score) for score, negated in top]


@settings(max_examples=300, deadline=None)
@given(
    segments=st.lists(
        st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0, 7.25]), max_size=40), max_size=4
    ),
    keep=st.integers(min_value=1, max_value=12),
)
def test_best_keys_keep_what_the_heap_kept(segments: list[list[float]], keep: int) -> None:
    pairs: list[tuple[int, float]] = []
    best: list[tuple[float, int]] = []
    offset = 0
    for scores in segments:
        docnums = list(range(len(scores)))
        ids, kept_scores = listed(ScoredList(docnums, scores), offset) if scores else ([], [])
        pairs += zip(ids, kept_scores, strict=True)
        best += best_keys(ids, kept_scores, keep)
        offset += len(scores) + 3
    top = heapq.nlargest(keep, best)
    assert [(-negated, score) for score, negated in top] == _heap_top(pairs, keep)


def test_listed_keeps_only_the_allowed(searcher: Any) -> None:
    leaf, offset = searcher.leaf_searchers()[1]
    context = searcher.context()
    every = listed(_word("crime").matcher(leaf, context), offset)
    allowed = set(every[0][::3])
    docnums, scores = listed(_word("crime").matcher(leaf, context), offset, allowed)
    assert docnums == every[0][::3]
    assert scores == every[1][::3]
    term = query.Term("body", "crime")
    plain = term.matcher(leaf, context)
    assert not isinstance(plain, ScoredList)
    every = matcher_postings(term.matcher(leaf, context))
    expected = [(d, s) for d, s in every if d + offset in allowed]
    assert listed(plain, offset, allowed) == (
        [d + offset for d, _ in expected],
        [s for _, s in expected],
    )
    assert listed(matching.NullMatcher(), offset) == ([], [])


def _copies_by_brute_force(reader: Any, docnums: list[int]) -> dict[int, tuple[int, ...]]:
    hashes: dict[int, bytes] = {}
    for leaf, offset in reader.leaf_readers():
        column = leaf.column_reader(TEXT_HASH, translate=False)
        for i in range(leaf.doc_count_all()):
            hashes[offset + i] = column[i]
    groups: dict[bytes, list[int]] = {}
    for docnum in docnums:
        if hashes[docnum]:
            groups.setdefault(hashes[docnum], []).append(docnum)
    return {d: tuple(g) for g in groups.values() if len(g) > 1 for d in g}


@SETTINGS
@given(data=st.data())
def test_copies_are_the_same_looked_up_one_by_one_or_from_the_table(
    searcher: Any, data: st.DataObject
) -> None:
    reader = searcher.reader()
    live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
    warm = CopyKeys(reader)
    warm.identical(live)
    warm.identical(live)  # past the index's size: the table from here on
    for _ in range(3):
        chosen = sorted(data.draw(st.sets(st.sampled_from(live), max_size=60)))
        expected = _copies_by_brute_force(reader, chosen)
        assert CopyKeys(reader).identical(chosen) == expected  # one by one
        assert warm.identical(chosen) == expected


def test_copies_before_and_after_the_lookups_add_up_to_the_index(tmp_path: Path) -> None:
    ix = index_in_segments(tmp_path, _articles("a", 20), _articles("b", 20))
    with ix.reader() as reader:
        keys = CopyKeys(reader)
        every = list(range(reader.doc_count_all()))
        first = keys.identical(every[:25])
        assert first == _copies_by_brute_force(reader, every[:25])
        assert keys.identical(every[:25]) == first  # 50 looked up of 40: from the table
        assert keys.identical(every) == _copies_by_brute_force(reader, every)
        assert len(set(first.values())) > 3
