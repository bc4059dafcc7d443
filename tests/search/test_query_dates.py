"""Dates: compact dates year first, relative dates and Elasticsearch date math.

One `now` per query, passed in, so every expectation is fixed. The archive
is the query fixtures (tests/fixtures/query): ransom 2019-11-15, speech
2019-02-14, covid 2020-04-03, raid 2020-10-06, policy 2021-06-30, undated.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.searching import Searcher

from pressearch.errors import QueryError
from pressearch.models import Article, SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.query.dates import date_span
from pressearch.search.query.syntax import SYNTAX
from tests.conftest import index_in_segments

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "query"
NOW = dt.datetime(2020, 10, 10, 15, 30)


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def end_of(text: str) -> dt.datetime:
    return day(text).replace(hour=23, minute=59, second=59, microsecond=999_999)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("20231206", "2023-12-06", "2023-12-06"),  # year first, never 2023-06-12
        ("20230105", "2023-01-05", "2023-01-05"),
        ("2020", "2020-01-01", "2020-12-31"),
        ("2020-10", "2020-10-01", "2020-10-31"),
        ("6 October 2020", "2020-10-06", "2020-10-06"),
        ("06/10/2020", "2020-10-06", "2020-10-06"),
        ("now", "2020-10-10", "2020-10-10"),
        ("today", "2020-10-10", "2020-10-10"),
        ("Today", "2020-10-10", "2020-10-10"),
        ("yesterday", "2020-10-09", "2020-10-09"),
        ("now-7d", "2020-10-03", "2020-10-03"),
        ("now+1w", "2020-10-17", "2020-10-17"),
        ("now-1M", "2020-09-10", "2020-09-10"),
        ("now-1y/y", "2019-01-01", "2019-12-31"),
        ("now/M", "2020-10-01", "2020-10-31"),
        ("now/w", "2020-10-05", "2020-10-11"),  # Monday to Sunday
        ("now-1d/d", "2020-10-09", "2020-10-09"),
        ("2020-01-01||+1M", "2020-02-01", "2020-02-01"),
        ("2020-01-31||+1M", "2020-02-29", "2020-02-29"),
        ("2020||/y", "2020-01-01", "2020-12-31"),
        ("2019-12||-1y/M", "2018-12-01", "2018-12-31"),
    ],
)
def test_date_span(text: str, first: str, last: str) -> None:
    assert date_span(text, NOW) == (day(first), end_of(last))


@pytest.mark.parametrize(
    "text", ["20231306", "now+", "now-7x", "now-", "nowish", "x||+1d", "October"]
)
def test_unreadable_dates(text: str) -> None:
    assert date_span(text, NOW) is None


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    articles = [
        Article.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(FIXTURES.glob("*.json"))
    ]
    ix = index_in_segments(tmp_path_factory.mktemp("dates"), articles[:3], articles[3:])
    with ix.searcher() as s:
        yield s


def hits(searcher: Searcher, text: str, now: dt.datetime = NOW, **flags: Any) -> set[str]:
    compiled = compile_query(SearchRequest(text, **flags), searcher.reader(), now=now)
    return {
        hit["id"] for hit in searcher.search(compiled.query, filter=compiled.filter, limit=None)
    }


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("date:20201006", NOW, {"raid"}),
        ("date:[20191115 TO 20200403]", NOW, {"ransom", "covid"}),
        ("date:[now-7d TO now]", NOW, {"raid"}),
        ("date:[now-7d TO now]", day("2020-10-14"), set()),
        ("date:today", day("2020-10-06"), {"raid"}),
        ("date:yesterday", day("2020-10-07"), {"raid"}),
        ("date:[2020 TO today]", NOW, {"covid", "raid"}),
        ("date:>=now-1y", NOW, {"ransom", "covid", "raid", "policy"}),
        ("date:>now-1y/y", NOW, {"covid", "raid", "policy"}),  # after all of 2019
        ("date:now-1y/y", day("2021-03-01"), {"covid", "raid"}),
        ("date:[2020-01-01||+3M TO 2020-04-01||+1M/M]", NOW, {"covid"}),
        ("date:{now-1y/y TO now}", day("2021-08-01"), {"policy"}),
        ("europol date:<now/M", NOW, {"covid", "ransom"}),
    ],
)
def test_relative_dates_in_queries(
    searcher: Searcher, text: str, now: dt.datetime, expected: set[str]
) -> None:
    assert hits(searcher, text, now) == expected


def test_since_and_until_read_relative_dates(searcher: Searcher) -> None:
    assert hits(searcher, "europol", since="now-7d") == {"raid"}
    assert hits(searcher, "europol", since="now-1y/y", until="yesterday") == {
        "ransom",
        "covid",
        "raid",
    }
    assert hits(searcher, "", since="20201001", until="20201031") == {"raid"}


def test_a_relative_date_is_resolved_once_and_explained(searcher: Searcher) -> None:
    compiled = compile_query(
        SearchRequest("europol date:[now-7d TO now]", until="today"), searcher.reader(), now=NOW
    )
    assert compiled.explain == (
        "typed:  europol date:[now-7d TO now]\n"
        "query:  europol AND date:[2020-10-03 TO 2020-10-10] AND date:<=2020-10-10\n"
        "fields: words without a field search headline, body, quote and speaker\n"
        "now:    2020-10-10 15:30 (relative dates count from here)"
    )


def test_relative_date_errors_point_at_the_date(searcher: Searcher) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(SearchRequest("date:[now-7x TO now]"), searcher.reader(), now=NOW)
    assert caught.value.position == 6
    assert str(caught.value).startswith("unreadable date 'now-7x' at position 6")


def test_the_reference_lists_relative_dates() -> None:
    for example in ("date:today", "date:[now-7d TO now]", "now-1y/y", "2020-01-01||+1M"):
        assert example in SYNTAX
