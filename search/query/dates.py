"""Reading the dates a user types: calendar dates, relative dates, date math.

Model: every date expression names a span of days, from its first instant to
its last. A calendar date is as wide as what was written: `2020` is the
year, `2020-10` the month, `2020-10-06`, `20201006` (eight digits, year
first) and `6 October 2020` one day (python-dateutil reads the lenient
forms; a numeric date that does not start with a year is read day first,
06/10/2020 = 6 October). Relative dates are Elasticsearch's date math over
one `now`, passed in so that a query is resolved once and tests are
repeatable: `now`, `today`, `yesterday`, an anchor `2020-01-01||`, then
steps (`+1M`, `-7d`; units y M w d h m s) and roundings (`/y`, `/M`, `/w`,
`/d`). Article dates are days, so an expression names the day its instant
falls on, or the year, month or week it was rounded to: `now-7d` is the day
a week ago, `now-1y/y` last year. The same reading serves `date:` values and
ranges and `--since`/`--until`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from dateutil.relativedelta import relativedelta

Span = tuple[dt.datetime, dt.datetime]

DATE_HELP = 'write date:2020, date:2020-10, date:2020-10-06 or date:"6 October 2020"'

# Two different defaults reveal which parts of a date the user left out.
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2001, 2, 2)
_YEAR_FIRST = re.compile(r"\s*\d{4}\b")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_KEYWORDS = {"now": (0, None), "today": (0, "d"), "yesterday": (-1, "d")}
_MATH = re.compile(r"(?:(?P<sign>[+-])(?P<count>\d{1,6})|/)(?P<unit>[yMwdhHms])")
_STEPS = {
    "y": lambda n: relativedelta(years=n),
    "M": lambda n: relativedelta(months=n),
    "w": lambda n: relativedelta(weeks=n),
    "d": lambda n: relativedelta(days=n),
    "h": lambda n: relativedelta(hours=n),
    "H": lambda n: relativedelta(hours=n),
    "m": lambda n: relativedelta(minutes=n),
    "s": lambda n: relativedelta(seconds=n),
}


def is_relative(text: str) -> bool:
    """Whether `text` depends on the moment the query runs (`now`, `today`, ...)."""
    head = text.strip().split("||")[0].split("+")[0].split("-")[0].split("/")[0]
    return head.lower() in _KEYWORDS


def date_span(text: str, now: dt.datetime) -> Span | None:
    """First and last instant of the span `text` names, or None if unreadable."""
    text = text.strip()
    if "||" in text:
        anchor_text, _, math = text.partition("||")
        anchor = _calendar_span(anchor_text)
        return None if anchor is None else _apply(anchor[0], math, None)
    lowered = text.lower()
    for keyword, (days, rounding) in _KEYWORDS.items():
        if lowered.startswith(keyword):
            return _apply(now + dt.timedelta(days=days), text[len(keyword) :], rounding)
    return _calendar_span(text)


def _apply(instant: dt.datetime, math: str, rounding: str | None) -> Span | None:
    """The span after date-math `math` (steps and roundings) applied to `instant`."""
    at = 0
    while at < len(math):
        step = _MATH.match(math, at)
        if step is None:
            return None
        unit = step.group("unit")
        if step.group("sign"):
            count = int(step.group("count")) * (1 if step.group("sign") == "+" else -1)
            try:
                instant = instant + _STEPS[unit](count)
            except (OverflowError, ValueError):
                return None
            rounding = None
        else:
            instant, rounding = _round(instant, unit), unit
        at = step.end()
    return _unit_span(instant, rounding or "d")


def _round(instant: dt.datetime, unit: str) -> dt.datetime:
    if unit == "y":
        return instant.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return instant.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        return day - dt.timedelta(days=day.weekday())
    return day if unit == "d" else instant


def _unit_span(instant: dt.datetime, unit: str) -> Span:
    """The year, month, week or (for any finer unit) day that `instant` falls in."""
    start = _round(instant, unit if unit in "yMw" else "d")
    if unit == "y":
        end = start.replace(month=12, day=31)
    elif unit == "M":
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif unit == "w":
        end = start + dt.timedelta(days=6)
    else:
        end = start
    return start, _last_instant(end)


def _last_instant(day: dt.datetime) -> dt.datetime:
    return day.replace(hour=23, minute=59, second=59, microsecond=999_999)


def _calendar_span(text: str) -> Span | None:
    """The year, month or day a calendar date names, as wide as what was written.

    A date without a year is unreadable.
    """
    compact = _COMPACT.fullmatch(text.strip())
    if compact:
        try:
            year, month, day_of_month = (int(part) for part in compact.groups())
            day = dt.datetime(year, month, day_of_month)
        except ValueError:
            return None
        return day, _last_instant(day)
    # Imported here: dateutil's parser costs every query ~10 ms, and few have a date.
    from dateutil import parser as dateparser

    dayfirst = not _YEAR_FIRST.match(text)
    try:
        a = dateparser.parse(text, default=_DEFAULT_A, dayfirst=dayfirst, ignoretz=True)
        b = dateparser.parse(text, default=_DEFAULT_B, dayfirst=dayfirst, ignoretz=True)
    except (ValueError, OverflowError):
        return None
    if a.year != b.year:
        return None
    if a.month != b.month:
        if a.day == b.day:  # a day but no month
            return None
        return _unit_span(dt.datetime(a.year, 1, 1), "y")
    if a.day != b.day:
        return _unit_span(dt.datetime(a.year, a.month, 1), "M")
    return _unit_span(dt.datetime(a.year, a.month, a.day), "d")
