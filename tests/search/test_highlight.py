"""Snippets and headline highlighting, read from the query tree: exact texts and offsets."""

from __future__ import annotations

import time

from pressearch.models import Article, Quote, Snippet
from pressearch.search.highlight import (
    FieldTerms,
    PhraseTerms,
    highlight_headline,
    make_snippets,
    query_terms,
)
from pressearch.search.query.parse import parse as parse_query


def parse(text: str) -> dict[str, FieldTerms]:
    """What query `text` highlights, per field (bare words: headline, body, quotes, speaker)."""
    tree = parse_query(text)
    assert tree is not None
    return query_terms(tree)


def article(body: str, headline: str = "Headline", quotes: tuple[str, ...] = ()) -> Article:
    return Article(
        id="a1",
        path="/archive/a1.md",
        headline=headline,
        body=body,
        quotes=tuple(Quote(text) for text in quotes),
    )


def marked(snippet: Snippet) -> list[str]:
    return [snippet.text[start:end] for start, end in snippet.matches]


def test_term_offsets_are_exact() -> None:
    a = article("Police arrested five suspects in Riga.")
    assert make_snippets(a, parse("suspects")) == [
        Snippet("body", "Police arrested five suspects in Riga.", ((21, 29),))
    ]


def test_stems_match_every_inflection() -> None:
    a = article("Police arrested five suspects. The arrests followed a raid.")
    (snippet,) = make_snippets(a, parse("arrested"))
    assert snippet.matches == ((7, 15), (35, 42))
    assert marked(snippet) == ["arrested", "arrests"]


def test_accents_and_case_are_ignored() -> None:
    a = article("Prosecutor Šileris spoke. SILERIS again.")
    (snippet,) = make_snippets(a, parse("sileris"))
    assert snippet.matches == ((11, 18), (26, 33))
    (snippet,) = make_snippets(a, parse("Šileris"))
    assert marked(snippet) == ["Šileris", "SILERIS"]


def test_compound_part_highlights_only_that_part() -> None:
    a = article("The COVID-19 fraud wave.")
    assert marked(make_snippets(a, parse("covid"))[0]) == ["COVID"]
    assert make_snippets(a, parse("covid"))[0].matches == ((4, 9),)
    assert marked(make_snippets(a, parse("19"))[0]) == ["19"]
    assert make_snippets(a, parse("COVID-19"))[0].matches == ((4, 12),)
    assert marked(make_snippets(a, parse('"covid-19 fraud"'))[0]) == ["COVID-19 fraud"]


def test_offsets_count_code_points() -> None:
    a = article("🚔 Žydrūnas – “arrested” in Kaunas.")
    (snippet,) = make_snippets(a, parse("arrested OR zydrunas"))
    assert snippet.matches == ((2, 10), (14, 22))
    assert marked(snippet) == ["Žydrūnas", "arrested"]


def test_phrase_highlights_only_its_occurrences() -> None:
    a = article(
        "Law enforcement agencies met. The law was clear; enforcement followed. "
        "Cooperation between law enforcement bodies grew."
    )
    (snippet,) = make_snippets(a, parse('"law enforcement"'))
    assert snippet.matches == ((0, 15), (91, 106))
    assert marked(snippet) == ["Law enforcement", "law enforcement"]


def test_phrase_spans_the_stop_words_inside_it() -> None:
    a = article("She met the head of state of Latvia.")
    (snippet,) = make_snippets(a, parse('"head of state"'))
    assert marked(snippet) == ["head of state"]
    assert snippet.matches == ((12, 25),)


def test_phrase_with_slop_highlights_its_words_within_the_slop() -> None:
    a = article("Police arrested five suspects in Riga. Suspects were later arrested.")
    (snippet,) = make_snippets(a, parse('"arrested suspects"~1'))
    # "arrested five suspects": one move. The second "Suspects" is four moves
    # from the first "arrested" ("in" holds its place), and the last
    # "arrested" stands after it (reversed: four moves too).
    assert snippet.matches == ((7, 15), (21, 29))
    assert marked(snippet) == ["arrested", "suspects"]
    (snippet,) = make_snippets(a, parse('"arrested suspects"~3'))
    assert marked(snippet) == ["arrested", "suspects"]
    (snippet,) = make_snippets(a, parse('"arrested suspects"~4'))
    assert marked(snippet) == ["arrested", "suspects", "Suspects", "arrested"]


