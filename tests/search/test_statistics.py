"""Term statistics kept per segment are Whoosh's: frequencies, presence, estimated sizes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query

from pressearch.index.schema import STOP_WORDS, build_schema
from pressearch.models import Article, Quote, Speaker
from pressearch.search.scoring import WordInFields, weighting
from pressearch.search.statistics import (
    estimated_size,
    prefetch_words,
    term_stats,
    word_statistics,
)
from pressearch.vocabulary import TEXT_FIELDS
from tests.conftest import index_in_segments

# 100 made-up words (no stop words, which queries leave out)
WORDS = [
    w
    for w in (f"{c}{v}{d}{e}" for c in "bdkm" for v in "aeiou" for d in "lnrst" for e in "ao")
    if w not in STOP_WORDS
][:100]


def _articles(prefix: str, count: int, step: int) -> list[Article]:
    return [
        Article(
            id=f"{prefix}{i}",
            path=f"/archive/{prefix}{i}.md",
            headline=" ".join(WORDS[(i * step) % 100 : (i * step) % 100 + 3]),
            body=" ".join(WORDS[(i * step + k * 7) % 100] for k in range(12)),
            date=dt.date(2020, 1, 1 + i % 28),
            quotes=(Quote(f"{WORDS[i % 100]} said", "Ana Ruiz"),) if i % 5 == 0 else (),
            speakers=(Speaker("Ana Ruiz", "Europol"),) if i % 5 == 0 else (),
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Three segments that each hold some of the words, one with deleted documents."""
    segments = (_articles("a", 40, 3), _articles("b", 15, 11), _articles("c", 25, 17))
    ix = index_in_segments(tmp_path_factory.mktemp("statistics"), *segments)
    writer = ix.writer()
    writer.delete_by_term("id", "a4")
    writer.commit(merge=False)
    with ix.searcher(weighting=weighting()) as s:
        yield s


def _whooshs(searcher: Any, text: str | bytes) -> tuple[int, float]:
    df = max(int(searcher.doc_frequency(name, text)) for name in TEXT_FIELDS)
    return df, sum(float(searcher.frequency(name, text)) for name in TEXT_FIELDS)


def _stemmed(word: str) -> str:
    return str(next(build_schema()["body"].process_text(word, mode="query")))


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    prefetched=st.lists(st.sampled_from([*WORDS, "zzz", "aaa", "said"]), max_size=30),
    asked=st.lists(st.sampled_from([*WORDS, "zzz", "said", "ana"]), min_size=1, max_size=10),
)
def test_word_statistics_are_the_searchers(
    searcher: Any, prefetched: list[str], asked: list[str]
) -> None:
    for leaf, _ in searcher.reader().leaf_readers():
        leaf_cache_reset(leaf)
    prefetch_words(searcher, [_stemmed(w) for w in prefetched])
    for word in asked:
        text = _stemmed(word)
        assert word_statistics(searcher, text) == _whooshs(searcher, text)
        assert word_statistics(searcher, text.encode()) == _whooshs(searcher, text.encode())
        for leaf, _ in searcher.reader().leaf_readers():
            for name in TEXT_FIELDS:
                found = term_stats(leaf, name, text.encode())
                assert (found is not None) == ((name, text) in leaf)
                if found is not None:
                    assert found == (leaf.doc_frequency(name, text), leaf.frequency(name, text))


def leaf_cache_reset(leaf: Any) -> None:
    """Forget a segment's kept statistics, so that each example walks afresh."""
    from pressearch.index.reader import segment_cached

    segment_cached(leaf, "term statistics", dict).clear()


def test_estimated_sizes_are_whooshs(searcher: Any) -> None:
    schema = build_schema()
    words = ["bal", "kin", "mus", "zzz", "said"]
    terms = [
        query.Term(f, next(schema[f].process_text(w, mode="query")))
        for w in words
        for f in TEXT_FIELDS
    ]
    queries: list[query.Query] = [
        *terms,
        query.Phrase("body", [_stemmed(WORDS[0]), _stemmed(WORDS[1])]),
        query.Phrase("body", [_stemmed(WORDS[0]), "zzz"]),
        query.Or(terms[:6]),
        query.Or([query.Or(terms[:3]), terms[7]]),
        query.And(terms[:2]),
    ]
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        for q in queries:
            assert estimated_size(q, reader) == q.estimate_size(reader)
        word = WordInFields(terms[:4])
        assert word.estimate_size(reader) == query.Or(terms[:4]).estimate_size(reader)
    top = searcher.reader()
    for q in queries:
        assert estimated_size(q, top) == q.estimate_size(top)
