"""search.scoring (with the query side in search.query): exact orders and scores on tiny indexes.

Each test indexes a few hand-written JSON Lines articles, each showing one
thing, and checks the order the engine returns (ties: newer first) or, where
the model itself is the point, the exact InB2 score over weighted fields.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from math import log2
from pathlib import Path
from typing import Any

import pytest
from whoosh import query

from pressearch.index.schema import build_schema
from pressearch.index.writer import build
from pressearch.models import Article, Quote, SearchRequest, Speaker
from pressearch.search import arrays
from pressearch.search import scored as scored_module
from pressearch.search import scoring as scoring_module
from pressearch.search.compile import compile_query
from pressearch.search.engine import Engine
from pressearch.search.scored import ScoredList, summed
from pressearch.search.scoring import (
    C,
    WordInFields,
    preloaded_phrases,
    preloaded_term_trees,
    preloaded_word,
    term_weight,
    union_word,
    weighting,
)
from tests.conftest import index_in_segments, matcher_postings, sums_in_arrays, word_terms


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Any]:
    """Index the given articles (JSON Lines records) and open an Engine on them."""
    engines: list[Engine] = []

    def make(*articles: dict[str, Any]) -> Engine:
        folder = tmp_path / f"archive{len(engines)}"
        folder.mkdir()
        lines = [json.dumps({"date": "2020-01-01", **a}) for a in articles]
        (folder / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        index_dir = tmp_path / f"index{len(engines)}"
        build([folder], index_dir)
        engines.append(Engine(index_dir))
        return engines[-1]

    yield make
    for engine in engines:
        engine.close()


def art(id: str, body: str, date: str, headline: str = "Report") -> dict[str, Any]:
    """A JSON Lines article with a plain headline."""
    return {"id": id, "headline": headline, "body": body, "date": date}


# Scoring is about every article: identical ones are not collapsed (see test_collapse).
def ids(engine: Engine, text: str, match: str = "any") -> list[str]:
    request = SearchRequest(text=text, match=match, collapse="none")  # type: ignore[arg-type]
    result = engine.search(request, snippets=False)
    return [hit.id for hit in result.hits]


def scores(engine: Engine, text: str, match: str = "any") -> dict[str, float]:
    request = SearchRequest(text=text, match=match, collapse="none")  # type: ignore[arg-type]
    result = engine.search(request, snippets=False)
    return {hit.id: hit.score for hit in result.hits}


def inb2(weight: float, tfn: float) -> float:
    return weight * tfn / (tfn + 1)


def factor(length: float, average: float) -> float:
    """Normalisation 2: what one occurrence counts in a field of `length` words."""
    return log2(1 + C * average / length)


def test_word_weight_is_inverse_document_frequency_times_bernoulli_after_effect() -> None:
    assert term_weight(10, 1, 1) == pytest.approx(log2(11 / 1.5) * 2 / 1)
    assert term_weight(10, 10, 10) == pytest.approx(log2(11 / 10.5) * 11 / 10)  # never negative
    assert term_weight(10, 0, 0) == 0.0
    # As many articles, more occurrences in them: a topic word, weighing more.
    assert term_weight(10, 2, 6) > term_weight(10, 2, 2)


def test_one_field_score_is_inb2_with_the_field_weight(make_engine: Any) -> None:
    engine = make_engine(
        {"id": "a", "headline": "Alpha beta", "body": "Gamma delta"},
        {"id": "b", "headline": "Gamma delta epsilon zeta", "body": "Eta theta"},
    )
    # alpha: once in a headline of 2 words (average 3); headline weight 3,
    # so its weighted frequency in the index is 3.
    expected = inb2(term_weight(2, 1, 3), 3 * 1 * factor(2, 3))
    assert scores(engine, "headline:alpha") == {"a": pytest.approx(expected, abs=1e-4)}
    # As a bare word it is searched in every field; only the headline has it.
    assert scores(engine, "alpha") == {"a": pytest.approx(expected, abs=1e-4)}


def test_word_in_headline_and_body_is_saturated_once(make_engine: Any) -> None:
    engine = make_engine(
        {"id": "a", "headline": "Alpha beta", "body": "Alpha gamma"},
        {"id": "b", "headline": "Gamma delta epsilon zeta", "body": "Eta theta"},
    )
    # Headline: 3 * 1 * factor(2, 3); body: 1 * factor(2, 2): summed, then
    # saturated once; in the index alpha occurs 3 + 1 times (weighted).
    tfn = 3 * factor(2, 3) + 1 * factor(2, 2)
    expected = inb2(term_weight(2, 1, 4), tfn)
    assert scores(engine, "alpha") == {"a": pytest.approx(expected, abs=1e-4)}


def test_a_word_its_articles_repeat_weighs_more_than_one_said_once(make_engine: Any) -> None:
    # fraud and storm are each in two articles; the articles with fraud repeat
    # it (the Bernoulli after-effect), so of two otherwise equal articles the
    # one with fraud ranks first even though it is the older (ties: newer first).
    engine = make_engine(
        art("fraud-once", "Fraud report filed", "2020-01-01"),
        art("storm-once", "Storm report filed", "2021-01-01"),
        art("fraud-case", "Fraud, fraud and more fraud", "2019-01-01"),
        art("storm-warning", "Storm warning issued today", "2019-01-01"),
    )
    assert ids(engine, "fraud storm") == ["fraud-case", "fraud-once", "storm-once", "storm-warning"]


def test_matching_two_words_beats_one_word_in_two_fields(make_engine: Any) -> None:
    # Summing per-field scores (as Whoosh's BM25F does) ranked "twice" first.
    engine = make_engine(
        {"id": "twice", "headline": "Fraud case", "body": "The fraud was reported."},
        {"id": "both", "headline": "Court case", "body": "The bank reported fraud."},
        {"id": "other", "headline": "Court case", "body": "The weather was fine."},
    )
    assert ids(engine, "fraud bank") == ["both", "twice"]


def test_repeated_query_word_counts_as_often_as_typed(make_engine: Any) -> None:
    engine = make_engine(
        art("alpha", "Alpha gamma delta", "2021-01-01"),
        art("beta", "Beta gamma delta", "2020-01-01"),
    )
    assert ids(engine, "alpha beta") == ["alpha", "beta"]  # equal scores: newer first
    assert ids(engine, "alpha beta beta") == ["beta", "alpha"]
    assert ids(engine, "alpha beta beta", match="all") == []  # no article has both
    one, two = scores(engine, "alpha beta"), scores(engine, "alpha beta beta")
    assert two["beta"] == pytest.approx(2 * one["beta"], abs=1e-4)
    assert two["alpha"] == one["alpha"]


def test_a_word_typed_three_times_or_boosted_counts_the_sum(make_engine: Any) -> None:
    engine = make_engine(
        art("alpha", "Alpha gamma delta", "2021-01-01"),
        art("beta", "Beta gamma delta", "2020-01-01"),
    )
    one = scores(engine, "alpha beta")
    for typed, times in (("beta beta beta", 3), ("beta^2 beta", 3), ("beta beta^0.5 beta", 2.5)):
        summed = scores(engine, f"alpha {typed}")
        assert summed["beta"] == pytest.approx(times * one["beta"], abs=1e-4), typed
        assert summed["alpha"] == one["alpha"]
    reader = engine._searcher.reader()
    for typed in ("alpha beta beta beta", "alpha beta^2 beta"):
        compiled = compile_query(SearchRequest(text=typed), reader)
        assert len(compiled.query.subqueries) == 2, typed  # one clause a word


def test_repeated_word_weighs_more_with_match_all(make_engine: Any) -> None:
    engine = make_engine(
        art("alpha", "Alpha alpha beta gamma", "2021-01-01"),
        art("beta", "Alpha beta beta gamma", "2020-01-01"),
    )
    assert ids(engine, "alpha beta", match="all") == ["alpha", "beta"]
    assert ids(engine, "alpha beta beta", match="all") == ["beta", "alpha"]


def test_rarer_word_outweighs_a_common_one(make_engine: Any) -> None:
    engine = make_engine(
        art("rare", "Cartel smuggling routes", "2015-01-01"),
        *(art(f"common{i}", "Police smuggling routes", f"202{i}-01-01") for i in range(4)),
    )
    assert ids(engine, "cartel police") == ["rare", "common3", "common2", "common1", "common0"]


def test_headline_above_quote_above_body(make_engine: Any) -> None:
    # Newest in reverse order, so that dates cannot explain the order.
    engine = make_engine(
        {
            "id": "headline",
            "headline": "Smuggling ring",
            "body": "Officers met in town.",
            "quotes": [{"text": "Work goes on."}],
            "date": "2015-01-01",
        },
        {
            "id": "quote",
            "headline": "Port ring",
            "body": "Officers met in town.",
            "quotes": [{"text": "Smuggling goes on."}],
            "date": "2018-01-01",
        },
        {
            "id": "body",
            "headline": "Port ring",
            "body": "Officers met smuggling town.",
            "quotes": [{"text": "Work goes on."}],
            "date": "2021-01-01",
        },
    )
    assert ids(engine, "smuggling", match="all") == ["headline", "quote", "body"]


def test_more_matching_words_rank_higher(make_engine: Any) -> None:
    engine = make_engine(
        art("one", "Europol met.", "2022-01-01"),
        art("two", "Europol arrested.", "2021-01-01"),
        art("three", "Europol arrested smugglers.", "2020-01-01"),
    )
    assert ids(engine, "europol arrested smugglers") == ["three", "two", "one"]


def test_shorter_field_ranks_first(make_engine: Any) -> None:
    engine = make_engine(
        art("long", "Smuggling routes across many borders", "2021-01-01"),
        art("short", "Smuggling routes", "2020-01-01"),
    )
    assert ids(engine, "smuggling") == ["short", "long"]


def test_match_any_also_searches_the_parts_of_a_compound(make_engine: Any) -> None:
    engine = make_engine(
        art("compound", "A three-dimensional flow", "2020-01-01"),
        art("apart", "A three dimensional flow", "2021-01-01"),
    )
    assert ids(engine, "three-dimensional", match="all") == ["compound"]
    # The parts find both; the compound as written adds to its article.
    assert ids(engine, "three-dimensional") == ["compound", "apart"]


def test_phrases_and_wildcards_still_score(make_engine: Any) -> None:
    engine = make_engine(
        art("phrase", "Organised crime grows.", "2020-01-01", headline="Organised crime report"),
        art("words", "Crime is organised.", "2021-01-01"),
    )
    assert ids(engine, '"organised crime"', match="all") == ["phrase"]
    assert all(s > 0 for s in scores(engine, '"organised crime"', match="all").values())
    assert ids(engine, "organis*", match="all") == ["phrase", "words"]
    assert all(s > 0 for s in scores(engine, "organis*", match="all").values())


def test_dense_and_sparse_any_queries_rank_alike(
    make_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # match="any" sums scores in an array when matches are dense, in a tree
    # of unions otherwise: the two must give the same scores.
    engine = make_engine(
        art("a", "Europol arrested smugglers in Spain.", "2020-01-01", headline="Europol raid"),
        art("b", "Smugglers moved migrants to Spain.", "2021-01-01"),
        art("c", "Police in Spain arrested two men.", "2022-01-01"),
        art("d", "The weather was fine.", "2023-01-01"),
    )
    text = "europol arrested smugglers spain police"
    monkeypatch.setattr("pressearch.search.matchers.DENSE", 0.0)
    dense = scores(engine, text)
    monkeypatch.setattr("pressearch.search.matchers.DENSE", float("inf"))
    sparse = scores(engine, text)
    assert list(dense) == list(sparse) == ["a", "c", "b"]
    assert dense == pytest.approx(sparse)


# --- Per-segment fast paths: the same matches and scores as Whoosh's matchers ---


def _segment_articles() -> tuple[list[Article], list[Article]]:
    """Two segments; 'common' is in 300 bodies (several posting blocks), 'lonely' in one."""
    first = [
        Article(
            id=f"a{i}",
            path=f"/archive/a{i}.md",
            headline="Organised crime report" if i % 7 == 0 else f"Bulletin {i}",
            body=(
                "Organised crime networks moved common goods. " * (1 + i % 3)
                + ("The crime was organised. " if i % 5 == 0 else "")
                + ("A lonely witness spoke. " if i == 42 else "")
            ),
            date=None if i % 11 == 0 else dt.date(2019 + i % 4, 1 + i % 12, 1 + i % 28),
            quotes=(Quote("Organised crime never sleeps.", "Ana Ruiz"),) if i % 9 == 0 else (),
            speakers=(Speaker("Ana Ruiz", "Europol"),) if i % 9 == 0 else (),
        )
        for i in range(300)
    ]
    second = [
        Article(
            id=f"b{i}",
            path=f"/archive/b{i}.md",
            headline="Crime organised abroad",
            body="Common crime, organised crime and more organised crime.",
            date=dt.date(2021, 6, 1 + i),
        )
        for i in range(20)
    ]
    return first, second


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A searcher over two segments, one with deleted documents."""
    first, second = _segment_articles()
    ix = index_in_segments(tmp_path_factory.mktemp("segmented"), first, second)
    writer = ix.writer()
    for article in (first[3], first[10], second[2]):
        writer.delete_by_term("id", article.id)
    writer.commit(merge=False)
    with ix.searcher(weighting=weighting()) as searcher:
        assert len(searcher.leaf_searchers()) == 2
        yield searcher


