"""A timeline of hits: the year or month facet counts as consecutive buckets, gaps as zeros.

Model: a histogram is made from the `year` or `month` facet counts of a
search (`FacetCount("2020", 7)`, `FacetCount("2020-10", 3)`), so its counts
are those facet counts by construction. `histogram` orders the buckets by
date and adds every missing bucket between the first and the last with a
count of 0, so a chart drawn from it has a gap where nothing was published.
`by_year` adds month buckets up into years (the web page draws months for a
short span and years for a long one from one search). Pure functions of
their arguments: no index, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from pressearch.models import FacetCount

HistogramUnit = Literal["year", "month"]
HISTOGRAM_UNITS: tuple[HistogramUnit, ...] = ("year", "month")

_BUCKET = {"year": re.compile(r"(\d{4})"), "month": re.compile(r"(\d{4})-(\d{2})")}


def histogram(counts: Iterable[FacetCount], unit: HistogramUnit) -> tuple[FacetCount, ...]:
    """Buckets from the first to the last value of `counts`, in date order, gaps as 0.

    `counts` are the `year` (`YYYY`) or `month` (`YYYY-MM`) facet counts of
    one search; a value of another shape is not a date and is left out.
    """
    known: dict[int, int] = {}
    for count in counts:
        ordinal = _ordinal(count.value, unit)
        if ordinal is not None:
            known[ordinal] = known.get(ordinal, 0) + count.count
    if not known:
        return ()
    return tuple(
        FacetCount(_label(ordinal, unit), known.get(ordinal, 0))
        for ordinal in range(min(known), max(known) + 1)
    )


def by_year(months: Sequence[FacetCount]) -> tuple[FacetCount, ...]:
    """Month buckets (`YYYY-MM`) added up into year buckets, gaps as 0."""
    years: dict[str, int] = {}
    for month in months:
        year = month.value[:4]
        years[year] = years.get(year, 0) + month.count
    return histogram((FacetCount(year, count) for year, count in years.items()), "year")


def _ordinal(value: str, unit: HistogramUnit) -> int | None:
    """Years count as themselves, months as 12 × year + month − 1 (consecutive integers)."""
    match = _BUCKET[unit].fullmatch(value)
    if match is None:
        return None
    if unit == "year":
        return int(match[1])
    month = int(match[2])
    return int(match[1]) * 12 + month - 1 if 1 <= month <= 12 else None


def _label(ordinal: int, unit: HistogramUnit) -> str:
    if unit == "year":
        return f"{ordinal:04d}"
    year, month = divmod(ordinal, 12)
    return f"{year:04d}-{month + 1:02d}"
