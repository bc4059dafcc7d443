"""Lucene's parser test cases (tests/search/lucene_cases.py) against pressearch's grammar.

Each query is parsed and written back in Lucene's notation (`+` must, `-`
must not, nothing for should, a nested query in parentheses, a field before
each word it applies to, parts in the order typed); it must read as the
case says. Queries the case calls errors must be refused, by the grammar or
by the compiler (unknown fields, patterns that would match everything).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.searching import Searcher

from pressearch.errors import QueryError
from pressearch.models import Article, SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.query.parse import parse
from pressearch.search.query.tree import (
    Boolean,
    Boost,
    DateRange,
    FacetRange,
    FacetValue,
    Field,
    Fuzzy,
    MatchAll,
    Node,
    Phrase,
    Wildcard,
    Word,
)
from tests.conftest import index_in_segments
from tests.search.lucene_cases import CASES, ERROR, LEFT_OUT, MATCH_ALL_CASES, Case

ALL_CASES = CASES + MATCH_ALL_CASES


def lucene(node: Node, field: str | None = None, top: bool = True) -> str:
    """`node` in Lucene's toString notation."""
    prefix = "" if field is None else f"{field}:"
    if isinstance(node, Boolean):
        marked = [("+", n) for n in node.must] + [("", n) for n in node.should]
        marked += [("-", n) for n in node.must_not]
        marked.sort(key=lambda pair: pair[1].start)
        text = " ".join(mark + lucene(n, field, top=False) for mark, n in marked)
        return text if top else f"({text})"
    if isinstance(node, Field):
        return lucene(node.child, node.field, top)
    if isinstance(node, Boost):
        return f"{lucene(node.child, field, top=False)}^{node.factor:g}"
    if isinstance(node, Word):
        return prefix + node.text.replace(":", "\\:")
    if isinstance(node, Phrase):
        if not re.search(r"\s", node.text.strip()):
            return prefix + node.text.strip()  # one word: Lucene's term
        return f'{prefix}"{node.text}"' + (f"~{node.slop}" if node.slop else "")
    if isinstance(node, Wildcard):
        return prefix + node.pattern
    if isinstance(node, Fuzzy):
        return f"{prefix}{node.text}~{node.distance}"
    if isinstance(node, FacetValue):
        value = f'"{node.value}"' if " " in node.value else node.value
        return f"{node.facet}:{value}"
    assert not isinstance(node, (DateRange, FacetRange, MatchAll)), "no Lucene case has one"
    raise AssertionError(node)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    article = Article(id="a", path="/archive/a.md", headline="Term", body="term germ")
    ix = index_in_segments(Path(tmp_path_factory.mktemp("lucene")), [article])
    with ix.searcher() as s:
        yield s


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.expected != ERROR], ids=str)
def test_lucene_case_reads_as_the_table_says(case: Case) -> None:
    tree = parse(case.query, match=case.match)
    assert tree is not None
    assert lucene(tree) == case.expected


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.expected == ERROR], ids=str)
def test_lucene_error_case_is_refused(case: Case, searcher: Searcher) -> None:
    # Refused as typed (the default mode); match "any" reads any text, the
    # characters that do not form valid syntax as words (search.query.lenient).
    with pytest.raises(QueryError) as caught:
        compile_query(SearchRequest(case.query, match="all"), searcher.reader())
    assert caught.value.position is None or 0 <= caught.value.position <= len(case.query)
    try:
        leniently = compile_query(SearchRequest(case.query, match="any"), searcher.reader())
    except QueryError as exc:
        assert "only stop words" in str(exc)  # "a AND": about the query as a whole
        assert exc.position is None
    else:
        assert "not valid query syntax, read as words" in leniently.explain


def test_every_exception_says_why() -> None:
    for case in ALL_CASES:
        if case.ours is not None and case.ours != case.lucene:
            assert case.why, case.query
    assert all(LEFT_OUT.values())
