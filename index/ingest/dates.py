"""Dates as newsrooms write them.

Model: a date is a full day, month and year. The canonical spellings
(`06 Oct 2020`, `2020-10-06`) are read directly; other spellings
(`6 October 2020`, `Tuesday, 6 October 2020`, `06/10/2020`) go to dateutil,
day first unless the year comes first, and count only when dateutil did not
have to complete a missing part.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as date_parser

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DATE_WORDS = frozenset(_MONTHS) | frozenset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday"
    " sat saturday sun sunday st nd rd th of".split()
)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_DATE_SHAPE_RE = re.compile(r"[0-9A-Za-z ,./\-]{6,40}")
_DATE_PARTS_RE = re.compile(r"[A-Za-z]+|\d+")
# Two different defaults reveal a date that dateutil completed from the default.
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2004, 2, 2))


def _date_from_dateutil(text: str) -> dt.date | None:
    """A full day/month/year read by dateutil, else None (day first unless year first)."""
    year_first = bool(re.match(r"\d{4}\b", text))
    try:
        found = [
            date_parser.parse(text, default=d, dayfirst=not year_first, yearfirst=year_first)
            for d in _DEFAULTS
        ]
    except (ValueError, OverflowError):
        return None
    if found[0] != found[1]:
        return None  # day, month or year missing
    return found[0].date()


def date_line(line: str) -> dt.date | None:
    """The date a line holds when the line is a date and nothing else, else None."""
    # The canonical spellings are read directly: dateutil costs ~30 µs a call.
    m = _DMY_RE.fullmatch(line)
    if m and m.group(2).lower() in _MONTHS:
        return _safe_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _ISO_DATE_RE.fullmatch(line)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not _DATE_SHAPE_RE.fullmatch(line):
        return None
    parts = _DATE_PARTS_RE.findall(line)
    if not any(len(p) == 4 and p.isdigit() for p in parts):
        return None
    if any(p.isalpha() and p.lower() not in _DATE_WORDS for p in parts):
        return None
    return _date_from_dateutil(line)


def date_value(value: str) -> dt.date | None:
    """A data field's date: an ISO date at its start (`2020-10-06T09:00`), else a full date."""
    m = _ISO_DATE_RE.match(value)
    if m and (found := _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
        return found
    return _date_from_dateutil(value)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