@pytest.fixture(params=["lists", "arrays"])
def sums_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Sums over postings in lists, or in arrays however few; the arrays' calls, listed."""
    spied = [(scoring_module, "field_shares"), (scored_module, "sums")]
    return sums_in_arrays(monkeypatch, request.param == "arrays", spied)


def _same_postings(fast: Any, plain: Any) -> int:
    """Asserts two matchers give the same documents with the same scores (to rounding);
    returns how many."""
    fast_postings, plain_postings = matcher_postings(fast), matcher_postings(plain)
    assert [d for d, _ in fast_postings] == [d for d, _ in plain_postings]
    assert [s for _, s in fast_postings] == pytest.approx([s for _, s in plain_postings], rel=1e-12)
    return len(fast_postings)


@pytest.mark.parametrize("text", ["organised", "crime", "common", "lonely", "ruiz", "absent"])
def test_preloaded_word_scores_as_the_union_of_field_matchers(
    segmented: Any, text: str, sums_in: list[str]
) -> None:
    terms = word_terms(text)
    word_weight = term_weight(segmented.doc_count_all(), 7, 9)
    for leaf, _ in segmented.leaf_searchers():
        fast = matcher_postings(preloaded_word(leaf, terms, word_weight, 1.5))
        plain = matcher_postings(union_word(leaf, None, terms, word_weight, 1.5))
        assert fast == plain  # the same floats, not just close ones
        assert {docnum for docnum, _ in fast} <= set(leaf.reader().all_doc_ids())
    assert bool(sums_in) == (_arrays_on() and text != "absent")


