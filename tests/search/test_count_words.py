"""Did you mean's count of plain words: the matches a search lists, counted without scores.

Hypothesis builds small archives in several segments, some articles
deleted, and checks that `_count_words` finds as many articles as the
search's own collector (`_collect`) for plain words, with and without a
facet filter, words the archive lacks included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pressearch.errors import QueryError
from pressearch.models import Article, SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.engine import _collect, _count_words, _plain_words
from pressearch.search.scoring import weighting
from tests.conftest import index_in_segments
from tests.search.test_query_properties import AREAS, NOW, SETTINGS, WORDS, segmented


@SETTINGS
@given(
    segmented(),
    st.lists(st.sampled_from((*WORDS, "zulu")), min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(AREAS)),
    st.sets(st.integers(0, 13), max_size=3),
)
def test_a_count_of_plain_words_is_the_number_of_matches(
    segments: list[list[Article]], words: list[str], area: str | None, deleted: set[int]
) -> None:
    with tempfile.TemporaryDirectory() as root:
        ix = index_in_segments(Path(root), *segments)
        if deleted:
            writer = ix.writer()
            for i in deleted:
                writer.delete_by_term("id", f"a{i}")
            writer.commit(merge=False)
        with ix.searcher(weighting=weighting()) as searcher:
            filters = (("crime_area", area),) if area else ()
            request = SearchRequest(text=" ".join(words), filters=filters)
            try:
                compiled = compile_query(request, searcher.reader(), now=NOW)
            except QueryError:
                # A filter on a value no article has is refused before any count.
                assert area is not None
                assert not _has_area(segments, deleted, area)
                return
            allowed = (
                None if compiled.filter is None else set(searcher.docs_for_query(compiled.filter))
            )
            plain = _plain_words(compiled.query, searcher)
            assert plain is not None
            matched, _best = _collect(searcher, compiled.query, allowed, 1)
            assert _count_words(searcher, plain, allowed) == len(matched)


def _has_area(segments: list[list[Article]], deleted: set[int], area: str) -> bool:
    return any(
        area in article.taxonomy.get("crime_area", ())
        for segment in segments
        for article in segment
        if article.id not in {f"a{i}" for i in deleted}
    )


def test_other_shapes_are_left_to_the_search() -> None:
    with tempfile.TemporaryDirectory() as root:
        ix = index_in_segments(Path(root), [])
        with ix.searcher(weighting=weighting()) as searcher:
            for text in ('"alpha bravo"', "alpha -bravo", "alpha OR bravo", "headline:alpha"):
                compiled = compile_query(SearchRequest(text=text), searcher.reader(), now=NOW)
                assert _plain_words(compiled.query, searcher) is None, text
