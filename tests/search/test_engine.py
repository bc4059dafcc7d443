"""The engine on a small on-disk index: totals, order, paging, facets, suggestions, similar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.errors import ArticleNotFoundError, UsageError
from index.writer import build
from search.engine import Engine
from search.facets import FacetCount
from search.query import SearchRequest
from tests.conftest import write_article


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
