"""search.query.phrases: a phrase keeps its stop words exactly when the index holds them."""

from __future__ import annotations

from pressearch.index.schema import PressAnalyzer
from pressearch.search.query.phrases import phrase_words


class _StopWordsLeftOut(PressAnalyzer):
    """An analyzer that says it leaves stop words out of the index (schema version 2)."""

    stop_words_indexed = False


def test_a_phrase_leaves_stop_words_out_where_the_index_does() -> None:
    assert phrase_words(_StopWordsLeftOut(), "I want to be sure") == ["want", "sure"]


def test_a_phrase_keeps_stop_words_where_the_index_holds_them() -> None:
    # As the index holds them: unstemmed, behind the stop-word mark.
    assert phrase_words(PressAnalyzer(), "I want to be sure") == [
        "~i",
        "want",
        "~to",
        "~be",
        "sure",
    ]
    assert phrase_words(PressAnalyzer(), "The Who") == ["~the", "~who"]
