"""Facet counts read document by document equal those of the column decoded whole.

`search.facets` reads the matches' values one document at a time until a
reader has asked for half the index, then decodes the column whole; counts
must not depend on which (segments lacking a facet, articles without
values, copies counted once under each value of any of them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.archive import Archive
from pressearch.index.schema import facet_field
from pressearch.index.writer import build
from pressearch.models import Article, SearchRequest
from pressearch.search.facets import _facet_column, _FacetColumn, _values, count_facets
from tests.conftest import index_in_segments, write_article

AREAS = ["Fraud", "Cybercrime", "Drug Trafficking", "Money Laundering"]


def _articles(run: int) -> list[Article]:
    articles = []
    for i in range(40):
        taxonomy = {"regions": (f"Region {i % 3}",)}
        if run != 1 and i % 5:  # the second segment has no crime areas at all
            taxonomy["crime_area"] = (AREAS[i % 4], AREAS[(i * 7) % 4])
        articles.append(
            Article(
                id=f"{run}-{i}",
                path=f"/archive/{run}/{i}.md",
                headline=f"Case {run} {i}",
                body="Police report on the case.",
                taxonomy=taxonomy,
            )
        )
    return articles


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return index_in_segments(tmp_path_factory.mktemp("lazy-facets"), *map(_articles, range(3)))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_values_looked_up_equal_the_column_decoded_whole(index: Any, data: st.DataObject) -> None:
    with index.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 3
        size = reader.doc_count_all()
        for name in ("crime_area", "regions"):
            field = facet_field(name)
            whole = _values(reader, field)
            column = _FacetColumn(reader, field)
            batches = data.draw(st.lists(st.lists(st.integers(0, size - 1), max_size=size // 3)))
            # Looked up, until half the index has been asked for; then decoded whole.
            for docs in [*batches, list(range(size)), batches[0] if batches else []]:
                assert list(column.values(docs)) == [whole[d] for d in docs]
            assert column._whole is not None


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_counts_with_copies_do_not_depend_on_how_values_are_read(
    index: Any, data: st.DataObject
) -> None:
    with index.searcher() as looking_up, index.searcher() as decoded:
        size = looking_up.reader().doc_count_all()
        docs = sorted(data.draw(st.sets(st.integers(0, size - 1), max_size=size // 3)))
        members = data.draw(st.lists(st.sampled_from(docs), max_size=4)) if docs else []
        group = tuple(sorted(set(members)))
        copies = {d: group for d in group} if len(group) > 1 else {}
        names = ["crime_area", "regions", "target_group"]
        for name in names:  # the second searcher's columns are decoded whole first
            _facet_column(decoded.reader(), facet_field(name)).values(range(size))
        assert count_facets(looking_up, docs, names, copies) == count_facets(
            decoded, docs, names, copies
        )


def test_a_search_opened_before_a_commit_counts_the_state_it_opened_on(tmp_path: Path) -> None:
    # The columns a search reads (facets, copies) are read when first asked
    # for, which may be after a commit replaced the segments it opened on.
    archive, index_dir = tmp_path / "archive", tmp_path / "index"

    def write(area: str) -> None:
        for i in range(12):
            write_article(
                archive,
                f"a{i}.md",
                headline="Customs seize cocaine" if i % 3 else f"Customs seize cocaine {i}",
                body="Officers seized cocaine at the port.",
                taxonomy={"CRIME AREAS": [area, f"Area {i % 2}"]},
            )

    write("Drug Trafficking")
    build([archive], index_dir)
    request = SearchRequest("cocaine", facets=("crime_area", "year"), limit=20)
    with Archive.open(index_dir) as before:
        expected = before.search(request)
    with Archive.open(index_dir) as opened:
        opened.search(SearchRequest("cocaine", collapse="none"), snippets=False)
        write("Fraud")
        build([archive], index_dir, rebuild=True)
        seen = opened.search(request)
        with Archive.open(index_dir) as after:
            now = after.search(request)
    assert (seen.total, seen.facets, [h.id for h in seen.hits]) == (
        expected.total,
        expected.facets,
        [h.id for h in expected.hits],
    )
    assert any(hit.duplicates for hit in seen.hits)
    assert now.facets != expected.facets