def test_phrase_slop_counts_moves_in_either_order_as_lucene_does() -> None:
    a = article("Suspects arrested.")
    assert make_snippets(a, parse('"arrested suspects"~1'))[0].matches == ()
    assert marked(make_snippets(a, parse('"arrested suspects"~2'))[0]) == ["Suspects arrested"]


def test_phrase_without_enough_slop_highlights_nothing() -> None:
    a = article("Police arrested five suspects.")
    (snippet,) = make_snippets(a, parse('"arrested suspects"'))
    assert snippet == Snippet("body", "Police arrested five suspects.", ())


def test_phrase_and_term_together() -> None:
    a = article("The law was clear. Law enforcement acted.")
    (snippet,) = make_snippets(a, parse('"law enforcement" OR clear'))
    assert marked(snippet) == ["clear", "Law enforcement"]


def test_wildcard_and_prefix_match_indexed_and_surface_words() -> None:
    a = article("Cybercrime is rising; a cyber attack hit Cyprus. The cyberspace is vast.")
    (snippet,) = make_snippets(a, parse("cyber*"))
    assert marked(snippet) == ["Cybercrime", "cyber", "cyberspace"]
    (snippet,) = make_snippets(a, parse("cyb?r"))
    assert marked(snippet) == ["cyber"]
    (snippet,) = make_snippets(a, parse("body:cyp*"))
    assert snippet.matches == ((41, 47),)


def test_fuzzy_term_matches_within_the_edit_distance() -> None:
    a = article("Police arrested five suspects. The arrests followed.")
    (snippet,) = make_snippets(a, parse("arested~"))
    assert marked(snippet) == ["arrested"]
    (snippet,) = make_snippets(a, parse("suspecs~"))
    assert marked(snippet) == ["suspects"]
    (snippet,) = make_snippets(a, parse("suspcets~"))  # two letters swapped: one edit
    assert marked(snippet) == ["suspects"]
    # The first letter must match exactly, as in the engine's expansion.
    (snippet,) = make_snippets(a, parse("xuspects~"))
    assert snippet.matches == ()


def test_field_restricted_term_highlights_only_that_field() -> None:
    a = article("The suspects were arrested.", headline="Arrests in Riga")
    q = parse("headline:arrested")
    assert highlight_headline(a, q) == Snippet("headline", "Arrests in Riga", ((0, 7),))
    assert make_snippets(a, q) == [Snippet("body", "The suspects were arrested.", ())]
    body_only = parse("body:arrested")
    assert highlight_headline(a, body_only).matches == ()
    assert marked(make_snippets(a, body_only)[0]) == ["arrested"]


def test_headline_phrase() -> None:
    a = article("Body.", headline="LAW ENFORCEMENT DAY: law courts, enforcement")
    snippet = highlight_headline(a, parse('headline:"law enforcement"'))
    assert snippet.matches == ((0, 15),)
    # Stop words hold their positions, in the index as here: "law and
    # enforcement" is not the phrase "law enforcement", but is its own.
    a = article("Body.", headline="Law and enforcement")
    assert highlight_headline(a, parse('headline:"law enforcement"')).matches == ()
    assert highlight_headline(a, parse('headline:"law and enforcement"')).matches == ((0, 19),)


def test_not_branches_do_not_highlight() -> None:
    a = article("Fraud suspects were arrested for fraud.")
    (snippet,) = make_snippets(a, parse("arrested NOT fraud"))
    assert marked(snippet) == ["arrested"]
    (snippet,) = make_snippets(a, parse("suspects -fraud"))
    assert marked(snippet) == ["suspects"]
    (snippet,) = make_snippets(a, parse("suspects AND !(fraud OR arrested)"))
    assert marked(snippet) == ["suspects"]


def test_facet_values_and_date_ranges_are_ignored() -> None:
    a = article("Suspects were arrested.")
    q = parse("arrested crime_area:fraud date:[2020 TO 2021] suspects^2 type:suspects")
    (snippet,) = make_snippets(a, q)
    assert marked(snippet) == ["Suspects", "arrested"]


def test_no_match_falls_back_to_the_opening_of_the_body() -> None:
    body = " ".join(["word"] * 100)  # 499 characters
    a = article(body)
    (snippet,) = make_snippets(a, parse("type:news"))
    assert snippet.field == "body"
    assert snippet.matches == ()
    # 200 characters end inside a word: the fragment takes the word whole.
    assert snippet.text == " ".join(["word"] * 40) + "…"