@pytest.mark.parametrize("text", ["organised", "crime", "common"])
def test_preloaded_word_within_scores_only_those_articles(
    segmented: Any, text: str, sums_in: list[str]
) -> None:
    terms = word_terms(text)
    for leaf, _ in segmented.leaf_searchers():
        every = matcher_postings(preloaded_word(leaf, terms, 2.0, 1.0))
        within = sorted({docnum for docnum, _ in every[::3]} | {0, 5})
        some = matcher_postings(preloaded_word(leaf, terms, 2.0, 1.0, within))
        assert some == [(docnum, score) for docnum, score in every if docnum in within]


def _arrays_on() -> bool:
    return arrays.ARRAY_POSTINGS == 1


def test_preloaded_word_matches_every_article_having_it(segmented: Any, sums_in: list[str]) -> None:
    found = {
        segmented.stored_fields(offset + docnum)["id"]
        for leaf, offset in segmented.leaf_searchers()
        for docnum, _ in matcher_postings(preloaded_word(leaf, word_terms("lonely"), 1.0, 1.0))
    }
    assert found == {"a42"}
    total = sum(
        len(matcher_postings(preloaded_word(leaf, word_terms("common"), 1.0, 1.0)))
        for leaf, _ in segmented.leaf_searchers()
    )
    assert total == 300 + 20 - 3  # deleted articles left out


