"""Facet counts and drill-down filters on small hand-built indexes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.searching import Searcher

from pressearch.errors import UsageError
from pressearch.index.segments import document_fields
from pressearch.models import Article, FacetCount
from pressearch.search.facets import count_facets
from tests.conftest import index_in_segments


def art(
    id: str,
    *,
    date: dt.date | None = None,
    type: str | None = None,
    **taxonomy: tuple[str, ...],
) -> Article:
    return Article(
        id=id,
        path=f"/archive/{id}.md",
        headline=f"Article {id}",
        body="Police cooperation.",
        date=date,
        type=type,
        taxonomy=taxonomy,
    )


def ids(searcher: Searcher, q: wq.Query | None) -> list[str]:
    assert q is not None
    return sorted(searcher.stored_fields(d)["id"] for d in searcher.docs_for_query(q))


ARTICLES = [
    art(
        "a",
        date=dt.date(2020, 10, 6),
        type="News Article",
        target_group=("General Public", "Law Enforcement"),
        crime_area=("Cybercrime",),
    ),
    art(
        "b",
        date=dt.date(2021, 3, 1),
        type="Press Release",
        target_group=("Law Enforcement", "Industry", "Law Enforcement"),
        crime_area=("Fraud", "Cybercrime"),
    ),
    art("c", date=dt.date(2020, 1, 2), type="News Article", target_group=("industry",)),
    art("d", type="Event", regions=("Baltic States",), entity=("Šiaulių Policija",)),
    art("e", date=dt.date(2020, 5, 5), target_group=("Law Enforcement",)),
]


@pytest.fixture
def searcher(tmp_path: Path) -> Iterator[Searcher]:
    # Three segments; the middle one has no target_group or crime_area column.
    ix = index_in_segments(tmp_path, ARTICLES[:3], ARTICLES[3:4], ARTICLES[4:])
    with ix.searcher() as s:
        yield s


def all_docs(searcher: Searcher) -> list[int]:
    return list(searcher.docs_for_query(wq.Every()))


def test_multi_valued_counts_over_every_document(searcher: Searcher) -> None:
    counts = count_facets(searcher, all_docs(searcher), ["target_group", "crime_area"])
    assert counts == {
        "target_group": [
            FacetCount("Law Enforcement", 3),  # b lists it twice: counted once
            FacetCount("General Public", 1),
            # Values are kept as spelled, ordered ignoring case (then capitals first).
            FacetCount("Industry", 1),
            FacetCount("industry", 1),
        ],
        "crime_area": [FacetCount("Cybercrime", 2), FacetCount("Fraud", 1)],
    }


def test_counts_only_the_documents_given(searcher: Searcher) -> None:
    docs = list(searcher.docs_for_query(wq.Term("facet_type", "News Article")))
    counts = count_facets(searcher, docs, ["target_group", "year", "month"])
    assert counts == {
        "target_group": [
            FacetCount("General Public", 1),
            FacetCount("industry", 1),
            FacetCount("Law Enforcement", 1),
        ],
        "year": [FacetCount("2020", 2)],
        "month": [FacetCount("2020-01", 1), FacetCount("2020-10", 1)],
    }
    assert count_facets(searcher, [], ["target_group"]) == {"target_group": []}


def test_all_aliases_and_repeats(searcher: Searcher) -> None:
    docs = all_docs(searcher)
    counts = count_facets(searcher, docs, ["all"])
    assert list(counts) == [
        "target_group",
        "crime_area",
        "entity",
        "regions",
        "year",
        "month",
        "type",
    ]
    assert counts["regions"] == [FacetCount("Baltic States", 1)]
    assert counts["entity"] == [FacetCount("Šiaulių Policija", 1)]
    both = count_facets(searcher, docs, ["target", "crime", "Target_Group", "all"])
    assert list(both)[:2] == ["target_group", "crime_area"]
    assert len(both) == len(counts)


def test_standard_facet_absent_from_the_index_counts_nothing(searcher: Searcher) -> None:
    assert count_facets(searcher, all_docs(searcher), ["org", "source"]) == {
        "organisation": [],
        "source": [],
    }


def test_unknown_facet_name_names_the_closest_and_the_rest(searcher: Searcher) -> None:
    with pytest.raises(UsageError) as error:
        count_facets(searcher, all_docs(searcher), ["region"])
    assert str(error.value) == (
        "unknown facet 'region' — did you mean 'regions'? Known facets: crime_area, entity, "
        "month, organisation, regions, source, target_group, type, year"
    )
    with pytest.raises(UsageError, match=r"^unknown facet 'zzz' Known facets: crime_area"):
        count_facets(searcher, all_docs(searcher), ["zzz"])


def test_deleted_documents_and_new_segments(tmp_path: Path) -> None:
    ix = index_in_segments(tmp_path, ARTICLES[:3], ARTICLES[3:])
    with ix.searcher() as s:
        assert count_facets(s, all_docs(s), ["type"])["type"][0] == FacetCount("News Article", 2)
    writer = ix.writer()
    writer.delete_by_term("id", "a")
    added = art("f", type="Event")
    writer.add_document(**document_fields(added, added.path, "0:0"))
    writer.commit(merge=False)
    with ix.searcher() as s:
        assert count_facets(s, all_docs(s), ["type"]) == {
            "type": [
                FacetCount("Event", 2),
                FacetCount("News Article", 1),
                FacetCount("Press Release", 1),
            ]
        }
