"""A search's state in a URL: query parameters to `SearchParams` and back.

Model: every state of the search page (query, filters, date range, sort,
match, page) lives in its URL, so a search can be bookmarked and shared, and
the JSON API takes the same parameters, named as the CLI's options: `q`,
`facet`, `filter=name:value` (repeatable), `since`, `until`, `sort`,
`match`, `page`, `limit`, and `histogram`. `parse_search` reads them,
bounded (query length, limit, page, repeats) and checked, raising
`UsageError` with the parameter's name; `SearchParams.query_string` writes
them back in one canonical order, leaving defaults out, so the two are
inverse and every link the pages make is built here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal, cast, get_args
from urllib.parse import urlencode

from pressearch.errors import UsageError
from pressearch.histogram import HISTOGRAM_UNITS, HistogramUnit
from pressearch.models import SearchRequest
from pressearch.vocabulary import normalize_name

# Bounds on what one request may ask, so no URL can make the server work
# without end: a query as long as a paragraph, a page of 100 hits, 1000 pages.
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
MAX_PAGE = 1000
MAX_REPEATS = 32  # values of a repeatable parameter (filter, facet)
MAX_VALUE_CHARS = 200  # a filter value, a facet name, a date

Match = Literal["all", "any"]
Sort = Literal["relevance", "newest", "oldest"]
_REPEATABLE = ("filter", "facet")
_SINGLE = ("q", "since", "until", "sort", "match", "page", "limit", "histogram")


@dataclass(frozen=True)
class SearchParams:
    """One search as its URL says it: the `SearchRequest` fields plus the timeline unit."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    since: str | None = None
    until: str | None = None
    sort: Sort = "relevance"
    match: Match = "all"
    page: int = 1
    limit: int = 10
    facets: tuple[str, ...] = ()
    histogram: HistogramUnit | None = None

    @property
    def blank(self) -> bool:
        """Nothing asked for yet: no words, no filter, no dates (the start page)."""
        return not self.q.strip() and not self.filters and not self.since and not self.until

    def request(self, facets: tuple[str, ...] | None = None) -> SearchRequest:
        """The library's request; `facets` replaces the facets asked in the URL."""
        return SearchRequest(
            text=self.q,
            match=self.match,
            filters=self.filters,
            facets=self.facets if facets is None else facets,
            sort=self.sort,
            limit=self.limit,
            page=self.page,
            since=self.since,
            until=self.until,
        )

    def query_string(self) -> str:
        """`?…` for these parameters, defaults left out (`?` alone when all are defaults)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("filter", f"{name}:{value}") for name, value in self.filters]
        for key, value in (("since", self.since), ("until", self.until)):
            if value:
                pairs.append((key, value))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.match != "all":
            pairs.append(("match", self.match))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.limit != 10:
            pairs.append(("limit", str(self.limit)))
        pairs += [("facet", name) for name in self.facets]
        if self.histogram:
            pairs.append(("histogram", self.histogram))
        return "?" + urlencode(pairs)

    def has_filter(self, name: str, value: str) -> bool:
        return _filter_key(name, value) in {_filter_key(n, v) for n, v in self.filters}

    def toggled(self, name: str, value: str) -> SearchParams:
        """These parameters with filter `name:value` added, or removed if present; page 1."""
        key = _filter_key(name, value)
        kept = tuple(pair for pair in self.filters if _filter_key(*pair) != key)
        filters = kept if len(kept) < len(self.filters) else (*self.filters, (name, value))
        return replace(self, filters=filters, page=1)

    def dated(self, since: str | None, until: str | None) -> SearchParams:
        """These parameters with another date range; page 1."""
        return replace(self, since=since, until=until, page=1)


def from_request(request: SearchRequest) -> SearchParams:
    """The URL parameters of a saved request (a watch), page 1."""
    return SearchParams(
        q=request.text,
        filters=request.filters,
        since=request.since,
        until=request.until,
        sort=request.sort,
        match=request.match,
        limit=request.limit,
    )


def _filter_key(name: str, value: str) -> tuple[str, str]:
    # Facet values match ignoring case (the engine's rule), names by their canonical spelling.
    return normalize_name(name), value.casefold()


def parse_search(items: Iterable[tuple[str, str]], *, strict: bool) -> SearchParams:
    """`SearchParams` from a URL's query parameters (in order, repeats kept).

    `strict` (the JSON API) refuses a parameter it does not know, so that a
    misspelt one is not silently ignored; the pages ignore them (a shared link
    may carry a tracker's). A parameter given twice keeps its last value.
    Raises `UsageError` naming the parameter for a value out of bounds.
    """
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {key: [] for key in _REPEATABLE}
    for key, value in items:
        if key in repeated:
            repeated[key].append(value)
            if len(repeated[key]) > MAX_REPEATS:
                raise UsageError(f"at most {MAX_REPEATS} '{key}' parameters")
        elif key in _SINGLE:
            single[key] = value
        elif strict:
            known = ", ".join((*_SINGLE, *_REPEATABLE))
            raise UsageError(f"unknown parameter {key!r} (known: {known})")
    q = single.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise UsageError(f"the query is {len(q)} characters long; at most {MAX_QUERY_CHARS}")
    return SearchParams(
        q=q,
        filters=tuple(_filter(item) for item in repeated["filter"]),
        since=_short(single, "since"),
        until=_short(single, "until"),
        sort=cast(Sort, _choice(single, "sort", get_args(Sort)) or "relevance"),
        match=cast(Match, _choice(single, "match", get_args(Match)) or "all"),
        page=_number(single, "page", 1, MAX_PAGE),
        limit=_number(single, "limit", 10, MAX_LIMIT),
        facets=tuple(_bounded("facet", name) for name in repeated["facet"] if name.strip()),
        histogram=cast("HistogramUnit | None", _choice(single, "histogram", HISTOGRAM_UNITS)),
    )


def _filter(item: str) -> tuple[str, str]:
    """`name:value` (or `name=value`) split at the first `:` or `=`."""
    cut = min((i for i in (item.find(":"), item.find("=")) if i >= 0), default=-1)
    name, value = item[:cut].strip(), item[cut + 1 :].strip()
    if cut < 0 or not name or not value:
        raise UsageError(f"filter {item!r}: expected name:value, e.g. filter=crime_area:Cybercrime")
    return _bounded("filter", name), _bounded("filter", value)


def _bounded(key: str, value: str) -> str:
    if len(value) > MAX_VALUE_CHARS:
        raise UsageError(f"a '{key}' value is at most {MAX_VALUE_CHARS} characters")
    return value


def _short(single: dict[str, str], key: str) -> str | None:
    value = single.get(key, "").strip()
    return _bounded(key, value) if value else None


def _choice(single: dict[str, str], key: str, allowed: tuple[str, ...]) -> str | None:
    """The value of `key`, one of `allowed`, or None when not given."""
    value = single.get(key, "").strip()
    if value and value not in allowed:
        raise UsageError(f"{key} must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value or None


def _number(single: dict[str, str], key: str, default: int, most: int) -> int:
    value = single.get(key, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= most:
        raise UsageError(f"{key} must be a whole number from 1 to {most}, not {value[:40]!r}")
    return int(value)