def _phrases(*words: str, boost: float = 1.0) -> list[query.Phrase]:
    schema = build_schema()
    return [
        query.Phrase(
            field,
            [next(schema[field].process_text(w, mode="query")) for w in words],
            boost=boost,
        )
        for field in ("headline", "body", "quotes", "speaker")
    ]


@pytest.mark.parametrize(
    "words",
    [
        ("organised", "crime"),
        ("crime", "organised"),
        ("organised", "crime", "never"),
        ("lonely", "witness"),
        ("crime", "lonely"),
    ],
)
def test_preloaded_phrases_score_as_whoosh_phrase_matchers(
    segmented: Any, words: tuple[str, ...]
) -> None:
    phrases = _phrases(*words, boost=1.25)
    context = segmented.context()
    matched = 0
    for leaf, _ in segmented.leaf_searchers():
        matched += _same_postings(
            preloaded_phrases(leaf, phrases, 2.0),
            query.Or(phrases, boost=2.0).matcher(leaf, context),
        )
    # Live articles with the words side by side (a stop word holds its place:
    # "The crime was organised" is not the phrase "crime organised").
    assert (
        matched
        == {
            ("organised", "crime"): 298 + 19,  # every body
            ("crime", "organised"): 19,  # headlines of b
            ("organised", "crime", "never"): 34,  # the quotes
            ("lonely", "witness"): 1,
            ("crime", "lonely"): 0,
        }[words]
    )


