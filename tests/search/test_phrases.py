"""search.query.phrases: a phrase keeps its stop words exactly when the index holds them."""

from __future__ import annotations

from pressearch.index.schema import PressAnalyzer
from pressearch.search.query.phrases import phrase_words


class _StopWordsIndexed(PressAnalyzer):
    """An analyzer that says it indexes stop words at their positions."""

    stop_words_indexed = True


def test_a_phrase_leaves_stop_words_out_where_the_index_does() -> None:
    assert phrase_words(PressAnalyzer(), "I want to be sure") == ["want", "sure"]


def test_a_phrase_keeps_stop_words_where_the_index_holds_them() -> None:
    assert phrase_words(_StopWordsIndexed(), "I want to be sure") == [
        "i",
        "want",
        "to",
        "be",
        "sure",
    ]
    assert phrase_words(_StopWordsIndexed(), "The Who") == ["the", "who"]
