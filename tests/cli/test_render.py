"""Rendering, compared against golden text on fixed-width, colourless consoles.

Results are built by hand so the golden text is exact (no timings drift), and
article text carries Rich markup, ANSI and OSC 8 sequences to prove that an
article can never style, link or take over the terminal.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

import pytest
from rich.console import Console

from pressearch.cli.render import (
    facet_rows,
    link_target,
    render_article,
    render_search,
    render_stats,
)
from pressearch.escape import visible
from pressearch.jsonify import search_json
from pressearch.models import (
    Article,
    FacetCount,
    Hit,
    IndexStats,
    Quote,
    SearchResult,
    Snippet,
    Speaker,
)

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
        "     https://press.example.com/covid\n"
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
        "12 articles · page 1 of 2 · next: --page 2 · 3 ms\n"
    )


def test_query_terminal_golden_wraps_under_the_headline() -> None:
    con, out = console(terminal=True, width=60)
    render_search(result(), con)
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        "  1. FAKE COVID-19 VACCINES SOLD ONLINE",
        "     2020-10-06 · News Article · press.example.com · id",
        "     u0123456789a · score 7.25",
        "     https://press.example.com/covid",
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
        "──── 12 articles · page 1 of 2 · next: --page 2 · 3 ms ─────",
    ]


def test_query_terminal_facet_panels_side_by_side_when_wide() -> None:
    con, out = console(terminal=True, width=100)
    render_search(result(), con)
    assert [line.rstrip() for line in out.getvalue().splitlines()[6:10]] == [
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


def test_sorted_by_date_shows_no_score_and_the_last_page_says_so() -> None:
    con, out = console(terminal=False)
    render_search(replace(result(), page=1, total=12), con, scores=False)
    assert "score" not in out.getvalue()
    con, out = console(terminal=False)
    render_search(replace(result(), page=99, hits=()), con)
    assert out.getvalue() == (
        "Page 99 is past the last page (2); try --page 1.\n"
        "Target group\n"
        "General Public  8\n"
        "Healthcare      2\n"
        "\n"
        "Year\n"
        "2020  12\n"
        "\n"
        "12 articles · page 2 of 2 · 3 ms\n"
    )


def test_one_article_is_singular_and_the_last_page_has_no_next() -> None:
    con, out = console(terminal=False)
    render_search(replace(result(), total=1), con)
    assert out.getvalue().endswith("\n1 article · page 1 of 1 · 3 ms\n")


def test_similar_names_the_article_it_compares_against() -> None:
    about = Article(id="u0123456789a", path="/a.md", headline="THE ORIGINAL", body="x")
    con, out = console(terminal=False)
    render_search(result(), con, about=about)
    assert out.getvalue().startswith("Articles like: THE ORIGINAL (id u0123456789a)\n\n")


def test_hits_link_to_their_url_on_a_terminal_only() -> None:
    out = io.StringIO()
    con = Console(file=out, width=100, force_terminal=True, color_system="standard")
    render_search(result(), con)
    assert (
        "\x1b]8;id=" in out.getvalue()
        and ";https://press.example.com/covid\x1b\\" in out.getvalue()
    )
    con, out = console(terminal=False)
    render_search(result(), con)
    assert "\x1b" not in out.getvalue()


@pytest.mark.parametrize(
    ("url", "path", "target"),
    [
        ("https://press.example.com/a", "/x.md", "https://press.example.com/a"),
        ("HTTP://press.example.com/a", "/x.md", "HTTP://press.example.com/a"),
        ("javascript:alert(1)", "/srv/a b.md", "file:///srv/a%20b.md"),
        ("https://evil.example/\x1b]8;;x", "/x.md", "file:///x.md"),
        ("https://a.example/ b", "relative.md", None),
        (None, "/srv/\x1b[31m.md", None),
    ],
)
def test_a_link_goes_only_to_a_safe_url_or_file(
    url: str | None, path: str, target: str | None
) -> None:
    assert link_target(url, path) == target


def test_facet_panels_cut_with_a_count_and_dates_in_date_order() -> None:
    many = [FacetCount(f"value {i:02d}", 30 - i) for i in range(14)]
    shown, hidden = facet_rows("crime_area", many)
    assert (shown, hidden) == (many[:10], 4)
    months = [
        FacetCount(f"20{y:02d}-{m:02d}", 1 + (y * m) % 7)
        for y in (19, 20, 21)
        for m in range(1, 13)
    ]
    shown, hidden = facet_rows("month", sorted(months, key=lambda c: -c.count))
    assert [c.value for c in shown] == [c.value for c in months[-24:]]
    assert hidden == 12
    con, out = console(terminal=False)
    render_search(replace(result(), facets={"crime_area": many, "entity": []}), con)
    text = out.getvalue()
    assert "value 09  21\n+4 more\n" in text
    assert "Entity" not in text  # an empty facet is not shown


def test_piped_facet_values_are_one_line_each_however_long() -> None:
    long_value = "An organisation with a very long name " * 4
    con, out = console(terminal=False, width=40)
    render_search(replace(result(), facets={"organisation": [FacetCount(long_value, 3)]}), con)
    assert f"{long_value}  3\n" in out.getvalue()


def test_stats_panels_are_cut_too() -> None:
    stats = IndexStats(
        documents=20,
        date_min=dt.date(2020, 1, 1),
        date_max=dt.date(2021, 1, 1),
        facets={
            "entity": {f"E{i:02d}": 20 - i for i in range(15)},
            "year": {"2021": 5, "2020": 15},
        },
        index_path="/ix",
        index_bytes=2048,
    )
    con, out = console(terminal=False)
    render_stats(stats, con)
    text = out.getvalue()
    assert "E09  11\n+5 more\n" in text
    assert "Year\n2020  15\n2021   5\n" in text
