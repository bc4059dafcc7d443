"""What the templates show, made from the library's shapes: marked text, links, sidebar, timeline.

Model: the templates only lay out; every decision is made here, in plain
Python over `SearchResult`, `Article` and `SearchParams`; every link is
`/` and a query string (the search page), so it means the same on any page. Article text stays
text: a snippet becomes `Piece`s (text, marked or not) cut at its match
offsets, and the template wraps the marked ones in `<mark>` while Jinja2
escapes every piece, so no article can add markup. A source link is an
`http(s)` URL or nothing. Every link a page offers (a facet value that
narrows or widens, a timeline bar, a page number) is `SearchParams` written
back to a query string.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from pressearch.histogram import by_year
from pressearch.models import FacetCount, SearchResult, Snippet
from pressearch.vocabulary import display_name
from pressearch.watch import Watch, WatchRun
from pressearch.web.params import SearchParams

# Facet values listed before "more" folds the rest away; the rest are listed
# too (up to a bound), inside a <details> that works without JavaScript.
FACET_SHOWN = 8
FACET_MORE = 200
# More months than this on the timeline: it shows years instead.
TIMELINE_MONTHS = 36
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Piece:
    """A stretch of text, shown highlighted when `marked`."""

    text: str
    marked: bool = False


def pieces(snippet: Snippet) -> list[Piece]:
    """The snippet's text cut at its match offsets (overlaps merged, out-of-range clipped)."""
    text = snippet.text
    out: list[Piece] = []
    at = 0
    for start, end in sorted(snippet.matches):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], marked=True))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


def error_pieces(query: str, position: int | None) -> list[Piece]:
    """The query with the character at `position` marked (the end, when past it)."""
    if position is None or not 0 <= position <= len(query):
        return [Piece(query)]
    if position == len(query):
        return [Piece(query), Piece(" ", marked=True)]
    return [
        Piece(query[:position]),
        Piece(query[position], marked=True),
        Piece(query[position + 1 :]),
    ]


_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f\"'<>\\`]")


def source_link(url: str | None) -> str | None:
    """`url` when it is an http(s) address with a host and nothing odd in it, else None.

    The address comes from the article file: a `javascript:` or `data:` URL
    must never become a link.
    """
    if not url or _UNSAFE_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def nice_date(date: dt.date | None) -> str:
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}" if date else ""


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class FacetValue:
    """A value in the sidebar: its count, whether it is a filter now, and the link that toggles."""

    value: str
    count: int
    selected: bool
    href: str


@dataclass(frozen=True)
class Facet:
    """A facet in the sidebar: the values shown, those folded away, how many are not listed."""

    name: str
    title: str
    shown: list[FacetValue]
    more: list[FacetValue]
    unlisted: int = 0


def facets(result: SearchResult, params: SearchParams, skip: Sequence[str] = ()) -> list[Facet]:
    """The sidebar: each facet with values, selected ones first, then by count."""
    out = []
    for name, counts in result.facets.items():
        if name in skip or not counts:
            continue
        values = [
            FacetValue(
                c.value,
                c.count,
                params.has_filter(name, c.value),
                "/" + params.toggled(name, c.value).query_string(),
            )
            for c in counts
        ]
        values.sort(key=lambda v: not v.selected)  # stable: counts order kept otherwise
        shown, more = values[:FACET_SHOWN], values[FACET_SHOWN:FACET_MORE]
        out.append(Facet(name, display_name(name), shown, more, max(0, len(values) - FACET_MORE)))
    return out


@dataclass(frozen=True)
class Chip:
    """An active filter or date range, with the link that removes it."""

    label: str
    href: str


def chips(params: SearchParams) -> list[Chip]:
    out = [
        Chip(f"{display_name(name)}: {value}", "/" + params.toggled(name, value).query_string())
        for name, value in params.filters
    ]
    if params.since or params.until:
        span = f"{params.since or '…'} – {params.until or '…'}"
        out.append(Chip(f"Date: {span}", "/" + params.dated(None, None).query_string()))
    return out


@dataclass(frozen=True)
class Bar:
    """A timeline bar: its bucket, count, height in per cent of the tallest, narrowing link."""

    label: str
    count: int
    height: int
    href: str


@dataclass(frozen=True)
class Timeline:
    unit: str
    bars: list[Bar]


def timeline(result: SearchResult, params: SearchParams) -> Timeline | None:
    """Hits by month (or by year, past `TIMELINE_MONTHS` months); each bar narrows to its dates."""
    buckets: Sequence[FacetCount] = result.histogram or ()
    if not buckets:
        return None
    unit = "month"
    if len(buckets) > TIMELINE_MONTHS:
        unit, buckets = "year", by_year(buckets)
    top = max(b.count for b in buckets) or 1
    bars = [
        Bar(
            _bucket_label(b.value),
            b.count,
            max(2, round(100 * b.count / top)) if b.count else 0,
            "/" + params.dated(b.value, b.value).query_string(),
        )
        for b in buckets
    ]
    return Timeline(unit, bars)


def _bucket_label(value: str) -> str:
    if len(value) == 7:  # YYYY-MM
        return f"{_MONTHS[int(value[5:]) - 1]} {value[:4]}"
    return value


@dataclass(frozen=True)
class PageLink:
    """A page number (None: a gap, shown as …), whether it is this page, and its link."""

    number: int | None
    current: bool
    href: str


def page_links(result: SearchResult, params: SearchParams) -> list[PageLink]:
    """First, last, and the pages around this one, with gaps between."""
    last = result.pages
    if last <= 1:
        return []
    wanted = sorted({1, last, *range(max(1, params.page - 2), min(last, params.page + 2) + 1)})
    out: list[PageLink] = []
    for number in wanted:
        if out and out[-1].number is not None and number > out[-1].number + 1:
            out.append(PageLink(None, False, ""))
        href = _with_page(params, number)
        out.append(PageLink(number, number == params.page, href))
    return out


def _with_page(params: SearchParams, page: int) -> str:
    return "/" + replace(params, page=page).query_string()


def facet_link(name: str, value: str) -> str:
    """The search for every article with `value` in facet `name` (a taxonomy link)."""
    return "/" + SearchParams(filters=((name, value),)).query_string()


@dataclass(frozen=True)
class WatchRow:
    """A saved search on the watches page: what is new, the watch, and its search's URL."""

    run: WatchRun
    watch: Watch
    href: str


def stats_facets(facets: Mapping[str, Mapping[str, int]], limit: int = 6) -> list[Facet]:
    """The start page's overview: each facet's most frequent values, as links to their articles."""
    out = []
    for name, values in facets.items():
        if name == "month" or not values:
            continue
        # Years newest first; other values as stats gives them, most frequent first.
        ordered = sorted(values.items(), reverse=True) if name == "year" else list(values.items())
        shown = [FacetValue(v, c, False, facet_link(name, v)) for v, c in ordered[:limit]]
        out.append(Facet(name, display_name(name), shown, []))
    return out
