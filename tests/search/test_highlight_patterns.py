"""Wildcards and fuzzy words highlight every word they pass, however it is written.

The highlighter tries a pattern only on words whose surface or an indexed
form starts with the pattern's prefix; these are the words that pass a
pattern through a form alone, or through folding.
"""

from __future__ import annotations

from pressearch.models import Article, Snippet
from pressearch.search.highlight import make_snippets, query_terms
from pressearch.search.query.parse import parse


def _marked(body: str, query: str) -> list[str]:
    tree = parse(query)
    assert tree is not None
    article = Article(id="a", path="/a.md", headline="Headline", body=body)
    snippets: list[Snippet] = make_snippets(article, query_terms(tree))
    return [s.text[start:end] for s in snippets for start, end in s.matches]


def test_a_stem_that_is_not_a_prefix_of_the_word_still_passes() -> None:
    # "happy" is indexed as "happi": only its form starts with the pattern's letters.
    assert _marked("They were happy. Happiness followed.", "happi*") == ["happy", "Happiness"]


def test_accented_words_pass_as_folded() -> None:
    assert _marked("Šileris and Sileris met Ševčík.", "sile*") == ["Šileris", "Sileris"]
    assert _marked("Šileris and Sileris met Ševčík.", "Šile*") == ["Šileris", "Sileris"]
    # Only the folded surface passes: its form ("happi") lacks the pattern's "y".
    assert _marked("Happý days.", "happy*") == ["Happý"]


def test_a_compound_passes_through_its_part() -> None:
    assert _marked("An anti-fraud unit and a fraudster.", "fraud*") == ["fraud", "fraudster"]


def test_a_fuzzy_word_passes_only_with_its_first_letter() -> None:
    assert _marked("Police arrested them; Ärrested is a typo.", "arested~") == [
        "arrested",
        "Ärrested",
    ]
    assert _marked("Police arrested them.", "rrested~") == []


def test_a_pattern_and_plain_words_together() -> None:
    assert _marked("Cyber police arrested cyberthieves.", "police cyber*") == [
        "Cyber",
        "police",
        "cyberthieves",
    ]
