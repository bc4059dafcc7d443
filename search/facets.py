"""Facet counts: how many matching articles have each value of a facet.

Model: a facet is a `facet_<name>` field whose terms are its values exactly as
displayed and whose column holds each article's values joined by
`VALUE_SEPARATOR`. Counting reads the matching documents' values from that
column (`_FacetColumn`: document by document at first, so a one-off query
reads no more than its matches; decoded whole once a reader has asked for
half the index, and kept for as long as the reader lives) and tallies them
per combination of values first (articles share a few; many matches of a
decoded column in arrays, `search.arrays`), then per value; an article
counts once under each of its values. Which facets the index holds
is found once per reader too (it walks every facet's lexicon). Facet names
accept the aliases of the query language (`org`, `target`, `crime`).
Drill-down filters are compiled with the query, in `search.compile`, which
resolves values ignoring case and accents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache, partial
from itertools import chain
from typing import Any

from pressearch.errors import UsageError
from pressearch.index.reader import facet_names, segment_cached
from pressearch.index.schema import facet_field, split_values
from pressearch.index.whoosh_internals.columns import column_values, read_values, whole_values
from pressearch.models import FacetCount
from pressearch.search import arrays
from pressearch.vocabulary import ALIASES, BUILTIN_FACETS, STANDARD_FACETS, normalize_name

ALL = "all"


def canonical_facet(reader: Any, name: str) -> str:
    """The canonical facet name for `name` (aliases and spelling variants allowed).

    Standard and built-in facets are always known, even when no article has
    them (their counts are then empty). Raises `UsageError` for anything else
    the index does not hold.
    """
    key = normalize_name(name)
    if key in STANDARD_FACETS or key in BUILTIN_FACETS:
        return key
    available = present_facets(reader)
    if key in available:
        return key
    choices = sorted({*available, *STANDARD_FACETS, *BUILTIN_FACETS})
    import difflib  # for errors only: ~1 ms of a one-off query's imports

    close = difflib.get_close_matches(key, [*choices, *ALIASES], n=1)
    hint = f" — did you mean {ALIASES.get(close[0], close[0])!r}?" if close else ""
    raise UsageError(f"unknown facet {name!r}{hint} Known facets: {', '.join(choices)}")


def count_facets(
    searcher: Any,
    docnums: Iterable[int],
    names: Sequence[str],
    copies: Mapping[int, Sequence[int]] | None = None,
) -> dict[str, list[FacetCount]]:
    """Value counts of each facet in `names` (or "all") over the documents `docnums`.

    A document in `copies` stands for its set of identical articles
    (`search.collapse`) and counts once under each value any of them has.
    Keys are canonical facet names in the order asked; values are sorted by
    count, highest first, then by value ignoring case.
    """
    reader = searcher.reader()
    wanted: list[str] = []
    for name in names:
        if name.strip().lower() == ALL:
            wanted += present_facets(reader)
        else:
            wanted.append(canonical_facet(reader, name))
    docs = list(docnums)
    # Many documents are counted in arrays (`search.arrays`): as an array made once for
    # every facet, and only when a facet's column is decoded whole.
    positions = cache(partial(arrays.positions, docs)) if arrays.use_arrays(len(docs)) else None
    sets: Mapping[int, Sequence[int]] = copies or {}
    in_sets = [d for d in docs if d in sets] if sets else []
    counts: dict[str, list[FacetCount]] = {}
    for name in dict.fromkeys(wanted):
        column = _facet_column(reader, facet_field(name))
        # Documents share a few combinations of values (one tuple each):
        # counted per combination, then per value.
        combinations = column.combinations(docs, positions)
        for d in in_sets:
            (own,) = column.values([d])
            combinations[own] -= 1
            union = tuple(dict.fromkeys(chain.from_iterable(column.values(sets[d]))))
            combinations[union] += 1
        tally: Counter[str] = Counter()
        for combination, count in combinations.items():
            if count:
                for value in combination:
                    tally[value] += count
        ordered = sorted(tally.items(), key=lambda vc: (-vc[1], vc[0].casefold(), vc[0]))
        counts[name] = [FacetCount(value, count) for value, count in ordered]
    return counts


def present_facets(reader: Any) -> list[str]:
    """`index.reader.facet_names(reader)`, found once per reader."""
    return segment_cached(reader, "facet names", partial(facet_names, reader))


def _facet_column(reader: Any, field: str) -> _FacetColumn:
    """The `_FacetColumn` of facet `field` in `reader`, one per reader."""
    return segment_cached(reader, ("facet column", field), partial(_FacetColumn, reader, field))


class _FacetColumn:
    """Each document's values of one facet of an index reader, read as they are asked for.

    Document by document (`whoosh_internals.columns`: only the documents
    asked for are read) until the documents looked up add up to half the
    index; then the column is decoded whole, once (`_values`), and every
    later count is a list lookup per document. So a one-off query reads no
    more than its matches, and a long-lived reader pays about twice what
    decoding the column at once would have cost.
    """

    def __init__(self, reader: Any, field: str) -> None:
        self._reader = reader
        self._field = field
        self._size = int(reader.doc_count_all())
        self._looked_up = 0
        self._whole: list[tuple[str, ...]] | None = None
        self._leaves: list[tuple[int, Sequence[bytes] | None]] | None = None
        self._unique = _Split()
        # Each document's combination as a number, and the combinations (`arrays.codes`).
        self._codes: tuple[Any, list[tuple[str, ...]]] | None = None

    def values(self, docnums: Sequence[int]) -> Iterator[tuple[str, ...]]:
        """The values of each of `docnums`, in their order (distinct, as first listed)."""
        if self._decoded(len(docnums)):
            return map(self._values_now().__getitem__, docnums)
        self._looked_up += len(docnums)
        return self._look_up(docnums)

    def _decoded(self, asked: int) -> bool:
        """Whether the column is decoded whole, now that `asked` more documents are asked for."""
        if self._whole is None and 2 * (self._looked_up + asked) > self._size:
            self._whole = _values(self._reader, self._field)
            self._leaves = None
            self._unique = _Split()
        return self._whole is not None

    def _values_now(self) -> list[tuple[str, ...]]:
        assert self._whole is not None  # `_decoded` said so
        return self._whole

    def combinations(
        self, docnums: Sequence[int], positions: Callable[[], Any] | None = None
    ) -> Counter[tuple[str, ...]]:
        """How many of `docnums` have each combination of values; with `positions`
        (which gives `docnums` in an array) and the column decoded whole, counted
        in arrays."""
        if positions is None or not self._decoded(len(docnums)):
            return Counter(self.values(docnums))
        if self._codes is None:
            self._codes = arrays.codes(self._values_now())
        codes, combinations = self._codes
        tallies = arrays.tallies(codes, positions(), len(combinations))
        return Counter({combinations[i]: n for i, n in enumerate(tallies) if n})

    def _look_up(self, docnums: Sequence[int]) -> Iterator[tuple[str, ...]]:
        if self._leaves is None:
            self._leaves = [
                (offset, column_values(leaf, self._field))
                for leaf, offset in self._reader.leaf_readers()
            ]
        return map(self._unique.__getitem__, read_values(self._leaves, docnums))


class _Split(dict[bytes | None, tuple[str, ...]]):
    """A column value → its facet values (distinct, as first listed; none for no value),
    each value split when first asked for (as a key missing)."""

    def __missing__(self, raw: bytes | None) -> tuple[str, ...]:
        values = self[raw] = () if raw is None else tuple(dict.fromkeys(split_values(raw)))
        return values


def _values(reader: Any, field: str) -> list[tuple[str, ...]]:
    """Each document's values of facet `field`, indexed by document number.

    Joined over the segments once per reader: the joined list is as long
    as the index, too long to build per query.
    """

    def build() -> list[tuple[str, ...]]:
        parts = [_segment_values(leaf, field) for leaf, _ in reader.leaf_readers()]
        return parts[0] if len(parts) == 1 else list(chain.from_iterable(parts))

    return segment_cached(reader, ("joined facet values", field), build)


def _segment_values(leaf: Any, field: str) -> list[tuple[str, ...]]:
    # Per segment, not `reader.column_reader`: Whoosh's multi-segment column
    # reader misplaces documents when a segment lacks the column.
    # The column read at once (`whole_values`), each distinct value split once
    # (`_Split`), and the documents' values picked in C: a facet of 10,000 articles took
    # 9-12 ms read and split a document at a time, 3.5-5.5 ms so.
    def build() -> list[tuple[str, ...]]:
        raws = whole_values(leaf, field)
        if raws is None:
            return [()] * leaf.doc_count_all()
        return list(map(_Split().__getitem__, raws))

    return segment_cached(leaf, ("facet values", field), build)