def test_no_text_at_all_gives_no_snippets() -> None:
    assert make_snippets(article("  "), parse("anything")) == []


def test_quote_fragments_come_from_each_quote() -> None:
    a = article(
        "The agency reported results.",
        quotes=("Crime does not pay.", "Cooperation across borders is routine."),
    )
    snippets = make_snippets(a, parse("quotes:cooperation OR quotes:crime"))
    assert snippets == [
        Snippet("quotes", "Crime does not pay.", ((0, 5),)),
        Snippet("quotes", "Cooperation across borders is routine.", ((0, 11),)),
    ]


def test_body_fragments_come_before_quote_fragments() -> None:
    a = article("Police acted.", quotes=("Police will act again.",))
    snippets = make_snippets(a, parse("body:police OR quotes:police"))
    assert [(s.field, marked(s)) for s in snippets] == [
        ("body", ["Police"]),
        ("quotes", ["Police"]),
    ]


def test_whitespace_collapses_and_offsets_follow() -> None:
    a = article("Law\n\nenforcement   acted.\nThen police\tleft.")
    (snippet,) = make_snippets(a, parse('"law enforcement" OR police'))
    assert snippet.text == "Law enforcement acted. Then police left."
    assert marked(snippet) == ["Law enforcement", "police"]


def test_fragments_are_windows_with_ellipses_in_document_order() -> None:
    filler = "nothing to see here at all today. " * 12  # 408 characters
    body = "Alpha starts. " + filler + "Beta and gamma meet. " + filler + "Alpha ends."
    a = article(body)
    snippets = make_snippets(a, parse("alpha OR beta OR gamma"))
    assert len(snippets) == 3
    assert [marked(s) for s in snippets] == [["Alpha"], ["Beta", "gamma"], ["Alpha"]]
    first, middle, last = snippets
    assert first.text.startswith("Alpha starts.") and first.text.endswith("…")
    assert middle.text.startswith("…") and middle.text.endswith("…")
    assert last.text.startswith("…") and last.text.endswith("Alpha ends.")
    for s in snippets:
        assert 180 <= len(s.text) <= 240
        # Windows end on word boundaries.
        assert s.text.strip("…")[0].isalnum()
    # The middle window is centred on its matches.
    assert middle.text.index("Beta") > 60


def test_best_windows_win_and_new_terms_come_first() -> None:
    filler = "nothing to see here at all today. " * 12
    body = (
        "alpha here. "
        + filler
        + "alpha alpha alpha. "
        + filler
        + "beta once. "
        + filler
        + "alpha and beta together. "
        + filler
        + "alpha again."
    )
    snippets = make_snippets(article(body), parse("alpha OR beta"), max_fragments=2)
    # The one window with both terms, then the window with most matches.
    assert [marked(s) for s in snippets] == [["alpha", "alpha", "alpha"], ["alpha", "beta"]]
    (snippet,) = make_snippets(article(body), parse("alpha OR beta"), max_fragments=1)
    assert marked(snippet) == ["alpha", "beta"]


def test_fragment_size_is_configurable() -> None:
    a = article("One two three four five six seven eight nine ten suspects eleven twelve.")
    (snippet,) = make_snippets(a, parse("suspects"), fragment_chars=20)
    assert snippet.text == "…nine ten suspects eleven…"
    assert marked(snippet) == ["suspects"]


def test_long_article_is_searched_to_its_end_quickly() -> None:
    filler = "Investigators met officials from several countries in the capital. "
    body = filler * (100_000 // len(filler) + 1) + "The smuggler was finally caught."
    assert len(body) > 100_000
    a = article(body)
    started = time.perf_counter()
    (snippet,) = make_snippets(a, parse("smuggler"))
    elapsed = time.perf_counter() - started
    assert marked(snippet) == ["smuggler"]
    assert snippet.text.endswith("The smuggler was finally caught.")
    assert elapsed < 1.0  # about 30 ms on the development machine


def test_query_terms_per_field() -> None:
    terms = parse('body:(arrested "law enforcement"~2 cyber*) NOT fraud headline:riga')
    assert set(terms) == {"body", "headline"}
    body = terms["body"]
    assert body.words == frozenset({"arrest"})
    assert body.phrases == (PhraseTerms(("law", "enforc"), 2),)
    assert [p.label for p in body.patterns] == ["cyber*"]
    assert terms["headline"] == FieldTerms(words=frozenset({"riga"}))
