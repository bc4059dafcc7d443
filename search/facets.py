"""Facet counts: how many matching articles have each value of a facet.

Model: a facet is a `facet_<name>` field whose terms are its values exactly as
displayed and whose column holds each article's values joined by
`VALUE_SEPARATOR`. Counting reads that column once per index segment (kept for
as long as the segment's reader lives, so a reused searcher pays it once) and
tallies values over the matching document numbers, per combination of values
first (articles share a few), then per value; an article counts once under
each of its values. Which facets the index holds is found once per reader too
(it walks every facet's lexicon). Facet names accept the aliases of the query
language (`org`, `target`, `crime`). Drill-down filters are compiled with the
query, in `search.compile`, which resolves values ignoring case and accents.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from itertools import chain
from typing import Any

from pressearch.errors import UsageError
from pressearch.index.reader import facet_names, segment_cached
from pressearch.index.schema import facet_field, split_values
from pressearch.models import FacetCount
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
    sets: Mapping[int, Sequence[int]] = copies or {}
    in_sets = [d for d in docs if d in sets] if sets else []
    counts: dict[str, list[FacetCount]] = {}
    for name in dict.fromkeys(wanted):
        values = _values(reader, facet_field(name))
        # Documents share a few combinations of values (one tuple each):
        # counted per combination, then per value.
        combinations = Counter(map(values.__getitem__, docs))
        for d in in_sets:
            combinations[values[d]] -= 1
            union = tuple(dict.fromkeys(chain.from_iterable(values[c] for c in sets[d])))
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
    def build() -> list[tuple[str, ...]]:
        if not leaf.has_column(field):
            return [()] * leaf.doc_count_all()
        unique: dict[bytes, tuple[str, ...]] = {}
        values = []
        for raw in leaf.column_reader(field, translate=False):
            if raw not in unique:
                unique[raw] = tuple(dict.fromkeys(split_values(raw)))
            values.append(unique[raw])
        return values

    return segment_cached(leaf, ("facet values", field), build)
