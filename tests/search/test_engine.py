"""The engine on a small on-disk index: totals, order, paging, facets, suggestions, similar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TopCollector
from whoosh.util.times import datetime_to_long

from pressearch.errors import ArticleNotFoundError, UsageError
from pressearch.index.writer import build
from pressearch.models import Article, FacetCount, SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.engine import Engine, _collect
from pressearch.search.matchers import ColumnDateRange
from pressearch.search.scoring import weighting
from pressearch.vocabulary import DATE_FIELD
from tests.conftest import index_in_segments, write_article


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    archive = tmp_path / "archive"
    # Same text, so the same score: the tie must be broken newer first.
    for name, date in (
        ("old.md", "01 Jan 2016"),
        ("new.md", "01 Jan 2022"),
        ("mid.md", "01 Jan 2019"),
    ):
        write_article(
            archive,
            name,
            headline=f"SMUGGLING REPORT {name[:-3].upper()}",
            body="Smuggling networks moved migrants across the border.",
            date=date,
            taxonomy={"CRIME AREAS": ["Migrant Smuggling"], "TARGET GROUPS": ["Law Enforcement"]},
            url=f"https://news.example.org/{name[:-3]}",
        )
    write_article(
        archive,
        "undated.md",
        headline="SMUGGLING NOTE",
        body="Police dismantled a smuggling ring; no date on this one.",
        taxonomy={
            "CRIME AREAS": ["Migrant Smuggling", "Fraud"],
            "TARGET GROUPS": ["General Public"],
        },
    )
    write_article(
        archive,
        "police.md",
        headline="POLICE ACADEMY OPENS",
        body="The police academy trains officers in cybercrime investigations.",
        date="05 May 2020",
        url="https://news.example.org/academy",
    )
    write_article(
        archive,
        "europol.md",
        headline="EUROPOL AND POLICE FORCES",
        body="Europol supported police forces in six countries.",
        date="06 Jun 2021",
        url="https://news.example.org/europol",
    )
    index_dir = tmp_path / "index"
    build([archive], index_dir)
    with Engine(index_dir) as eng:
        yield eng


def headlines(engine: Engine, request: SearchRequest) -> list[str]:
    return [h.headline for h in engine.search(request).hits]


def test_equal_scores_newer_first(engine: Engine) -> None:
    assert headlines(engine, SearchRequest(text="migrants")) == [
        "SMUGGLING REPORT NEW",
        "SMUGGLING REPORT MID",
        "SMUGGLING REPORT OLD",
    ]


def test_sort_by_date_puts_undated_last(engine: Engine) -> None:
    newest = headlines(engine, SearchRequest(text="smuggling", sort="newest"))
    oldest = headlines(engine, SearchRequest(text="smuggling", sort="oldest"))
    assert newest == [
        "SMUGGLING REPORT NEW",
        "SMUGGLING REPORT MID",
        "SMUGGLING REPORT OLD",
        "SMUGGLING NOTE",
    ]
    assert oldest == [
        "SMUGGLING REPORT OLD",
        "SMUGGLING REPORT MID",
        "SMUGGLING REPORT NEW",
        "SMUGGLING NOTE",
    ]


def test_paging_and_total(engine: Engine) -> None:
    first = engine.search(SearchRequest(text="smuggling", sort="newest", limit=3, page=1))
    second = engine.search(SearchRequest(text="smuggling", sort="newest", limit=3, page=2))
    assert (first.total, first.pages, second.total) == (4, 2, 4)
    assert [h.rank for h in first.hits] == [1, 2, 3]
    assert [(h.rank, h.headline) for h in second.hits] == [(4, "SMUGGLING NOTE")]


def test_and_not_keeps_every_match(engine: Engine) -> None:
    # Regression: Whoosh's optimised collector dropped hits under AND NOT.
    result = engine.search(SearchRequest(text="police -europol", limit=50))
    assert result.total == len(result.hits) == 2
    assert sorted(h.headline for h in result.hits) == ["POLICE ACADEMY OPENS", "SMUGGLING NOTE"]


def test_facets_count_every_match_not_only_the_page(engine: Engine) -> None:
    result = engine.search(
        SearchRequest(text="smuggling", limit=1, facets=("crime_area", "target_group"))
    )
    assert len(result.hits) == 1
    assert result.facets == {
        "crime_area": [FacetCount("Migrant Smuggling", 4), FacetCount("Fraud", 1)],
        "target_group": [FacetCount("Law Enforcement", 3), FacetCount("General Public", 1)],
    }


def test_filters_drill_down_and_facets_follow(engine: Engine) -> None:
    result = engine.search(
        SearchRequest(text="smuggling", filters=(("crime", "fraud"),), facets=("target_group",))
    )
    assert [h.headline for h in result.hits] == ["SMUGGLING NOTE"]
    assert result.facets == {"target_group": [FacetCount("General Public", 1)]}


def test_snippets_only_when_asked(engine: Engine) -> None:
    with_snippets = engine.search(SearchRequest(text="academy"))
    without = engine.search(SearchRequest(text="academy"), snippets=False)
    (hit,) = with_snippets.hits
    (snippet,) = hit.snippets
    assert snippet.text == "The police academy trains officers in cybercrime investigations."
    assert snippet.matches == ((11, 18),)
    assert without.hits[0].snippets == ()


def test_did_you_mean(engine: Engine) -> None:
    result = engine.search(SearchRequest(text="smugling migrants"))
    assert result.total == 0
    assert result.suggestion == "smuggling migrants"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ('"smugling networks"', '"smuggling networks"'),  # bare phrases too
        ("(smugling OR academy) AND migrnts", "(smuggling OR academy) AND migrants"),
        ("migrnts -smugling", "migrants -smugling"),  # not the words under NOT
        ("migrnts OR crime_area:smugling", "migrants OR crime_area:smugling"),  # not values
        ("smug* migrnts", "smug* migrants"),  # nor patterns
    ],
)
def test_did_you_mean_respells_only_the_searched_words(
    engine: Engine, text: str, suggestion: str
) -> None:
    assert engine.search(SearchRequest(text=text)).suggestion == suggestion


def test_no_suggestion_when_the_query_finds_plenty(engine: Engine) -> None:
    assert engine.search(SearchRequest(text="smuggling")).suggestion is None


def test_similar_finds_the_closest_and_not_itself(engine: Engine) -> None:
    result = engine.similar("https://news.example.org/old", limit=2)
    # The two with the same text as the article; their order is a score tie.
    assert sorted(h.headline for h in result.hits) == [
        "SMUGGLING REPORT MID",
        "SMUGGLING REPORT NEW",
    ]


def test_similar_unknown_article(engine: Engine) -> None:
    with pytest.raises(ArticleNotFoundError):
        engine.similar("nope")


def test_export_has_every_match_in_order(engine: Engine) -> None:
    hits = list(engine.export(SearchRequest(text="smuggling", sort="oldest")))
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert hits[-1].headline == "SMUGGLING NOTE"


def test_bad_paging_is_a_usage_error(engine: Engine) -> None:
    with pytest.raises(UsageError, match="--page must be at least 1"):
        engine.search(SearchRequest(text="smuggling", page=0))


# --- Date ranges from the date column: the same matches as Whoosh's range ---


def _dated(id: str, date: dt.date | None) -> Article:
    return Article(id=id, path=f"/archive/{id}.md", headline="Report", body="Smuggling.", date=date)


@pytest.fixture(scope="module")
def dated_searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Two segments of articles a day apart, undated ones among them, one deleted."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    first = [_dated(f"a{i}", None if i % 6 == 0 else day) for i, day in enumerate(days)]
    second = [_dated(f"b{i}", day) for i, day in enumerate(days[::3])]
    ix = index_in_segments(tmp_path_factory.mktemp("dated"), first, second)
    writer = ix.writer()
    writer.delete_by_term("id", "a5")
    writer.commit(merge=False)
    with ix.searcher(weighting=weighting()) as searcher:
        yield searcher


def _long(day: dt.date) -> int:
    return int(datetime_to_long(dt.datetime(day.year, day.month, day.day)))


def _matches(searcher: Any, q: wq.Query) -> list[tuple[str, float]]:
    out = []
    for leaf, offset in searcher.leaf_searchers():
        m = q.matcher(leaf, searcher.context())
        while m.is_active():
            out.append((searcher.stored_fields(offset + m.id())["id"], m.score()))
            m.next()
    return out


@pytest.mark.parametrize(
    ("start", "end", "startexcl", "endexcl"),
    [
        (dt.date(2020, 1, 5), dt.date(2020, 1, 20), False, False),
        (dt.date(2020, 1, 5), dt.date(2020, 1, 20), True, True),
        (None, dt.date(2020, 1, 10), False, False),
        (dt.date(2020, 2, 1), None, False, False),
        (None, None, False, False),
        (dt.date(2021, 1, 1), None, False, False),
    ],
)
def test_column_date_range_matches_as_whoosh_range(
    dated_searcher: Any,
    start: dt.date | None,
    end: dt.date | None,
    startexcl: bool,
    endexcl: bool,
) -> None:
    low = None if start is None else _long(start)
    high = None if end is None else _long(end)
    plain = wq.NumericRange(DATE_FIELD, low, high, startexcl, endexcl, boost=2.0)
    column = ColumnDateRange(DATE_FIELD, low, high, startexcl, endexcl, boost=2.0)
    found = _matches(dated_searcher, column)
    assert found == _matches(dated_searcher, plain)
    # Undated articles and the deleted one never match; every match scores the boost.
    assert not {"a0", "a6", "a5"} & {id for id, _ in found}
    assert {score for _, score in found} <= {2.0}


def test_every_date_of_the_tree_is_a_column_range_inside_and_or(dated_searcher: Any) -> None:
    text = "smuggling (date:[2020-01-02 TO 2020-01-04] OR date:2020-01-20)"
    compiled = compile_query(SearchRequest(text), dated_searcher.reader())
    ranges = [q for q in compiled.query.leaves() if isinstance(q, wq.NumericRange)]
    assert len(ranges) == 2
    assert all(isinstance(q, ColumnDateRange) for q in ranges)
    # a0 and a18 are undated, a5 deleted; b holds every third day.
    assert sorted(id for id, _ in _matches(dated_searcher, compiled.query)) == [
        "a1",
        "a19",
        "a2",
        "a3",
        "b1",
    ]


# --- Collecting: every match, and the top as Whoosh's TopCollector keeps it ---


@pytest.mark.parametrize("keep", [1, 3, 100])
@pytest.mark.parametrize("filtered", [False, True])
def test_collect_keeps_what_whoosh_top_collector_keeps(
    dated_searcher: Any, keep: int, filtered: bool
) -> None:
    # Equal scores throughout (the same body everywhere): ties pick lower docnums.
    q = wq.Or([wq.Term("body", "smuggl"), wq.Term("id", "b3", boost=5.0)])
    allow_q = wq.Or([wq.Term("id", f"a{i}") for i in range(0, 40, 2)] + [wq.Term("id", "b3")])
    top = TopCollector(keep, usequality=False, replace=0)
    collector: Any = FilterCollector(top, allow_q) if filtered else top
    dated_searcher.search_with_collector(q, collector)
    expected = [(hit.docnum, hit.score) for hit in collector.results()]
    allowed = set(dated_searcher.docs_for_query(allow_q)) if filtered else None
    matched, best = _collect(dated_searcher, q, allowed, keep)
    assert best == expected
    assert best[0] == (dated_searcher.document_number(id="b3"), expected[0][1])
    assert len(best) == min(keep, len(matched))
    everything = set(dated_searcher.docs_for_query(q))
    assert matched == sorted(everything & allowed if allowed is not None else everything)
    assert len(matched) == (21 if filtered else 39 + 14)
