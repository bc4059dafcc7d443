"""Stop words inside phrases: indexed at their positions, searched only in phrases.

A bare stop word is left out of a query (it would match nearly every
article); in a phrase it holds its place, so a phrase matches only where its
words stand that way, and a phrase made of stop words is found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.searching import Searcher

from pressearch.errors import QueryError
from pressearch.models import Article, SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.highlight import make_snippets, query_terms
from pressearch.search.query.parse import parse
from tests.conftest import index_in_segments

BODIES = {
    "apart": "I want to be sure of it before we act.",
    "together": "We want sure things, not guesses.",
    "band": "The Who played Tommy in full.",
    "hamlet": "To be or not to be, that is the question.",
    "question": "Who is the best? Nobody knows.",
    "fell": "Prices went down fast.",
    "street": "Downing Street spoke.",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    articles = [
        Article(id=key, path=f"/archive/{key}.md", headline="Report", body=body)
        for key, body in BODIES.items()
    ]
    ix = index_in_segments(Path(tmp_path_factory.mktemp("stops")), articles[:2], articles[2:])
    with ix.searcher() as s:
        yield s


def hits(searcher: Searcher, text: str) -> set[str]:
    compiled = compile_query(SearchRequest(text), searcher.reader())
    return {hit["id"] for hit in searcher.search(compiled.query, limit=None)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"want sure"', {"together"}),  # not "want to be sure"
        ('"want to be sure"', {"apart"}),
        ('"want sure"~3', {"together", "apart"}),  # three words between: three moves
        ('"The Who"', {"band"}),
        ('"to be or not to be"', {"hamlet"}),
        ('"who is the best"', {"question"}),
        ('"the who" played', {"band"}),
        ("want sure", {"together", "apart"}),  # bare words: stop words play no part
        ("want the sure", {"together", "apart"}),
        # "downing" is stemmed to "down", a stop word: the indexed stop word is
        # kept apart, so the article that went down is not found.
        ("downing", {"street"}),
        ('"went down"', {"fell"}),
    ],
)
def test_phrases_hold_their_stop_words(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected


def test_bare_stop_words_alone_are_still_refused(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="has only stop words"):
        compile_query(SearchRequest("the who"), searcher.reader())


def test_highlighting_follows_the_same_positions() -> None:
    article = Article(id="a", path="/a.md", headline="Report", body=BODIES["apart"] + " Want sure.")
    tree = parse('"want sure"')
    assert tree is not None
    (snippet,) = make_snippets(article, query_terms(tree))
    assert [snippet.text[a:b] for a, b in snippet.matches] == ["Want sure"]
