"""What a typed value means in the field it is given to: dates, facet values, ranges.

Model: the grammar reads a value the same way wherever it stands (a word, a
"phrase", a [low TO high] range, a >, >=, <, <= comparison); the field in
front of it decides what it becomes. In a text field or the URL it stays a
word, phrase or wildcard; after `date:` it becomes a `DateRange`, each typed
date widened to the span it names (`search.query.dates`, resolved against
one `now`); after any other name it is a facet value, or a `FacetRange` for
year and month, whose values sort as text. Ranges anywhere else are an
error, as are wildcards and ~ in dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pressearch.errors import QueryError
from pressearch.search.query.dates import DATE_HELP, Span, date_span, is_relative
from pressearch.search.query.messages import show
from pressearch.search.query.tree import DateRange, FacetRange, FacetValue, Node
from pressearch.vocabulary import DATE_FIELD, QUERY_FIELDS, URL_FIELD

TEXT_QUERY_FIELDS = tuple(f for f in QUERY_FIELDS if f not in (URL_FIELD, DATE_FIELD))
# Facets compared as text with ranges (their values sort as dates do).
RANGE_FACETS = ("year", "month")


@dataclass(frozen=True)
class Target:
    """The field a value is given to (canonical name; None: the default fields)."""

    name: str | None
    name_start: int

    @property
    def holds_text(self) -> bool:
        """Whether values stay words, phrases and wildcards (text fields, the URL)."""
        return self.name is None or self.name in TEXT_QUERY_FIELDS or self.name == URL_FIELD


DEFAULT = Target(None, -1)


class Values:
    """Turns the values of one query's non-text fields into tree nodes."""

    def __init__(self, text: str, now: dt.datetime) -> None:
        self.text = text
        self.now = now

    def error(self, message: str, position: int) -> QueryError:
        return QueryError(message, query=self.text, position=position)

    def value(
        self, target: Target, typed: str, wild: bool, start: int, end: int, inner: int
    ) -> Node:
        """A word or phrase value (`inner`: where its text starts) of a date or facet field."""
        assert target.name is not None
        if target.name == DATE_FIELD:
            if wild:
                raise self.date_pattern(typed, start)
            return self.dates(typed, typed, True, True, start, end, (inner, inner))
        return FacetValue(target.name, typed, wild, start, end, target.name_start)

    def ranged(
        self,
        target: Target,
        low: str | None,
        high: str | None,
        inclusive: tuple[bool, bool],
        span: tuple[int, int],
        positions: tuple[int, int],
    ) -> Node:
        """A range or comparison; `positions` are where its two bounds were typed."""
        start, end = span
        if target.name == DATE_FIELD:
            if low is None and high is None:
                raise self.error(
                    f"date range at position {start} has no dates — write date:[2019 TO 2021]",
                    start,
                )
            return self.dates(low, high, *inclusive, start, end, positions)
        if target.name in RANGE_FACETS:
            return FacetRange(target.name, low, high, *inclusive, start, end, target.name_start)
        shown = "headline" if target.name is None else target.name
        raise self.error(
            f"range at position {start} can't be used on {shown} — ranges work on date, year "
            "and month: date:[2019 TO 2021-06]",
            start,
        )

    def dates(
        self,
        low: str | None,
        high: str | None,
        low_inclusive: bool,
        high_inclusive: bool,
        start: int,
        end: int,
        positions: tuple[int, int],
    ) -> DateRange:
        """A date range from typed bounds: each bound widened to the span it names."""
        first = self.span(low, positions[0])
        last = self.span(high, positions[1])
        low_at = None if first is None else (first[0] if low_inclusive else first[1])
        high_at = None if last is None else (last[1] if high_inclusive else last[0])
        if low_at is not None and high_at is not None and low_at > high_at:
            raise self.error(
                f"date range at position {start} ends before it starts — swap the two dates",
                start,
            )
        relative = any(b is not None and is_relative(b) for b in (low, high))
        return DateRange(low_at, high_at, low_inclusive, high_inclusive, relative, start, end)

    def span(self, typed: str | None, position: int) -> Span | None:
        if typed is None:
            return None
        found = date_span(typed, self.now)
        if found is None:
            raise self.error(
                f"unreadable date {show(typed)} at position {position} — {DATE_HELP}", position
            )
        return found

    def date_pattern(self, typed: str, position: int) -> QueryError:
        return self.error(
            f"date value {show(typed)} at position {position} can't use wildcards or ~ — "
            f"{DATE_HELP}",
            position,
        )

    def not_fuzzy(self, node: Node) -> QueryError:
        """The error for `~` after a date or facet value."""
        if isinstance(node, DateRange):
            return self.date_pattern(self.text[node.start : node.end], node.start)
        assert isinstance(node, FacetValue)
        return self.error(
            f"fuzzy matching at position {node.start} works on text fields only — write the "
            f"{node.facet} value exactly, or use wildcards: {node.facet}:*part*",
            node.start,
        )
