"""Tests for index.parse: FORMAT.md Markdown, JSON Lines, plain text and file reading.

Every fixture under tests/fixtures/articles/ shows one thing; the tests give
the exact Article each one must produce.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pressearch.errors import ArticleParseError
from pressearch.index import parse as parse_module
from pressearch.index.parse import (
    SUPPORTED_SUFFIXES,
    ParsedFile,
    article_id,
    parse_jsonl_line,
    parse_markdown,
    parse_text,
    read_file,
)
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import STANDARD_LABELS, facet_name
from tests.index.markdown_writer import QuoteStyle, label_for, write_markdown

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "articles"


def fixture_path(name: str) -> str:
    return str(FIXTURES / name)


def read_one(name: str, root: Path = FIXTURES) -> Article:
    """The one article a fixture file holds, read the way the indexer reads it."""
    parsed = read_file(FIXTURES / name, root)
    assert parsed.errors == ()
    assert parsed.warnings == ()
    assert len(parsed.articles) == 1
    return parsed.articles[0]


def error_of(path: Path, root: Path = FIXTURES) -> str:
    """The one error reading `path` gives (no articles)."""
    parsed = read_file(path, root)
    assert parsed.articles == ()
    assert len(parsed.errors) == 1
    error = parsed.errors[0]
    assert error.path == str(path)
    assert str(error) == f"{path}: {error.reason}"
    return error.reason


def quotes_of(name: str) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in read_one(name).quotes]


# ---------------------------------------------------------------------------
# The FORMAT.md example, exactly as its "Read as" paragraph says


def test_format_example_reads_as_documented() -> None:
    url = "https://newsroom.example.org/news/joint-action-day-phishing-platform"
    assert read_one("format_example.md") == Article(
        id="u2cd69f8298b",
        path=fixture_path("format_example.md"),
        headline="JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM",
        body=(
            "Investigators from nine countries dismantled a platform that rented phishing kits"
            " to more than 2 000 criminals, following a two-year investigation coordinated by"
            " Europol.\n\n"
            "The platform’s administrators were arrested in two countries during the action"
            " day on 12 March."
        ),
        url=url,
        source="newsroom.example.org",
        date=dt.date(2023, 3, 14),
        type="Press Release",
        speakers=(
            Speaker("Marta Kovač", "Head of the Financial Crime Unit"),
            Speaker("Tomás Ruiz", "Prosecutor, Eurojust"),
        ),
        quotes=(
            Quote(
                "Crime-as-a-service lowers the bar for anyone who wants to steal from the public",
                "Marta Kovač",
            ),
            Quote("Cooperation across borders is now routine, not the exception", "Tomás Ruiz"),
        ),
        taxonomy={
            "crime_area": ("Cybercrime", "Fraud"),
            "target_group": ("General Public", "Law Enforcement", "Industry"),
            "entity": ("European Cybercrime Centre (EC3)",),
            "organisation": ("Eurojust",),
        },
    )


def test_format_example_taxonomy_keeps_label_order() -> None:
    taxonomy = read_one("format_example.md").taxonomy
    assert list(taxonomy) == ["crime_area", "target_group", "entity", "organisation"]


def test_parse_markdown_directly_uses_given_paths() -> None:
    text = (FIXTURES / "missing_parts.md").read_text(encoding="utf-8")
    article = parse_markdown(text, path="/archive/2020/hours.md", rel_path="2020/hours.md")
    assert (article.id, article.path) == ("2020/hours.md", "/archive/2020/hours.md")


# ---------------------------------------------------------------------------
# Parts and quirks of FORMAT.md


def test_stray_blank_line_rejoins_only_a_split_sentence() -> None:
    article = read_one("stray_blank_line.md")
    assert article.body.split("\n\n") == [
        # lower-case continuation after a paragraph without closing punctuation
        "Customs officers found the drugs hidden in a shipment of bananas that arrived from"
        " Ecuador on 4 January.",
        # a continuation starting with a digit
        "The container was flagged by risk analysis at 2 different ports before it reached"
        " the Netherlands.",
        # a full stop ends the paragraph; an upper-case start begins a new one
        "A second shipment is still under investigation.",
        "Its origin has not been confirmed.",
        # a colon is closing punctuation too
        "Officers also noted that the seals had been replaced:",
        "some of them twice.",
        # a quote block between the two halves keeps them apart
        "The case was handed over to the prosecutor for",
        "further review by the national police.",
    ]
    assert article.quotes == (
        Quote("This is one of the largest seizures this year", "Anna de Vries"),
    )


def test_stray_blank_line_before_a_capital_and_blocks_that_are_never_joined() -> None:
    article = read_one("stray_blank_line_capitalised.md")
    assert article.body.split("\n\n") == [
        # no closing punctuation: the next paragraph continues it, capital or not
        "Customs officers seized 40 tonnes of precursors in an action coordinated by the"
        " operation United Nations Office on Drugs and Crime and its partners in four ports.",
        # a link cut in two by the blank line is read as one link
        "The shipments were declared as cleaning products by a company registered in the"
        " Council of Europe member state where the investigation began.",
        # headings: very short, in Title Case, or bold
        "Background",
        "The precursors are used to make amphetamine and methamphetamine.",
        "Key Findings of the Joint Assessment",
        "Most shipments travel by sea; a few by air.",
        "Operation details",
        "Officers from nine countries took part.",
        # list items and table rows are lines of their own
        "The action resulted in",
        "- 12 arrests",
        "- 30 house searches",
        "| Country | Tonnes |",
        # a semicolon closes the paragraph
        "Spain led the operation;",
        "Portugal and France joined it later.",
        # a line that is one link (a button, an article type)
        "Read the joint assessment",
        "The assessment is published in English.",
        "Further updates will follow.",
    ]
    # inside a quote block the same artefact is rejoined
    assert article.quotes == (
        Quote(
            "We worked closely with the European Monitoring Centre from the first day",
            "Marta Kovač",
        ),
    )


def test_many_unpunctuated_paragraphs_make_one_in_linear_time() -> None:
    # Each piece is looked at a bounded number of times: re-reading the growing
    # paragraph at every cut would take minutes here.
    text = "# H\n\n" + "word [link](#)\n\n" * 20_000
    article = parse_markdown(text, path="/a.md", rel_path="a.md")
    assert article.body == " ".join(["word link"] * 20_000)


def test_salutation_is_not_joined_but_a_later_split_is() -> None:
    article = read_one("salutation.md")
    assert article.body.split("\n\n") == [
        "Excellencies, ladies and gentlemen,",
        "It is an honour to address this conference.",
        "Our border police checked more than two million travellers last year, and the"
        " Border Police Academy trained 400 new officers.",
    ]


@pytest.mark.parametrize(
    ("markdown", "body"),
    [
        # speaker cards, dates and types met after the body has begun stay apart
        (
            "Text without a stop\n\n**Ana Lopes**  \nHead of Unit",
            ["Text without a stop", "Ana Lopes Head of Unit"],
        ),
        (
            "**Ana Lopes**  \nHead of Unit\n\nthe raid began",
            ["Ana Lopes Head of Unit", "the raid began"],
        ),
        ("Text without a stop\n\n6 October 2020", ["Text without a stop", "6 October 2020"]),
        ("6 October 2020\n\nthe officers arrived.", ["6 October 2020", "the officers arrived."]),
        ("Text without a stop\n\n[Press Release](#)", ["Text without a stop", "Press Release"]),
        # taxonomy lines and quote blocks end a paragraph
        (
            "Text without a stop\n\nCRIME AREAS [Fraud](#)\n\nmore text.",
            ["Text without a stop", "more text."],
        ),
        (
            "Text without a stop\n\n“\n\n“Q.”\n\n”\n\nmore text.",
            ["Text without a stop", "more text."],
        ),
        # closing punctuation: quotes, apostrophe, brackets, ellipsis
        ("He called it “urgent”\n\nThe rest.", ["He called it “urgent”", "The rest."]),
        ("The so-called ‘mules’\n\nThe rest.", ["The so-called ‘mules’", "The rest."]),
        ("The agency (Europol)\n\nThe rest.", ["The agency (Europol)", "The rest."]),
        ("Files [2]\n\nThe rest.", ["Files [2]", "The rest."]),
        ("And then…\n\nThe rest.", ["And then…", "The rest."]),
        # a comma does not close a sentence
        (
            "Following a long investigation into the network,\n\nPolice arrested nine.",
            ["Following a long investigation into the network, Police arrested nine."],
        ),
        # a short piece in lower case is no heading
        ("coordinated by\n\nEuropol and Eurojust.", ["coordinated by Europol and Eurojust."]),
        # a sentence cut twice; the middle piece is no heading, being a continuation
        (
            "The operation was led by the\n\nEuropean Platform Against\n\nCriminal Threats.",
            ["The operation was led by the European Platform Against Criminal Threats."],
        ),
        # ALL CAPS is a heading; an ordered list item is a line of its own
        (
            "NOTES FOR EDITORS AND JOURNALISTS\n\nThe agency is based in The Hague.",
            [
                "NOTES FOR EDITORS AND JOURNALISTS",
                "The agency is based in The Hague.",
            ],
        ),
        (
            "1. Seize the assets\n\nThe second step is harder.",
            [
                "1. Seize the assets",
                "The second step is harder.",
            ],
        ),
    ],
)
def test_blocks_that_are_never_half_of_a_split_sentence(markdown: str, body: list[str]) -> None:
    article = parse_markdown(f"# H\n\nIntro.\n\n{markdown}\n", path="/a.md", rel_path="a.md")
    assert article.body.split("\n\n") == ["Intro.", *body]


def test_missing_parts_leave_defaults() -> None:
    assert read_one("missing_parts.md") == Article(
        id="missing_parts.md",
        path=fixture_path("missing_parts.md"),
        headline="SUMMER OPENING HOURS",
        body="The public information desk is open from 9:00 to 15:00 during July and August.",
    )


def test_id_without_url_is_the_path_relative_to_the_root() -> None:
    assert read_one("missing_parts.md", root=FIXTURES.parent).id == "articles/missing_parts.md"
    assert read_one("missing_parts.md", root=FIXTURES / "missing_parts.md").id == (
        "missing_parts.md"
    )


def test_taxonomy_labels_escapes_and_extra_labels() -> None:
    article = read_one("taxonomy.md")
    assert dict(article.taxonomy) == {
        # a second CRIME AREAS line adds its new values only
        "crime_area": ("Cybercrime", "Money Laundering", "Fraud"),
        "entity": ("European Cybercrime Centre (EC3)", "Analysis Project [AP] Twins", "R&D Lab"),
        "target_group": ("Law Enforcement",),
        "regions": ("Western Balkans", "Nordic & Baltic States"),
        "support_services": ("Operational Support *24/7*",),
    }
    assert list(article.taxonomy) == [
        "crime_area",
        "entity",
        "target_group",
        "regions",
        "support_services",
    ]
    assert article.body == "A new platform helps analysts map criminal networks."


def test_source_is_the_lower_case_host_and_id_ignores_trailing_slash() -> None:
    article = read_one("taxonomy.md")
    assert article.url == "https://WWW.Example.EU/newsroom/platform-launched/"
    assert article.source == "www.example.eu"
    assert article.id == article_id("https://WWW.Example.EU/newsroom/platform-launched", "x")


@pytest.mark.parametrize(
    "name", ["date_long.md", "date_iso.md", "date_weekday.md", "date_slashes.md"]
)
def test_alternative_date_spellings(name: str) -> None:
    article = read_one(name)
    assert article.date == dt.date(2020, 10, 6)
    assert article.type == "News Article"
    assert article.body == "Twelve liaison officers started work at the headquarters this week."


def test_only_a_line_that_is_a_whole_date_is_the_date() -> None:
    article = read_one("date_in_sentence.md")
    assert article.date is None
    assert article.body.split("\n\n") == [
        "On 6 October 2020 twelve liaison officers started work at the headquarters.",
        "October 2020",  # no day: not a date, and too late anyway (body has begun)
        "The officers come from nine countries.",
    ]


def test_speaker_cards_are_read_leniently() -> None:
    article = read_one("speaker_cards.md")
    assert article.speakers == (
        Speaker("Ingrid Haugen", "Director, National Criminal Investigation Service"),
        Speaker("Karim Benali", ""),
        Speaker("Sofia Lindqvist", "Senior Specialist"),
    )
    assert article.body.split("\n\n") == [
        "The conference brought together 300 experts.",
        "Speakers discussed how platforms can report abuse faster.",
    ]


def test_inline_markdown_is_read_as_plain_text() -> None:
    article = read_one("inline_markdown.md")
    assert article.headline == "JOINT ACTION #42 AGAINST ONLINE FRAUD"
    assert article.type == "Press Release"
    assert article.body.split("\n\n") == [
        "Read the full report or the summary at https://example.org/summary.",
        "Fraudsters used the pay-now script and posed as R&D staff — a common trick.",
        "Victims lost 1*2 million euro in total.",
        "Background",
        "The scheme was first reported in 2021.",
        "Text after a thematic break is still body text.",
    ]


def test_text_before_the_headline_is_kept_as_body() -> None:
    article = read_one("text_before_headline.md")
    assert article.headline == "OFFICERS TRAINED IN CRYPTO TRACING"
    assert article.date == dt.date(2021, 7, 7)
    assert article.body == "Skip to main content\n\nForty officers completed the course."


def test_leading_blank_lines() -> None:
    article = read_one("leading_blank_lines.md")
    assert (article.headline, article.date) == ("LEADING BLANK LINES", dt.date(2021, 2, 1))
    assert article.body == "Five blank lines, one of them holding spaces, come before the headline."


def test_no_trailing_newline() -> None:
    assert (
        read_one("no_trailing_newline.md").body == "The last line of this file has no line break."
    )


def test_crlf_line_endings() -> None:
    assert read_one("crlf.md") == Article(
        id=article_id("https://example.org/crlf", ""),
        path=fixture_path("crlf.md"),
        headline="CRLF LINE ENDINGS",
        body="The file was saved on Windows with carriage returns.",
        url="https://example.org/crlf",
        source="example.org",
        date=dt.date(2021, 2, 1),
        type="News Article",
        speakers=(Speaker("Ana Lopes", "Head of Unit"),),
        quotes=(Quote("Line ends do not matter", "Ana Lopes"),),
        taxonomy={"crime_area": ("Fraud",)},
    )


def test_byte_order_mark_is_dropped() -> None:
    article = read_one("bom.md")
    assert article.headline == "BYTE ORDER MARK"
    assert article.body == "This file starts with a UTF-8 byte order mark."


def test_non_breaking_spaces_become_spaces() -> None:
    article = read_one("nbsp.md")
    assert article.headline == "NON BREAKING SPACES"
    assert article.date == dt.date(2021, 2, 1)
    assert article.body == "More than 2 000 criminals and 3 500 accounts."
    assert dict(article.taxonomy) == {"crime_area": ("Money Laundering",)}


def test_control_characters_are_stripped_from_every_field() -> None:
    text = (
        "# HEAD\x1b[31mLINE\x07\n\n[Press\x9b Release](#)\n\n"
        "**Ana\x00 Lopes**  \nHead\x1b of Unit\n\n"
        "Body\x1b[2J text.\n\n“\n\n“Quote\x08d,” said Ana Lopes.\n\n”\n\n"
        "CRIME AREAS [Fra\x7fud](#)\n"
    )
    article = parse_markdown(text, path="/a.md", rel_path="a.md")
    assert article.headline == "HEAD[31mLINE"
    assert article.type == "Press Release"
    assert article.speakers == (Speaker("Ana Lopes", "Head of Unit"),)
    assert article.body == "Body[2J text."
    assert article.quotes == (Quote("Quoted", "Ana Lopes"),)
    assert dict(article.taxonomy) == {"crime_area": ("Fraud",)}


# ---------------------------------------------------------------------------
# Quotes and attribution


def test_attribution_before_the_speech() -> None:
    assert quotes_of("attribution_before.md") == [
        ("The external border is a shared responsibility.", "Rūta Šileris"),
        ("We will send officers within weeks.", "Hans van der Berg"),
        ("the checks will be in place by the summer.", "Aoife Ó Briain"),
    ]


def test_attribution_after_the_speech() -> None:
    assert quotes_of("attribution_after.md") == [
        ("Fake medicines kill people, not just profits", "Jürgen Müller"),
        ("The buyers were told the pills came from licensed suppliers", "Petra Novák"),
        ("We are still tracing the money", "Jürgen Müller"),  # a surname on a card
    ]


def test_attribution_drops_titles_and_organisations_before_the_name() -> None:
    assert quotes_of("attribution_titles.md") == [
        ("Every one of these teams is a promise kept to victims", "Jane Doe"),
        ("Cross-border cases are now the norm", "John Roe"),
        ("The numbers speak for themselves", "Catherine De Bolle"),
    ]


def test_attribution_references_to_speaker_cards_and_pronouns() -> None:
    assert quotes_of("attribution_references.md") == [
        ("The victims were promised work and given debts", "Elena Petrova"),  # the Director
        ("We followed the money through nine countries", "Elena Petrova"),  # she added
        ("Judicial cooperation made the arrests possible", "Tomás Ruiz"),  # the prosecutor
        ("More arrests are expected", None),  # the spokesperson: nobody has that role
    ]


def test_attribution_references_to_people_named_in_the_text() -> None:
    assert quotes_of("attribution_earlier_person.md") == [
        ("Fraudsters do not respect borders, so neither can we", "Jürgen Stock"),
        ("Police cooperation is how we win", "Jürgen Stock"),  # INTERPOL + a leader's title
        ("Europe will keep up the pressure", "Catherine De Bolle"),  # the Executive Director
        ("This is only the beginning", "Jürgen Stock"),  # a surname named earlier
    ]


def test_attribution_with_apposition_and_lead_in_paragraph() -> None:
    article = read_one("attribution_apposition.md")
    assert [(q.text, q.speaker) for q in article.quotes] == [
        ("Speed is everything when money is moving", "Marta Kovač"),
        ("Banks see the fraud first", "Ivan Horvat"),
        # attributed by the paragraph before the block, which stays in the body
        ("Reports will go through a single secure channel.", "Ivan Horvat"),
    ]
    assert article.body.endswith("explained the new procedure to journalists and said:")


def test_attribution_with_affiliation_after_the_name() -> None:
    assert quotes_of("attribution_affiliation.md") == [
        (
            "These criminals spend more time with their victims than many of their families do.",
            "Sofie Lindgren",  # `X of the Swedish Police said`
        ),
        (
            "Nobody who loves you will ask you to invest in a platform you have never heard of",
            "Sofie Lindgren",  # her title, named in the quote before
        ),
        # `the Czech Republic` is a country, not a person: the phrase matches the card
        ("Judicial cooperation was fast", "Pieter Janssens"),
    ]


def test_attribution_with_apposition_after_the_verb_prefers_the_name() -> None:
    assert quotes_of("attribution_apposition_after.md") == [
        # `said the head of the investigation, Kadri Öztürk`: not the card whose role
        # starts `Head of…`
        ("The gang chose hospitals because they could not afford to wait", "Kadri Öztürk"),
        ("Every victim got their data back", "Catherine De Bolle"),
        # before the verb: not `Operation Fever Chart`
        ("The servers were in three countries.", "Ivo Horvat"),
        # `<Name>, <descriptor>` gives the name
        ("Decryption keys are online", "Jana Novák"),
        # an apposition that is no name does not count
        ("Six suspects will stand trial", "Tomás Ruiz"),
    ]


def test_reference_prefers_the_title_without_a_further_rank() -> None:
    assert quotes_of("attribution_closest_title.md") == [
        ("Containers are where smugglers hide the most", "Francesca Nieminen"),  # not Executive
        ("The plan takes effect at once", "Beatriz Rusu"),
        ("We will prosecute faster", "Iva Molina"),  # not the Deputy Prosecutor
    ]


def test_names_with_particles_apostrophes_and_hyphens_come_out_whole() -> None:
    article = read_one("names_with_particles.md")
    assert article.speakers == (
        Speaker("Saara de Vries", "Senior Specialist"),
        Speaker("Aoife Ó Briain", "Director, Garda National Bureau"),
        Speaker("Luca d’Alessandro", ""),  # a card without a role, name with `d’`
    )
    assert [(q.text, q.speaker) for q in article.quotes] == [
        # a surname with its particle names the card or the person named earlier
        ("The award belongs to the whole team.", "Saara de Vries"),
        ("We tracked the suspects across four borders", "Aoife Ó Briain"),
        ("Nothing would have worked without the prosecutors", "Luca d’Alessandro"),
        ("Our unit will use the prize money for training", "Jan van der Berg"),
        ("Cooperation is now routine.", "Ana da Silva"),
        ("I accept it for all the analysts", "Seán Mac Giolla"),
        ("This is a first for our country", "Paul McCartney"),
        ("We never gave up", "Anna-Lena Schmidt"),
        ("Thank you", "Jean-Luc Martin"),
    ]


def test_quote_segments_paragraphs_and_straight_quotes() -> None:
    assert quotes_of("quote_segments.md") == [
        ("We found the gang’s servers and we took them offline the same day.", "Lena Svensson"),
        ("Patients were never at risk.\n\nThe backups worked as planned", "Lena Svensson"),
        ("Paying the ransom was never an option", "Lena Svensson"),
        ("The investigation continues under the authority of the prosecutor.", None),
    ]


def test_unclosed_quote_block_takes_one_paragraph() -> None:
    article = read_one("quote_unclosed.md")
    assert article.quotes == (Quote("Never click a link in an unexpected message", None),)
    assert article.body.split("\n\n") == [
        "Text messages claiming a parcel is waiting are being used to steal card details.",
        "Anyone who entered card details should call their bank at once.",
        "Reports can be made online.",
    ]


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        ("Marta Kovač said: “Text.”", "Marta Kovač"),
        ("“Text,” said Marta Kovač.", "Marta Kovač"),
        ("“Text,” Marta Kovač added.", "Marta Kovač"),
        ("“Text,” said Kovač.", "Marta Kovač"),
        ("“Text,” the prosecutor added.", "Tomás Ruiz"),
        ("“Text,” said the prosecutor in Madrid.", "Tomás Ruiz"),
        ("“Text,” the Head of the Financial Crime Unit added.", "Marta Kovač"),
        ("Chief Inspector Ana Silva of the Lisbon Police said: “Text.”", "Ana Silva"),
        ("In a statement, the Head of the Unit said: “Text.”", "Marta Kovač"),
        ("“Text,” Europol’s chief said.", None),
        ("“Text,” said Deputy Minister John Roe.", "John Roe"),
        ("“Text,” the agency’s Executive Director Jane Doe said.", "Jane Doe"),
        ("“Text,” said Jane Doe, Executive Director of the agency.", "Jane Doe"),
        ("“Text,” Jane Doe, Executive Director of the agency, said.", "Jane Doe"),
        ("“Text,” Jane Doe also said.", "Jane Doe"),
        ("Europol’s Executive Director, Catherine De Bolle, said: “Text.”", "Catherine De Bolle"),
        ("“Text,” Marta Kovač, who led the raid, said.", "Marta Kovač"),
        ("“Text,” the Head, Tomás Ruiz, said.", "Tomás Ruiz"),
        ("Jane Doe: “Text.”", "Jane Doe"),
        ("“Text,” said Catherine De Bolle, “and more text.”", "Catherine De Bolle"),
        ("“Text,” said Dr. John F. Kennedy.", "John F. Kennedy"),
        ("“Text,” said Will Smith.", "Will Smith"),
        ("“Text,” said Europol.", None),
        ("“Text,” they said.", None),
        ("“Text” — Jane Doe", "Jane Doe"),
        ("“Text,” Jane Doe said that the case was closed.", "Jane Doe"),
        ("Jane Doe said that “text.”", "Jane Doe"),
        ("“Text.”", None),
        ("“Text,” said the head of the investigation, Kadri Öztürk.", "Kadri Öztürk"),
        ("“Text,” said the prosecutor, Ana da Silva, who led the raid.", "Ana da Silva"),
        ("The head of the team, Jan van der Berg, said: “Text.”", "Jan van der Berg"),
        ("According to the head of the unit, Luca d’Alessandro, “text.”", "Luca d’Alessandro"),
        ("“Text,” said Kovač, the head of the unit.", "Marta Kovač"),
        ("“Text,” said the prosecutor, adding that Jane Doe agreed.", "Tomás Ruiz"),
    ],
)
def test_attribution_styles(paragraph: str, speaker: str | None) -> None:
    text = (
        "# H\n\n**Marta Kovač**  \nHead of the Financial Crime Unit\n\n"
        "**Tomás Ruiz**  \nProsecutor, Eurojust\n\nBody.\n\n“\n\n" + paragraph + "\n\n”\n"
    )
    quotes = parse_markdown(text, path="/a.md", rel_path="a.md").quotes
    assert [q.speaker for q in quotes] == [speaker]
    assert quotes[0].text.lower() in ("text", "text.", "text and more text.")


_COMMONMARK = MarkdownIt("commonmark", {"html": False})


def commonmark_text(paragraph: str) -> str:
    """The plain text CommonMark reads in a paragraph (text, code, image alt)."""
    (inline,) = [t for t in _COMMONMARK.parse(paragraph) if t.type == "inline"]
    parts = []
    for token in inline.children:
        if token.type in ("text", "text_special", "code_inline", "image"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab [](#)!\\`*_<>&;:./", max_size=40))
def test_body_inline_markdown_reads_as_commonmark_does(markup: str) -> None:
    paragraph = f"x {markup}"
    article = parse_markdown(f"# H\n\n{paragraph}\n", path="/a.md", rel_path="a.md")
    assert article.body == commonmark_text(paragraph)


# ---------------------------------------------------------------------------
# Malformed Markdown and unreadable files


def test_no_headline() -> None:
    reason = error_of(FIXTURES / "no_headline.md")
    assert reason == "no headline (expected a '# ...' line)"


def test_empty_headline() -> None:
    assert error_of(FIXTURES / "empty_headline.md") == "empty headline (the '# ' line has no text)"


def test_headline_without_body() -> None:
    reason = error_of(FIXTURES / "only_headline.md")
    assert reason == "no body text (expected paragraphs after the headline)"


def test_parse_markdown_raises_article_parse_error() -> None:
    with pytest.raises(ArticleParseError) as info:
        parse_markdown("Just text.\n", path="/x.md", rel_path="x.md")
    assert (info.value.path, info.value.reason) == (
        "/x.md",
        "no headline (expected a '# ...' line)",
    )


@pytest.mark.parametrize("name", ["empty.md", "whitespace_only.md"])
def test_empty_files(name: str) -> None:
    assert error_of(FIXTURES / name) == "empty file"


def test_binary_file_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert error_of(path, tmp_path) == "binary file"


def test_binary_file_with_many_control_bytes(tmp_path: Path) -> None:
    path = tmp_path / "blob.md"
    path.write_bytes(b"# T\n" + bytes(range(1, 32)) * 4)
    assert error_of(path, tmp_path) == "binary file"


def test_windows_1252_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "legacy.md"
    path.write_bytes("# CAFÉ RAID\n\n“Fraud costs €5m,” said René Côté.\n".encode("cp1252"))
    parsed = read_file(path, tmp_path)
    assert parsed.errors == ()
    assert parsed.warnings == ("not UTF-8; decoded as Windows-1252",)
    (article,) = parsed.articles
    assert article.headline == "CAFÉ RAID"
    assert article.body == "“Fraud costs €5m,” said René Côté."


def test_invalid_utf8_that_is_not_legible_text(tmp_path: Path) -> None:
    path = tmp_path / "garbage.md"
    path.write_bytes(b"# T\n" + bytes(range(0xA0, 0x100)) * 3)
    assert error_of(path, tmp_path) == (
        "not UTF-8 (byte 0xa0 at offset 4) and not legible text; re-save the file as UTF-8"
    )


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "wide.md"
    path.write_bytes("# WIDE\n\nSaved as UTF-16 by Notepad.\n".encode("utf-16"))
    article = read_one_from(path, tmp_path)
    assert (article.headline, article.body) == ("WIDE", "Saved as UTF-16 by Notepad.")


def read_one_from(path: Path, root: Path) -> Article:
    parsed = read_file(path, root)
    assert (parsed.errors, parsed.warnings, len(parsed.articles)) == ((), (), 1)
    return parsed.articles[0]


def test_missing_file(tmp_path: Path) -> None:
    assert error_of(tmp_path / "gone.md", tmp_path) == "no such file or directory"


def test_directory_with_an_article_suffix(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    assert error_of(tmp_path / "folder.md", tmp_path) == "is a directory"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.md"
    path.write_text("# SECRET\n\nText.\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert error_of(path, tmp_path) == "permission denied"
    finally:
        path.chmod(0o600)


def test_os_errors_become_their_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(file: str, mode: str = "r") -> Any:
        raise PermissionError(13, "Permission denied", file)

    monkeypatch.setattr(parse_module, "open", refuse, raising=False)
    assert error_of(tmp_path / "locked.md", tmp_path) == "permission denied"


def test_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "file.md").write_text("# T\n\nBody.\n", encoding="utf-8")
    assert error_of(tmp_path / "file.md" / "inner.md", tmp_path) == "not a directory"


def test_unicode_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text(" \u2028\u00a0\n\u3000\n", encoding="utf-8")
    assert error_of(path, tmp_path) == "empty file"


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7")
    assert error_of(path, tmp_path) == (
        "unsupported file type '.pdf' (supported: .md, .markdown, .jsonl, .txt)"
    )
    assert SUPPORTED_SUFFIXES == (".md", ".markdown", ".jsonl", ".txt")


def test_markdown_suffix_and_upper_case_suffix(tmp_path: Path) -> None:
    for name in ("a.markdown", "b.MD"):
        (tmp_path / name).write_text("# T\n\nBody.\n", encoding="utf-8")
        assert read_one_from(tmp_path / name, tmp_path).id == name


# ---------------------------------------------------------------------------
# JSON Lines and plain text


def test_jsonl_file_reads_good_lines_and_reports_bad_ones() -> None:
    path = fixture_path("articles.jsonl")
    parsed = read_file(FIXTURES / "articles.jsonl", FIXTURES)
    assert parsed.articles == (
        Article(
            id="custom-1",
            path=path,
            headline="JOINT ACTION DAY",
            body="First paragraph.\n\nSecond paragraph.",
            url="https://newsroom.example.org/news/a/",
            source="newsroom.example.org",
            date=dt.date(2023, 3, 14),
            type="Press Release",
            speakers=(Speaker("Marta Kovač", "Head of Unit"),),
            quotes=(Quote("We did it.", "Marta Kovač"), Quote("Unattributed.", None)),
            taxonomy={
                "crime_area": ("Cybercrime", "Fraud"),
                "entity": ("European Cybercrime Centre (EC3)",),
            },
        ),
        Article(id="articles.jsonl:2", path=path, headline="HEADLINE ONLY", body=""),
        Article(
            id=article_id("https://WWW.Example.org/b", ""),
            path=path,
            headline="",
            body="Body only, with a URL.",
            url="https://WWW.Example.org/b",
            source="www.example.org",
        ),
        Article(
            id="articles.jsonl:8",
            path=path,
            headline="LONG DATE",
            body="",
            date=dt.date(2020, 10, 6),
            taxonomy={"crime_area": ("Fraud",), "regions": ("Nordic",)},
        ),
    )
    assert [str(e) for e in parsed.errors] == [
        f"{path}:5: invalid JSON (Expecting ',' delimiter at column 47)",
        f"{path}:6: expected a JSON object, got an array",
        f"{path}:7: field 'speakers' must be a list of {{name, role}} objects",
        f"{path}:9: field 'date' is not a full date: 'soon' (use YYYY-MM-DD)",
        f"{path}:10: no 'headline' or 'body' (every line needs at least one)",
    ]
    assert [e.path for e in parsed.errors] == [f"{path}:{n}" for n in (5, 6, 7, 9, 10)]


def test_jsonl_line_with_a_relative_url_is_an_error() -> None:
    with pytest.raises(ArticleParseError) as info:
        parse_jsonl_line('{"headline": "H", "url": "n/a"}', path="/x.jsonl", rel_path="x", lineno=4)
    assert str(info.value) == "/x.jsonl:4: field 'url' is not an absolute URL: 'n/a'"


def test_markdown_source_that_is_not_a_url_is_ignored() -> None:
    text = "# H\n\nBody.\n\n---\n\n**Source URL:** n/a\n"
    article = parse_markdown(text, path="/archive/a.md", rel_path="a.md")
    assert (article.url, article.source, article.id) == (None, None, "a.md")


def test_jsonl_line_id_rules() -> None:
    def line_id(record: dict[str, object]) -> str:
        line = json.dumps(record)
        return parse_jsonl_line(line, path="/a/x.jsonl", rel_path="x.jsonl", lineno=3).id

    assert line_id({"headline": "H"}) == "x.jsonl:3"
    assert line_id({"headline": "H", "url": "https://e.org/a"}) == article_id(
        "https://e.org/a", "x.jsonl"
    )
    assert line_id({"headline": "H", "url": "https://e.org/a", "id": "mine"}) == "mine"


def test_plain_text_file() -> None:
    assert read_one("plain.txt") == Article(
        id="plain.txt",
        path=fixture_path("plain.txt"),
        headline="POLICE ARREST 12 IN TELEPHONE SCAM",
        body=(
            "Officers arrested twelve people who posed as bank staff on the telephone to steal"
            " savings.\n\nThe suspects are held in custody."
        ),
    )


def test_plain_text_headline_only_and_empty() -> None:
    article = parse_text("\n  Just a headline  \n", path="/a.txt", rel_path="a.txt")
    assert (article.headline, article.body) == ("Just a headline", "")
    with pytest.raises(ArticleParseError, match="empty file"):
        parse_text(" \n", path="/a.txt", rel_path="a.txt")


def test_article_id() -> None:
    url = "https://newsroom.example.org/news/joint-action-day-phishing-platform"
    assert article_id(url, "a.md") == "u2cd69f8298b"
    assert article_id(f" {url}/ ", "a.md") == "u2cd69f8298b"
    assert article_id(None, "2020/a.md") == "2020/a.md"
    assert article_id("  ", "2020/a.md") == "2020/a.md"


# ---------------------------------------------------------------------------
# Round trips
#
# What the Markdown format can represent, and so what the strategies generate:
# - text fields are one line, without control characters, non-breaking spaces,
#   other whitespace than single spaces, or leading/trailing spaces (the
#   parser normalises all of these);
# - no curly double quotes “ ” anywhere (they delimit quote blocks and speech);
# - body paragraphs start with an ordinary word and end with a full stop, so
#   no paragraph reads as a date, a card or a split sentence; no word inside
#   one ends in closing punctuation that the writer's stray blank line could
#   follow; the body has a paragraph or a quote;
# - quote texts do not end with a comma (`“…,” said X` drops that comma);
# - speakers have distinct, name-like names (capitalised words, optional
#   particle), quotes are said by a card's speaker or by nobody;
# - the type has at most five words; taxonomy facet names survive the trip
#   through their label (`crime_area` ↔ `CRIME AREAS`), values are distinct;
# - the source is the URL's host (lower case), the id follows article_id.

# The test writer's stray blank line may fall after `;`, `’`, `]`, `}` or `…`,
# which the parser reads as closing punctuation (a cut there is not rejoined):
# body paragraphs have none of them before a word.
_CLOSED_BEFORE_WORD = re.compile(r"[;’\]}…] (?=[^\W_])")
_CHAR = st.characters(
    exclude_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"),
    exclude_characters="“”\ufeff",
).filter(lambda ch: not ch.isspace())
_WORD = st.text(_CHAR, min_size=1, max_size=8)
_PHRASE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_PARAGRAPH = st.builds(
    "{} {}.".format, st.sampled_from(["Police", "The", "Investigators", "Officers"]), _PHRASE
).filter(lambda text: not _CLOSED_BEFORE_WORD.search(text))
_QUOTE_TEXT = _PHRASE.filter(lambda text: not text.endswith(","))
_NAME_WORD = st.builds(
    str.__add__,
    st.sampled_from("ABCDEFGHIJKLMNOPRSTUVZÁÉÓÖÜŠŽČĆŁ"),
    st.text("abcdefghijklmnopqrstuvwxyzáéíóöüšžčćłñ", min_size=1, max_size=8),
)
_NAME = st.builds(
    lambda first, particle, last: f"{first} {particle}{last}",
    _NAME_WORD,
    st.sampled_from(["", "van der ", "de ", "von "]),
    _NAME_WORD,
)
_FACET = st.one_of(
    st.sampled_from(sorted(STANDARD_LABELS.values())),
    st.from_regex(r"[a-z]{2,8}(_[a-z]{2,8})?", fullmatch=True),
).filter(lambda name: facet_name(label_for(name)) == name)
_URL = st.builds(
    "https://{}/{}".format,
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{2,8}){1,2}", fullmatch=True),
    st.from_regex(r"[a-z0-9-]{0,20}", fullmatch=True),
)
_STYLES: tuple[QuoteStyle, ...] = ("before", "after", "name-after", "pronoun")


@st.composite
def articles(draw: st.DrawFn) -> tuple[Article, list[QuoteStyle]]:
    """A representable article, with the attribution style of each quote."""
    names = draw(st.lists(_NAME, max_size=3, unique_by=str.casefold))
    speakers = tuple(Speaker(n, draw(st.one_of(st.just(""), _PHRASE))) for n in names)
    paragraphs = draw(st.lists(_PARAGRAPH, max_size=4))
    quotes = tuple(
        Quote(text, draw(st.sampled_from([None, *names])))
        for text in draw(st.lists(_QUOTE_TEXT, min_size=0 if paragraphs else 1, max_size=4))
    )
    taxonomy = {
        name: tuple(draw(st.lists(_PHRASE, min_size=1, max_size=3, unique=True)))
        for name in draw(st.lists(_FACET, max_size=3, unique=True))
    }
    url = draw(st.one_of(st.none(), _URL))
    article = Article(
        id=article_id(url, "a.md"),
        path="/archive/a.md",
        headline=draw(_PHRASE),
        body="\n\n".join(paragraphs),
        url=url,
        source=url.split("/")[2] if url else None,
        date=draw(st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)))),
        type=draw(st.one_of(st.none(), st.lists(_WORD, min_size=1, max_size=5).map(" ".join))),
        speakers=speakers,
        quotes=quotes,
        taxonomy=taxonomy,
    )
    styles = draw(st.lists(st.sampled_from(_STYLES), min_size=len(quotes), max_size=len(quotes)))
    return article, styles


@settings(max_examples=200, deadline=None)
@given(articles(), st.booleans())
def test_markdown_round_trip(case: tuple[Article, list[QuoteStyle]], stray: bool) -> None:
    article, styles = case
    text = write_markdown(article, quote_styles=styles, stray_blank_lines=stray)
    assert parse_markdown(text, path="/archive/a.md", rel_path="a.md") == article


def test_writer_reproduces_the_format_example() -> None:
    article = read_one("format_example.md")
    text = write_markdown(article, quote_styles=["after", "after"])
    assert parse_markdown(text, path=article.path, rel_path="format_example.md") == article


@settings(max_examples=100, deadline=None)
@given(articles())
def test_jsonl_round_trip(case: tuple[Article, list[QuoteStyle]]) -> None:
    article = case[0]
    line = json.dumps(article.to_dict(), ensure_ascii=False)
    assert parse_jsonl_line(line, path=article.path, rel_path="a.jsonl", lineno=1) == article


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(string.printable + "“”•#*[]()\\ \u00a0Šé"), max_size=300))
def test_parse_markdown_never_fails_otherwise(text: str) -> None:
    try:
        article = parse_markdown(text, path="/a.md", rel_path="a.md")
    except ArticleParseError:
        return
    assert article.headline
    assert article.body or article.quotes


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".md", ".jsonl", ".txt"]))
def test_read_file_never_raises(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    parsed = read_file(path, tmp_path)
    assert isinstance(parsed, ParsedFile)
    assert parsed.articles or parsed.errors
