"""The article format (docs/FORMAT.md): every part, its quirks, and malformed input.

Every fixture under tests/fixtures/articles/ shows one thing; the tests give
the exact Article each one must produce.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.identity import article_id
from pressearch.index.ingest.markdown import parse_markdown
from pressearch.models import Article, Quote, Speaker
from tests.index.ingest.articles import (
    FIXTURES,
    error_of,
    fixture_path,
    read_one,
)

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
            # the label wraps: its values go on at the start of the next line
            "target_group": (
                "General Public",
                "Law Enforcement",
                "Industry",
                "Financial Institutions",
                "Healthcare Sector",
                "Other",
            ),
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


def test_wrapped_taxonomy_labels_keep_every_value_and_leave_the_body_alone() -> None:
    article = read_one("taxonomy_wrapped.md")
    assert dict(article.taxonomy) == {
        # the line ends with ` •  ` and the values go on on the next line
        "crime_area": (
            "Intellectual Property Crime",
            "Counterfeiting",
            "Illicit Trafficking of Medicines",
            "Fraud",
        ),
        # wrapped twice
        "target_group": (
            "General Public",
            "Law Enforcement",
            "Industry",
            "Academia",
            "Healthcare Sector",
            "Customs Authorities",
            "Online Platforms",
            "Other",
        ),
        # the line ends with a bare `•`
        "entity": (
            "Intellectual Property Crime Coordinated Coalition (IPC3)",
            "European Financial and Economic Crime Centre (EFECC)",
        ),
        "organisation": ("World Customs Organization",),
        # the wrap falls before the separator: the next line starts with `• `
        "regions": ("Western Balkans", "Nordic & Baltic States", "Iberian Peninsula"),
    }
    assert article.body.split("\n\n") == [
        "Officers in eleven countries checked parcels, pharmacies and websites during a week"
        " of action.",
        "Most of the seized tablets were sold online as slimming pills.",
    ]
    assert article.url == "https://newsroom.example.org/news/counterfeit-medicines-week-of-action"


@pytest.mark.parametrize(
    "footer",
    [
        "CRIME AREAS [A](#) • [B](#) •  \n[C](#)  ",  # as on the pages
        "CRIME AREAS [A](#) • [B](#) •\n[C](#)",  # no line break spaces
        "CRIME AREAS [A](#) • [B](#)•\\\n[C](#)\\",  # backslash line breaks
        "CRIME AREAS [A](#)\t•\t[B](#)\t•\n\t[C](#)",  # tabs
        "CRIME AREAS [A](#) •\n[B](#) •\n[C](#)",  # wrapped twice
        "CRIME AREAS [A](#) • [B](#)\n• [C](#)",  # the wrap before the separator
        "CRIME AREAS [A](#) • [B](#) •\n\n[C](#)",  # a blank line after a dangling •
        "CRIME AREAS [A](#) • [B](#) •\n• [C](#)",  # a • at both ends
    ],
)
def test_wrapped_label_shapes(footer: str) -> None:
    article = parse_markdown(f"# H\n\nBody.\n\n{footer}\n", path="/a.md", rel_path="a.md")
    assert (article.body, dict(article.taxonomy)) == ("Body.", {"crime_area": ("A", "B", "C")})


@pytest.mark.parametrize(
    ("footer", "body"),
    [
        # no dangling • and no leading •: a new paragraph, not more values
        ("CRIME AREAS [A](#) • [B](#)\n\n[C](#) • [D](#)", "Body.\n\nC • D"),
        ("[C](#) • [D](#)", "Body.\n\nC • D"),  # values with no label before them
    ],
)
def test_values_that_continue_no_label_are_body_text(footer: str, body: str) -> None:
    article = parse_markdown(f"# H\n\nBody.\n\n{footer}\n", path="/a.md", rel_path="a.md")
    assert article.body == body


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


def test_markdown_source_that_is_not_a_url_is_ignored() -> None:
    text = "# H\n\nBody.\n\n---\n\n**Source URL:** n/a\n"
    article = parse_markdown(text, path="/archive/a.md", rel_path="a.md")
    assert (article.url, article.source, article.id) == (None, None, "a.md")
