"""search.kept_sums: a common word's sums kept per reader give the very scores summed afresh.

The store's rules (kept at once for a whole segment, at the second meeting
for an And's articles, the least recently used let go past the budget),
its picking, and the engine's answers with sums kept (every word common)
against a reader that keeps none, float for float, in lists and in arrays,
over segments with deleted articles.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pressearch.index.writer import build
from pressearch.models import Article, SearchRequest
from pressearch.search import kept_sums as kept_module
from pressearch.search import scoring as scoring_module
from pressearch.search.engine import Engine
from pressearch.search.kept_sums import KeptSums, WordSums, kept_sums
from pressearch.search.scoring import preloaded_word, term_weight, union_word, weighting
from tests.conftest import index_in_segments, matcher_postings, sums_in_arrays, word_terms

WORDS = "police customs fraud smuggling cocaine port border seized network arrest".split()


def _articles(prefix: str, count: int, seed: int) -> list[Article]:
    pick = random.Random(seed)
    return [
        Article(
            id=f"{prefix}{i}",
            path=f"/archive/{prefix}{i}.md",
            headline=" ".join(pick.sample(WORDS, 2)).capitalize(),
            body=" ".join(pick.choice(WORDS) for _ in range(pick.randint(3, 40))),
            date=dt.date(2020, 1 + i % 12, 1 + i % 28),
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two segments (several posting blocks each), three articles deleted."""
    ix = index_in_segments(
        tmp_path_factory.mktemp("kept"), _articles("a", 400, 1), _articles("b", 250, 2)
    )
    writer = ix.writer()
    for ident in ("a3", "a200", "b7"):
        writer.delete_by_term("id", ident)
    writer.commit(merge=False)
    return ix


@pytest.fixture
def searcher(index: Any) -> Iterator[Any]:
    """A new searcher (so a reader of its own, keeping nothing yet) per test."""
    with index.searcher(weighting=weighting()) as searcher:
        assert len(searcher.leaf_searchers()) == 2
        yield searcher


@pytest.fixture(params=["lists", "arrays"])
def sums_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sums_in_arrays(monkeypatch, request.param == "arrays")


def _made(calls: list[str], key: str = "word") -> Any:
    def make() -> tuple[list[int], list[float]]:
        calls.append(key)
        return [1, 4, 9], [0.5, 1.5, 2.5]

    return make


def _ask(store: KeptSums, key: str, calls: list[str], whole: bool = True) -> WordSums | None:
    return store.sums(key, 3, whole, _made(calls, key))


def test_sums_for_a_whole_segment_are_kept_at_once() -> None:
    store, calls = KeptSums(), []
    first = _ask(store, "word", calls)
    assert first is not None and list(first.docnums) == [1, 4, 9]
    assert _ask(store, "word", calls, whole=False) is first
    assert calls == ["word"]


def test_an_ands_articles_keep_the_sums_from_the_second_meeting() -> None:
    store, calls = KeptSums(), []
    assert _ask(store, "word", calls, whole=False) is None  # a one-off query pays nothing more
    assert calls == []
    kept = _ask(store, "word", calls, whole=False)
    assert kept is not None and calls == ["word"]
    assert _ask(store, "word", calls, whole=False) is kept
    assert calls == ["word"]


def test_room_is_made_only_for_a_word_asked_for_more_often() -> None:
    store, calls = KeptSums(budget=7), []
    a, b = _ask(store, "a", calls), _ask(store, "b", calls)  # 6 of 7 postings
    assert _ask(store, "a", calls) is a  # "a" asked twice, and now the most recent
    assert _ask(store, "c", calls) is None  # "b", the least recent, is asked for as often
    assert _ask(store, "b", calls) is b
    c = _ask(store, "c", calls)  # twice now: "a" (twice, least recent) stays, "b" ...
    assert c is None  # ... was asked for twice as well: nothing gives way
    assert _ask(store, "c", calls) is not None  # three times: "a" goes (twice, least recent)
    assert calls == ["a", "b", "c"]
    assert _ask(store, "b", calls) is b
    assert _ask(store, "a", calls, whole=False) is None  # "a" (3) is not above "c" (3)


def test_words_that_recur_more_than_fit_do_not_push_each_other_out() -> None:
    store, calls = KeptSums(budget=6), []
    for _ in range(10):
        for key in "xyz":
            _ask(store, key, calls, whole=False)
    assert calls == ["x", "y"]  # summed whole once each, then picked from


@pytest.mark.parametrize("aging", [8, 10**9])
def test_halved_counts_let_a_new_subject_in(aging: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept_module, "_AGING", aging)
    store, calls = KeptSums(budget=3), []
    for _ in range(6):
        _ask(store, "old", calls)
    for _ in range(5):
        _ask(store, "new", calls, whole=False)
    # The 8th word asked for halves the counts: "old" 6 -> 3, and "new" passes it at 4.
    assert calls == (["old", "new"] if aging == 8 else ["old"])


