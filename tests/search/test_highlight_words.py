"""The highlighter reads a text's words as the analyzer does, without walking them in Python.

It cuts a text with `split_words`, looks their forms up in the analyzer's
table and finds the offsets of only the words that match, by searching for
their letters. Against `PressAnalyzer.word_spans` (the analyzer's own walk):
the same words, forms, offsets and positions, and the same matches.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.index.schema import build_schema, split_words
from pressearch.search.highlight import (
    _WORD,
    FieldTerms,
    _find,
    _form_span,
    _forms,
    _merge,
    _starts,
    _Word,
)

SCHEMA = build_schema()

# Words, joiners, accents and spaces in every order: compounds (`a-b`, `x.y`),
# possessives (`x's`, `x’s`), joiners that join nothing (`a-`, `-b`, `a--b`).
TEXTS = st.lists(
    st.sampled_from([*"abcsSÉé19_", "-", ".", "'", "’", " ", "\n", "the", "a's", "ab"]),
    max_size=40,
).map("".join)


def _analysed(name: str, text: str) -> list[tuple[int, int, int, tuple[str, ...]]]:
    surfaces = split_words(text)
    forms = _forms(name, surfaces)
    indices = [i for i, its in enumerate(forms) if its]
    positions = {i: pos for pos, i in enumerate(indices)}
    starts = _starts(text, surfaces, indices)
    return [
        (positions[i], start, start + len(surfaces[i]), forms[i])
        for i, start in zip(indices, starts, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, name=st.sampled_from(["body", "speaker"]))
def test_the_words_are_the_analyzers(text: str, name: str) -> None:
    assert _analysed(name, text) == list(SCHEMA[name].analyzer.word_spans(text))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_the_words_spelt_alike_are_found_where_the_analyzer_puts_them(
    text: str, data: st.DataObject
) -> None:
    surfaces = split_words(text)
    chosen = data.draw(st.sets(st.sampled_from(surfaces))) if surfaces else set()
    indices = [i for i, surface in enumerate(surfaces) if surface in chosen]
    expected = [m.start() for i, m in enumerate(_WORD.finditer(text)) if i in indices]
    assert _starts(text, surfaces, indices) == expected


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_matches_are_those_of_the_analyzers_words(text: str, data: st.DataObject) -> None:
    spans = list(SCHEMA["body"].analyzer.word_spans(text))
    forms = sorted({form for *_, its in spans for form in its})
    words = frozenset(data.draw(st.sets(st.sampled_from(forms)))) if forms else frozenset()
    expected = [
        (*_form_span("body", text, _Word(*span), form), form)
        for span in spans
        for form in span[3]
        if form in words
    ]
    terms = FieldTerms(words=words)
    assert _find("body", text, terms) == _merge(expected)
    # A second text read with the same terms reuses what the first taught them.
    assert _find("body", text + " " + text, terms) == _find(
        "body", text + " " + text, FieldTerms(words=words)
    )


def test_a_part_of_a_compound_is_not_taken_for_the_word_spelt_so() -> None:
    # "b" and "c" stand inside "a-b" and "a.c" before they stand as words.
    text = "a-b a.c b c"
    surfaces = split_words(text)
    assert surfaces == ["a-b", "a.c", "b", "c"]
    assert _starts(text, surfaces, [2, 3]) == [8, 10]
