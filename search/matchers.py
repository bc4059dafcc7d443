"""Whoosh queries of our own that `search.compile` emits, on Whoosh's public matcher API.

Model: each class is a Whoosh `Query` whose matcher walks one segment with
the public `Matcher` methods (is_active, id, next, skip_to, score,
value_as, all_ids) and nothing else:

- `Excluding`: `a AND NOT b`. The excluded articles of the segment are read
  into a set first, then `a`'s matches are stepped through, skipping them.
  Whoosh's `AndNotMatcher` advances the excluded list only when both lists
  start on the same article, so it kept the first match of `a` in a segment
  whose article also holds `b`.
- `SloppyPhrase`: `"a b"~N` with Lucene's slop (`search.query.slop`): the
  words' postings are intersected and the positions of each common article
  tested; scored as Whoosh scores a phrase, the sum of its words' scores.
- `ColumnDateRange`: a date range matched from the segment's date column.
- `AnyOr`: the OR of words side by side with match="any", summed per article
  when matches are dense.
- `AllOf`: Whoosh's And, intersected as lists when every part's matcher is
  one (`search.scored.intersected`), as most parts are: words, phrases,
  wildcards, dense Ors, date ranges.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from whoosh import matching, query
from whoosh.util import make_weighted_tree

from pressearch.index.reader import segment_cached
from pressearch.search.query.slop import matches as within_slop
from pressearch.search.scored import ScoredList, intersected, summed
from pressearch.search.scoring import WordInFields, deleted_docs

# The date column's default for documents without a date (the largest u64).
UNDATED = 2**64 - 1
# Share of the index the postings of a match="any" query must add up to for
# its scores to be summed in an array (`AnyOr`).
DENSE = 0.1


class Excluding(query.AndNot):  # type: ignore[misc]
    """`a` without the articles `b` matches, exactly, on any number of segments."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        kept = self.a.matcher(searcher, context)
        if not kept.is_active():
            return matching.NullMatcher()
        banned = self.b.matcher(searcher, searcher.boolean_context())
        excluded = frozenset(banned.all_ids()) if banned.is_active() else frozenset()
        if not excluded:
            return kept
        return _ExcludingMatcher(kept, excluded)


class _ExcludingMatcher(matching.Matcher):  # type: ignore[misc]
    """The matches of `child` whose ids are not in `excluded`."""

    def __init__(self, child: Any, excluded: frozenset[int]) -> None:
        self.child = child
        self.excluded = excluded
        self.settle()

    def settle(self) -> None:
        child, excluded = self.child, self.excluded
        while child.is_active() and child.id() in excluded:
            child.next()

    def is_active(self) -> bool:
        return bool(self.child.is_active())

    def id(self) -> int:
        return int(self.child.id())

    def next(self) -> None:
        self.child.next()
        self.settle()

    def skip_to(self, id: int) -> None:
        self.child.skip_to(id)
        self.settle()

    def reset(self) -> None:
        self.child.reset()
        self.settle()

    def copy(self) -> _ExcludingMatcher:
        return _ExcludingMatcher(self.child.copy(), self.excluded)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else matching.NullMatcher()

    def children(self) -> list[Any]:
        return [self.child]

    def is_leaf(self) -> bool:
        return False

    def depth(self) -> int:
        return 1 + int(self.child.depth())

    def term_matchers(self) -> Iterator[Any]:
        return self.child.term_matchers()  # type: ignore[no-any-return]

    def matching_terms(self, id: int | None = None) -> Iterator[tuple[str, bytes]]:
        return self.child.matching_terms(id)  # type: ignore[no-any-return]

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return float(self.child.max_quality())

    def supports(self, astype: str) -> bool:
        return bool(self.child.supports(astype))

    def value(self) -> Any:
        return self.child.value()

    def value_as(self, astype: str) -> Any:
        return self.child.value_as(astype)

    def spans(self) -> Any:
        return self.child.spans()

    def weight(self) -> float:
        return float(self.child.weight())

    def score(self) -> float:
        return float(self.child.score())


