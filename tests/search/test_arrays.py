"""Sums in arrays: the same results as in lists, and numpy imported only when it pays."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressearch.index.writer import build
from pressearch.models import SearchRequest
from pressearch.search import arrays, scored, scoring
from pressearch.search.engine import Engine
from tests.conftest import sums_in_arrays

_WORDS = "police crime network customs cocaine border fraud court money europe".split()


def _records(count: int) -> list[dict[str, Any]]:
    """Articles whose bodies mix the words in many proportions (some in most articles)."""
    return [
        {
            "id": f"a{i}",
            "headline": " ".join(_WORDS[(i + k) % len(_WORDS)] for k in range(i % 3 + 1)),
            "body": " ".join(_WORDS[(i * k) % len(_WORDS)] for k in range(1, 4 + i % 9)),
            "date": f"20{10 + i % 12}-0{1 + i % 9}-1{i % 10}",
        }
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    lines = [json.dumps(record) for record in _records(400)]
    (folder / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("index") / "index"
    build([folder], index)
    return index


@pytest.fixture
def engine(index_dir: Path) -> Iterator[Engine]:
    opened = Engine(index_dir)
    yield opened
    opened.close()


QUERIES = [
    SearchRequest(text="police crime", limit=400),
    SearchRequest(
        text="police crime network customs fraud", match="any", facets=("year", "month"), limit=400
    ),
    SearchRequest(text='"customs cocaine" OR border', limit=400),
    SearchRequest(text="money -court", facets=("year",), limit=400, page=1),
    SearchRequest(text="europe fraud", match="any", facets=("year",), limit=7, page=2),
]


def _results(engine: Engine) -> list[Any]:
    results = []
    for request in QUERIES:
        found = engine.search(request, snippets=False)
        results.append((found.total, [(h.id, repr(h.score)) for h in found.hits], found.facets))
    return results


def test_searches_find_and_rank_the_same_in_arrays(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hits show scores rounded: the matchers' tests compare the floats themselves.
    in_lists = _results(engine)
    spied = [(scoring, "field_shares"), (scored, "sums"), (arrays, "tallies")]
    calls = sums_in_arrays(monkeypatch, True, spied)
    assert _results(engine) == in_lists
    assert all(total for total, _, _ in in_lists)
    assert {"field_shares", "sums", "tallies"} <= set(calls)
    assert sum(len(counts) for _, _, facets in in_lists for counts in facets.values()) > 10


@given(
    st.lists(st.sampled_from([0.5, 1.0, 1.25, 2.0, 3.5]), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=70),
)
def test_the_best_matches_of_arrays_are_those_of_lists(scores: list[float], keep: int) -> None:
    # Few distinct scores: ties at the keep-th highest, which every match tied with it passes.
    docnums = [3 * i + 1 for i in range(len(scores))]
    in_lists = scored.best_keys(docnums, scores, keep)
    in_arrays = arrays.best_keys(np.array(docnums, dtype=np.int64), np.array(scores), keep)
    assert in_arrays == in_lists
    assert all(type(s) is float and type(d) is int for s, d in in_arrays)


def test_few_postings_stay_in_lists() -> None:
    assert not arrays.use_arrays(arrays.ARRAY_POSTINGS - 1)


def test_numpy_is_imported_once_as_many_postings_were_summed_in_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    monkeypatch.setattr(arrays, "_listed", 0)
    monkeypatch.setattr(arrays, "IMPORT_POSTINGS", 5_000)
    many = arrays.ARRAY_POSTINGS
    assert [arrays.use_arrays(2 * many) for _ in range(4)] == [False, False, False, True]
    assert not arrays.use_arrays(many - 1)  # a short list stays in lists still


def _search_in_new_interpreter(index_dir: Path, import_postings: int) -> dict[str, Any]:
    """Whether numpy is imported after each of four searches in a new interpreter, the
    postings summed in lists after each, and the last search's hits."""
    code = (
        "import json, sys\n"
        "from pressearch import Archive, SearchRequest\n"
        "import pressearch.search.arrays as arrays\n"
        f"arrays.IMPORT_POSTINGS = {import_postings}\n"
        "arrays.ARRAY_POSTINGS = 1\n"
        f"archive = Archive.open({str(index_dir)!r})\n"
        "imported, listed = [], []\n"
        "for _ in range(4):\n"
        "    found = archive.search(SearchRequest(text='police crime network', match='any'))\n"
        "    imported.append('numpy' in sys.modules)\n"
        "    listed.append(arrays._listed)\n"
        "print(json.dumps({'numpy': imported, 'listed': listed,"
        " 'hits': [(h.id, repr(h.score)) for h in found.hits]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_a_process_imports_numpy_after_summing_as_many_postings_only(index_dir: Path) -> None:
    never = _search_in_new_interpreter(index_dir, import_postings=10**9)
    assert never["numpy"] == [False] * 4
    each = never["listed"][0]  # what one search sums in lists
    assert never["listed"] == [each, 2 * each, 3 * each, 4 * each]
    # No search sums 2.5 searches' postings, but the searches add up to that.
    in_time = _search_in_new_interpreter(index_dir, import_postings=5 * each // 2)
    assert in_time["numpy"] == [False, False, True, True]
    assert never["hits"] == in_time["hits"] != []