def test_engine_uses_the_fast_phrase_path(segmented: Any) -> None:
    context = segmented.context()
    leaf = segmented.leaf_searchers()[0][0]
    assert isinstance(
        WordInFields(_phrases("organised", "crime")).matcher(leaf, context), ScoredList
    )
    assert isinstance(WordInFields(word_terms("crime")).matcher(leaf, context), ScoredList)
    # A phrase with slop, in one field only, or a search that needs the matched
    # terms: Whoosh's matchers.
    alone = WordInFields(_phrases("organised", "crime")[:1], boost=2.0)
    assert not isinstance(alone.matcher(leaf, context), ScoredList)
    sloppy = [query.Phrase(p.fieldname, p.words, slop=3) for p in _phrases("crime", "organised")]
    assert not isinstance(WordInFields(sloppy).matcher(leaf, context), ScoredList)
    current = context.set(needs_current=True)
    assert not isinstance(
        WordInFields(_phrases("organised", "crime")).matcher(leaf, current), ScoredList
    )


def test_summed_scores_as_whoosh_array_union(segmented: Any, sums_in: list[str]) -> None:
    context = segmented.context()
    words = [WordInFields(word_terms(w), boost=b) for w, b in (("organised", 1.0), ("lonely", 2.0))]
    clauses = [*words, WordInFields(_phrases("crime", "organised")), query.Term("id", "b4")]
    found = 0
    for leaf, _ in segmented.leaf_searchers():
        fast = matcher_postings(summed([q.matcher(leaf, context) for q in clauses], 0.5))
        plain = matcher_postings(query.PreloadedOr(clauses, boost=0.5).matcher(leaf, context))
        assert fast == plain
        found += len(fast)
    assert found == 300 - 2 + 20 - 1  # "organised" is in every live article
    assert ("sums" in sums_in) == _arrays_on()


def test_preloaded_term_trees_score_as_whoosh_ors(segmented: Any) -> None:
    # A wildcard's words per field: terms, and Ors of terms (boosts at each level;
    # an Or of one part is that part, its boost ignored, as in Whoosh).
    parts: list[query.Query] = [
        query.Term("headline", "organ*"),  # no such word: nothing
        query.Or([query.Term("body", "organis"), query.Term("body", "common", boost=2.0)]),
        query.Or([query.Term("quotes", "crime")], boost=3.0),
        query.Or([query.Term("speaker", "ruiz"), query.Term("speaker", "ana")], boost=0.5),
    ]
    context = segmented.context()
    leaf = segmented.leaf_searchers()[0][0]
    assert isinstance(WordInFields(parts).matcher(leaf, context), ScoredList)
    found = 0
    for leaf, _ in segmented.leaf_searchers():
        found += _same_postings(
            preloaded_term_trees(leaf, parts, 1.5),
            query.Or(parts, boost=1.5).matcher(leaf, context),
        )
    assert found == 300 - 2 + 20 - 1