class SloppyPhrase(query.Phrase):  # type: ignore[misc]
    """A phrase whose `slop` is Lucene's: the words within that many moves, any order."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        fieldname = self.fieldname
        schema = searcher.schema
        if fieldname not in schema or not schema[fieldname].format.supports("positions"):
            return matching.NullMatcher()
        reader = searcher.reader()
        if any((fieldname, word) not in reader for word in self.words):
            return matching.NullMatcher()
        matchers = [query.Term(fieldname, word).matcher(searcher, context) for word in self.words]
        if not all(m.is_active() for m in matchers):
            return matching.NullMatcher()
        return _SloppyMatcher(tuple(self.words), matchers, self.slop, self.boost)


class _SloppyMatcher(matching.Matcher):  # type: ignore[misc]
    """Articles where every word occurs and their positions fit the slop."""

    def __init__(
        self, words: tuple[str, ...], matchers: list[Any], slop: int, boost: float
    ) -> None:
        self.words = words
        self.matchers = matchers
        self.slop = slop
        self.boost = boost
        self.settle()

    def settle(self) -> None:
        """Move to the first article, from here on, that holds the phrase."""
        ms = self.matchers
        while all(m.is_active() for m in ms):
            target = max(m.id() for m in ms)
            for m in ms:
                if m.id() < target:
                    m.skip_to(target)
            if not all(m.is_active() for m in ms):
                return
            if all(m.id() == target for m in ms):
                positions = [list(m.value_as("positions")) for m in ms]
                if within_slop(self.words, positions, self.slop):
                    return
                ms[0].next()

    def is_active(self) -> bool:
        return all(m.is_active() for m in self.matchers)

    def id(self) -> int:
        return int(self.matchers[0].id())

    def next(self) -> None:
        self.matchers[0].next()
        self.settle()

    def skip_to(self, id: int) -> None:
        for m in self.matchers:
            if m.is_active() and m.id() < id:
                m.skip_to(id)
        self.settle()

    def copy(self) -> _SloppyMatcher:
        return _SloppyMatcher(self.words, [m.copy() for m in self.matchers], self.slop, self.boost)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else matching.NullMatcher()

    def children(self) -> list[Any]:
        return list(self.matchers)

    def is_leaf(self) -> bool:
        return False

    def term_matchers(self) -> Iterator[Any]:
        for m in self.matchers:
            yield from m.term_matchers()

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self.boost * sum(float(m.max_quality()) for m in self.matchers)

    def weight(self) -> float:
        return sum(float(m.weight()) for m in self.matchers)

    def score(self) -> float:
        return self.boost * sum(float(m.score()) for m in self.matchers)


class ColumnDateRange(query.NumericRange):  # type: ignore[misc]
    """A constant-score range of the date field, matched from each segment's date column.

    Whoosh matches a range by the union of the index terms that cover it
    (hundreds of posting lists for a year); the column holds each article's
    date as the same number, so the same articles are found between two
    bisections of the segment's dates in order (sorted once per segment). Undated
    articles hold the column's default, the largest u64, and never match.
    Anywhere else (no column, a scored range, a search that needs the
    matched terms) Whoosh's own matcher does the work.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        reader = searcher.reader()
        if (
            not self.constantscore
            or not reader.is_atomic()
            or not reader.has_column(self.fieldname)
            or (context is not None and context.needs_current)
        ):
            return super().matcher(searcher, context)
        low = 0 if self.start is None else int(self.start) + int(self.startexcl)
        high = UNDATED - 1 if self.end is None else int(self.end) - int(self.endexcl)
        high = min(high, UNDATED - 1)
        deleted = deleted_docs(reader)
        dates, by_date = _dates_in_order(reader, self.fieldname)
        within = by_date[bisect_left(dates, low) : bisect_right(dates, high)]
        docnums = sorted(within if not deleted else (d for d in within if d not in deleted))
        if not docnums:
            return matching.NullMatcher()
        # Every match scores the boost, as Whoosh's constant-score range does.
        return ScoredList(docnums, [float(self.boost)] * len(docnums))


def _dates_in_order(reader: Any, fieldname: str) -> tuple[Sequence[int], Sequence[int]]:
    """One segment's raw dates in increasing order and the docnum of each, kept: a
    range is then the documents between two bisections, not a scan of the column."""

    def build() -> tuple[Sequence[int], Sequence[int]]:
        column = date_column(reader, fieldname)
        by_date = array("L", sorted(range(len(column)), key=column.__getitem__))
        return array("Q", (column[d] for d in by_date)), by_date

    return segment_cached(reader, ("dates in order", fieldname), build)


