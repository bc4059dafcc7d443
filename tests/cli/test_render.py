"""Rendering, compared against golden text on fixed-width, colourless consoles.

Results are built by hand so the golden text is exact (no timings drift), and
article text carries Rich markup, ANSI and OSC 8 sequences to prove that an
article can never style, link or take over the terminal.
"""

from __future__ import annotations

import datetime as dt
import io
import json

from rich.console import Console

from pressearch.cli.render import render_article, render_search
from pressearch.escape import visible
from pressearch.jsonify import search_json
from pressearch.models import Article, FacetCount, Hit, Quote, SearchResult, Snippet, Speaker

HOSTILE = "[bold red]pwned[/] \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07"


def console(*, terminal: bool, width: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return (
        Console(
            file=out,
            width=width,
            force_terminal=terminal,
            color_system=None,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=not terminal,
            legacy_windows=False,
        ),
        out,
    )


def result(headline: str = "FAKE COVID-19 VACCINES SOLD ONLINE") -> SearchResult:
    body = Snippet(
        "body", "…criminals sell fake COVID-19 vaccines to worried citizens.", ((20, 28),)
    )
    quote = Snippet("quotes", "Do not buy vaccines online", ((11, 19),))
    hit = Hit(
        rank=1,
        id="u0123456789a",
        path="/archive/covid.md",
        url="https://press.example.com/covid",
        headline=headline,
        date=dt.date(2020, 10, 6),
        type="News Article",
        source="press.example.com",
        score=7.25,
        snippets=(body, quote),
        headline_snippet=Snippet("headline", headline, ((14, 22),)),
    )
    return SearchResult(
        query="covid vaccines",
        parsed="covid AND vaccin",
        total=12,
        page=1,
        limit=10,
        took_ms=3.2,
        hits=(hit,),
        facets={
            "target_group": [FacetCount("General Public", 8), FacetCount("Healthcare", 2)],
            "year": [FacetCount("2020", 12)],
        },
        suggestion=None,
    )


def test_query_plain_golden() -> None:
    con, out = console(terminal=False)
    render_search(result(), con)
    assert out.getvalue() == (
        "  1. FAKE COVID-19 VACCINES SOLD ONLINE\n"
        "     2020-10-06 · News Article · press.example.com · id u0123456789a · score 7.25\n"
        "     …criminals sell fake COVID-19 vaccines to worried citizens.\n"
        "     “Do not buy vaccines online”\n"
        "\n"
        "Target group\n"
        "General Public  8\n"
        "Healthcare      2\n"
        "\n"
        "Year\n"
        "2020  12\n"
        "\n"
        "12 hits · page 1 of 2 · 3 ms\n"
    )


def test_query_terminal_golden_wraps_under_the_headline() -> None:
    con, out = console(terminal=True, width=60)
    render_search(result(), con)
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        "  1. FAKE COVID-19 VACCINES SOLD ONLINE",
        "     2020-10-06 · News Article · press.example.com · id",
        "     u0123456789a · score 7.25",
        "     …criminals sell fake COVID-19 vaccines to worried",
        "     citizens.",
        "     “Do not buy vaccines online”",
        "",
        "╭─ Target group ──────────────────────╮",
        "│ General Public  8  ████████████████ │",
        "│ Healthcare      2  ████             │",
        "╰─────────────────────────────────────╯",
        "╭─ Year ─────────────────────╮",
        "│ 2020  12  ████████████████ │",
        "╰────────────────────────────╯",
        "─────────────── 12 hits · page 1 of 2 · 3 ms ───────────────",
    ]


def test_query_terminal_facet_panels_side_by_side_when_wide() -> None:
    con, out = console(terminal=True, width=100)
    render_search(result(), con)
    assert [line.rstrip() for line in out.getvalue().splitlines()[5:9]] == [
        "╭─ Target group ──────────────────────╮ ╭─ Year ─────────────────────╮",
        "│ General Public  8  ████████████████ │ │ 2020  12  ████████████████ │",
        "│ Healthcare      2  ████             │ ╰────────────────────────────╯",
        "╰─────────────────────────────────────╯",
    ]


def test_matches_are_styled_on_a_colour_terminal() -> None:
    out = io.StringIO()
    con = Console(file=out, width=100, force_terminal=True, color_system="standard")
    render_search(result(), con)
    text = out.getvalue()
    # The headline match "VACCINES" sits inside a highlight style, then the style ends.
    assert "\x1b[1;30;43mVACCINES\x1b[0m" in text


def test_hostile_headline_is_shown_literally_not_interpreted() -> None:
    for terminal in (False, True):
        con, out = console(terminal=terminal, width=200)
        render_search(result(headline=HOSTILE), con)
        text = out.getvalue()
        first = text.splitlines()[0].rstrip()
        assert first == (
            "  1. [bold red]pwned[/] ␛[31mred␛[0m ␛]8;;https://evil.example␇link␛]8;;␇"
        )
        # A colourless console writes no escape at all: every ESC came from the article.
        assert "\x1b" not in text


def test_visible_keeps_offsets_and_removes_every_control() -> None:
    text = "a\x1b[2Jb\x9bc\u202ed\x00e\tf\ng\x7f"
    cleaned = visible(text)
    assert len(cleaned) == len(text)
    assert cleaned == "a␛[2Jb\ufffdc\ufffdd␀e\tf\ng␡"


def test_json_keeps_article_text_unchanged_but_valid() -> None:
    data = search_json(result(headline=HOSTILE))
    line = json.dumps(data, ensure_ascii=False)
    assert json.loads(line)["hits"][0]["headline"] == HOSTILE
    assert "\x1b" not in line  # escaped as \u001b by the JSON encoder


def test_show_plain_golden() -> None:
    article = Article(
        id="u0123456789a",
        path="/archive/a.md",
        headline="JOINT ACTION DAY",
        body="First paragraph.\n\nSecond paragraph.",
        url="https://newsroom.example.org/a",
        source="newsroom.example.org",
        date=dt.date(2023, 3, 14),
        type="Press Release",
        speakers=(Speaker("Marta Kovač", "Head of Unit"),),
        quotes=(Quote("Crime does not pay.", "Marta Kovač"),),
        taxonomy={"crime_area": ("Cybercrime", "Fraud"), "regions": ("Europe",)},
    )
    con, out = console(terminal=False)
    render_article(article, con)
    assert out.getvalue() == (
        "JOINT ACTION DAY\n"
        "2023-03-14 · Press Release · newsroom.example.org · id u0123456789a\n"
        "https://newsroom.example.org/a\n"
        "\n"
        "Marta Kovač — Head of Unit\n"
        "\n"
        "First paragraph.\n"
        "\n"
        "Second paragraph.\n"
        "\n"
        "“Crime does not pay.” — Marta Kovač\n"
        "\n"
        "Crime area: Cybercrime • Fraud\n"
        "Regions: Europe\n"
        "file: /archive/a.md\n"
    )
