"""`split_words` cuts text into the words `WORD_PATTERN` finds, without the regex walk.

Against `re.findall` on any text (every code point, lone surrogates
included) and on texts built from the hard cases: joiners inside, around
and doubled, underscores, the typographic apostrophe, letters and digits
beyond ASCII, whitespace that only `str.split` knows, punctuation beyond
ASCII. And the analyzer's postings, which the indexer builds from those
words, are still the positions its own token walk gives.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.index.schema import WORD_PATTERN, build_schema, split_words

_PIECES = [
    *"aZé9٣_-.'’",
    "ab",
    "U.S.",
    "COVID-19",
    "O'Brien",
    "agency’s",
    "a--b",
    "x_y",
    " ",
    "\n",
    "\t",
    "\xa0",
    "\u2028",
    "\u3000",
    "\x1c",
    "“",
    "”",
    "—",
    "•",
    ",",
    ";",
    "(",
    "\ud800",
]
TEXTS = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=st.text())
def test_any_text_gives_the_patterns_words(text: str) -> None:
    assert split_words(text) == re.findall(WORD_PATTERN, text)


@settings(max_examples=1000, deadline=None)
@given(text=TEXTS)
def test_joined_and_punctuated_words_are_the_patterns(text: str) -> None:
    assert split_words(text) == re.findall(WORD_PATTERN, text)


def test_a_sentence() -> None:
    text = "“COVID-19 scams,” said O'Brien (Europol’s EC3) on 4.5.2020 — U.S. too_."
    assert split_words(text) == [
        "COVID-19",
        "scams",
        "said",
        "O'Brien",
        "Europol’s",
        "EC3",
        "on",
        "4.5.2020",
        "U.S",
        "too_",
    ]


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, name=st.sampled_from(["body", "speaker"]))
def test_index_terms_are_the_analyzers_tokens(text: str, name: str) -> None:
    analyzer = build_schema()[name].analyzer
    expected: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True, removestops=False, mode="index"):
        expected.setdefault(token.text, []).append(token.pos)
    positions, _ = analyzer.index_terms(text)
    assert positions == expected