def date_column(reader: Any, fieldname: str) -> Sequence[int]:
    """One segment's raw date column (`UNDATED` where an article has no date), kept as
    an array of unsigned 64-bit numbers (8 bytes an article, not an int object each)."""
    return segment_cached(
        reader,
        ("raw column", fieldname),
        lambda: array("Q", reader.column_reader(fieldname, translate=False).load()),
    )


class AnyOr(query.Or):  # type: ignore[misc]
    """The Or of match="any": scores summed clause by clause when matches are dense.

    When the clauses' postings add up to `DENSE` of the index, each
    clause's scores are added per document in one pass over its matches
    (`search.scored.summed`, in the order of Whoosh's `PreloadedOr`, so the
    scores are the same) instead of stepping a tree of pairwise unions
    through every posting: on 100k articles 10-15% of a five-word query.
    Unscored searches keep Whoosh's `PreloadedOr`. Neither can tell which
    clause matched: not when the search needs that. No coordination factor
    (Whoosh's `scale`): on the judged collections it changed little or
    lowered MAP, and counting matches per document tripled query time.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        subs: Sequence[Any] = self.subqueries
        if (
            context is not None
            and not context.needs_current
            and len(subs) > 2
            and all(q.boost > 0 for q in subs)  # a zero score would drop a match
        ):
            reader = searcher.reader()
            postings = sum(q.estimate_size(reader) for q in subs)
            if postings >= DENSE * reader.doc_count_all():
                if context.weighting is None:  # unscored: Whoosh's array only marks matches
                    return query.PreloadedOr(subs, boost=self.boost).matcher(searcher, context)
                return summed([q.matcher(searcher, context) for q in subs], self.boost)
        return super().matcher(searcher, context)


class AllOf(query.And):  # type: ignore[misc]
    """Whoosh's And: the articles every part matches, scored by adding the parts' scores.

    When every part's matcher is a `ScoredList` (a preloaded word, phrase,
    wildcard, dense Or, date range, or an `AllOf` of those), the lists are
    intersected (`search.scored.intersected`) instead of stepping Whoosh's
    tree of intersection matchers through every match; otherwise Whoosh's
    tree is built from the matchers already made. Of two parts, the order of
    the addition cannot change the sum, so their sizes are not estimated (a
    date range's estimate looks up every index term the range covers).

    When every part is a word (`WordInFields`), the rarest is matched first
    and the others score only the articles it matched: the same
    intersection, with the same scores.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        subs = self.subqueries
        if len(subs) < 2 or context is None or context.needs_current:
            return super().matcher(searcher, context)
        matchers = self._part_matchers(searcher, context)
        if not all(m.is_active() for m in matchers):
            return matching.NullMatcher()
        reader = searcher.reader()
        if all(isinstance(m, ScoredList) for m in matchers):
            sizes = [0] * len(subs) if len(subs) == 2 else [q.estimate_size(reader) for q in subs]
            return intersected(matchers, sizes, self.boost)
        weighted = [(0 - q.estimate_size(reader), m) for q, m in zip(subs, matchers, strict=True)]
        tree = make_weighted_tree(matching.IntersectionMatcher, weighted)
        return tree if self.boost == 1.0 else matching.WrappingMatcher(tree, self.boost)

    def _part_matchers(self, searcher: Any, context: Any) -> list[Any]:
        """Each part's matcher; words other than the rarest only within its matches."""
        subs = self.subqueries
        if not all(isinstance(q, WordInFields) for q in subs):
            return [q.matcher(searcher, context) for q in subs]
        reader = searcher.reader()
        sizes = [q.estimate_size(reader) for q in subs]
        rarest = min(range(len(subs)), key=sizes.__getitem__)
        first = subs[rarest].matcher(searcher, context)
        if not first.is_active():
            return [first]
        within = first.remaining()[0] if isinstance(first, ScoredList) else ()
        return [
            first if i == rarest else q.matcher(searcher, context, within)
            for i, q in enumerate(subs)
        ]
