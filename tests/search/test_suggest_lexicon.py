"""Did you mean's shortcuts give what the long way gives: edit distances on what differs,
and the words of a prefix kept per segment between queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.support.levenshtein import damerau_levenshtein

from pressearch.archive import Archive
from pressearch.index.writer import build
from pressearch.search import suggest as suggest_module
from pressearch.search.suggest import _distance
from tests.conftest import write_article

# Few letters, so that shared starts and ends, repeats and swaps are common.
_words = st.text(alphabet="abcd", max_size=9)


@given(_words, _words, st.sampled_from([1, 2]))
def test_the_distance_on_what_differs_is_whooshs_within_the_limit(
    a: str, b: str, limit: int
) -> None:
    whole = damerau_levenshtein(a, b, limit)
    trimmed = _distance(a, b, limit)
    # Over the limit, either function may stop early with any number over it.
    if whole <= limit or trimmed <= limit:
        assert trimmed == whole


@given(st.text(alphabet="abc", min_size=3, max_size=3), _words, _words, st.sampled_from([1, 2]))
def test_words_sharing_a_start_and_an_end_keep_their_distance(
    shared: str, a: str, b: str, limit: int
) -> None:
    # As the candidates of did you mean do: the first three letters alike.
    left, right = shared + a + shared, shared + b + shared
    assert min(_distance(left, right, limit), limit + 1) == min(
        damerau_levenshtein(left, right, limit), limit + 1
    )


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("newsroom")
    archive = root / "archive"
    bodies = {
        "markets": "Markets rallied as the market opened; marketing budgets grew.",
        "coffee": "Coffee prices rose in Brazil; coffee growers were glad.",
        "phones": "Sales of the mobile phone rose again among mobile users.",
        "weather": "The weather in Brazil turned dry, and prices rose.",
    }
    for name, body in bodies.items():
        for i in range(3):
            write_article(archive, f"{name}{i}.md", headline=f"{name.upper()} {i}", body=body)
    index = root / "index"
    build([archive], index)
    return index


TYPOS = ["markt prices", "cofee brazl", "mobil phon", "wether brazil", "markt cofee", "cofee"]


def test_a_suggestion_is_the_same_whatever_the_queries_before_it(
    newsroom: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One engine per query: nothing kept from an earlier query.
    alone = {}
    for text in TYPOS:
        with Archive.open(newsroom) as archive:
            alone[text] = archive.search(text).suggestion
    assert alone["cofee brazl"] == "coffee brazil"
    # One engine for all, twice over, keeping one prefix per segment and
    # field: prefixes are kept, dropped and read again.
    monkeypatch.setattr(suggest_module, "PREFIXES_KEPT", 1)
    with Archive.open(newsroom) as archive:
        for text in [*TYPOS, *reversed(TYPOS)]:
            assert archive.search(text).suggestion == alone[text], text