def test_sums_larger_than_the_budget_are_never_made() -> None:
    store, calls = KeptSums(budget=2), []
    assert _ask(store, "a", calls) is None
    assert _ask(store, "a", calls) is None
    assert calls == []


@pytest.mark.parametrize("in_arrays", [False, True])
@pytest.mark.parametrize("within", [[], [4], [0, 4, 5, 9, 10], [0, 2, 3], [9, 12], [10, 11]])
def test_pick_gives_the_articles_asked_for_that_have_the_word(
    within: list[int], in_arrays: bool
) -> None:
    sums = WordSums([1, 4, 9], [0.5, 1.5, 2.5])
    docnums, frequencies = sums.pick(within, in_arrays)
    expected = [(d, f) for d, f in [(1, 0.5), (4, 1.5), (9, 2.5)] if not within or d in within]
    assert list(zip(list(docnums), list(frequencies), strict=True)) == expected
    assert isinstance(docnums, list) is not in_arrays  # numpy's arrays, kept as they are
    if in_arrays and not within:  # the kept sums themselves, which no query may change
        assert not docnums.flags.writeable and not frequencies.flags.writeable


def test_the_reader_keeps_one_store(searcher: Any) -> None:
    assert kept_sums(searcher) is kept_sums(searcher)


@pytest.mark.parametrize("text", ["police", "fraud", "arrest", "absent"])
def test_kept_sums_score_as_the_union_of_field_matchers(
    searcher: Any, text: str, sums_in: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scoring_module, "COMMON_POSTINGS", 1)
    terms = word_terms(text)
    weight = term_weight(searcher.doc_count_all(), 90, 130)
    for leaf, _ in searcher.leaf_searchers():
        plain = matcher_postings(union_word(leaf, None, terms, weight, 1.5))
        made = matcher_postings(preloaded_word(leaf, terms, weight, 1.5))  # whole: kept
        picked = matcher_postings(preloaded_word(leaf, terms, weight, 1.5))  # from the kept sums
        assert made == plain and picked == plain  # the same floats
    kept = kept_sums(searcher)._kept
    assert len(kept) == (0 if text == "absent" else 2)


@pytest.mark.parametrize("text", ["police", "cocaine"])
def test_kept_sums_give_an_ands_articles_the_scores_summed_for_them(
    searcher: Any, text: str, sums_in: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    terms = word_terms(text)
    for leaf, _ in searcher.leaf_searchers():
        ids = sorted(leaf.reader().all_doc_ids())
        for within in (ids[::5], ids[1::2], [ids[0]], [ids[-1]], ids):
            monkeypatch.setattr(scoring_module, "COMMON_POSTINGS", 10**12)
            afresh = matcher_postings(preloaded_word(leaf, terms, 2.0, 1.0, within))
            monkeypatch.setattr(scoring_module, "COMMON_POSTINGS", 1)
            for _ in range(3):  # met, kept, picked
                assert matcher_postings(preloaded_word(leaf, terms, 2.0, 1.0, within)) == afresh


QUERIES = [
    "police",
    "police fraud",
    "customs AND port",
    "cocaine OR border OR arrest",
    "seized network police",
    "headline:fraud smuggling",
    "police -border",
    '"police customs"',
    "fraud",
    "police fraud",
]


def _answers(engine: Engine) -> list[list[tuple[str, float]]]:
    out = []
    for text in QUERIES:
        request = SearchRequest(text=text, limit=1000, collapse="none")
        result = engine.search(request, snippets=False)
        out.append([(hit.id, hit.score) for hit in result.hits])
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built from two files, then again after one of them lost articles."""
    root = tmp_path_factory.mktemp("archive")
    folder = root / "articles"
    folder.mkdir()
    files = {"a.jsonl": _articles("a", 400, 3), "b.jsonl": _articles("b", 250, 4)}

    def write(name: str, articles: list[Article]) -> None:
        lines = [
            json.dumps({"id": a.id, "headline": a.headline, "body": a.body, "date": str(a.date)})
            for a in articles
        ]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    for name, articles in files.items():
        write(name, articles)
    index_dir = root / "index"
    build([folder], index_dir)
    write("b.jsonl", [a for a in files["b.jsonl"] if a.id not in ("b1", "b90", "b200")])
    build([folder], index_dir)
    return index_dir


def test_an_engine_answers_the_same_with_every_word_kept(
    archive: Path, sums_in: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scoring_module, "COMMON_POSTINGS", 10**12)
    with Engine(archive) as engine:
        afresh = _answers(engine)
    monkeypatch.setattr(scoring_module, "COMMON_POSTINGS", 1)
    with Engine(archive) as engine:
        assert engine._searcher.reader().has_deletions()
        for _ in range(3):  # words met, then kept, then picked from
            assert _answers(engine) == afresh
        assert kept_module.kept_sums(engine._searcher)._kept  # sums were kept
    assert sum(map(len, afresh)) > 1000
