"""URL state and what the pages show: parameters round-trip, marks cut on offsets, links checked."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from pressearch.errors import UsageError
from pressearch.models import FacetCount, SearchResult, Snippet
from pressearch.web.params import SearchParams, parse_search
from pressearch.web.security import host_name, is_loopback
from pressearch.web.view import Piece, error_pieces, facets, pieces, source_link


def parsed(query_string: str, *, strict: bool = True) -> SearchParams:
    return parse_search(parse_qsl(query_string.lstrip("?"), keep_blank_values=True), strict=strict)


@pytest.mark.parametrize(
    "params",
    [
        SearchParams(),
        SearchParams(q='fraud & scams: "a b"~2 #1 ?x=y'),
        SearchParams(
            q="europol",
            filters=(("crime_area", "Drug: Trafficking"), ("type", "Press Release")),
            since="Oct 2020",
            until="2021",
            sort="newest",
            match="any",
            page=3,
            limit=25,
            facets=("year", "all"),
            histogram="month",
        ),
    ],
)
def test_the_url_says_everything_and_reads_back(params: SearchParams) -> None:
    assert parsed(params.query_string()) == params


def test_defaults_stay_out_of_the_url() -> None:
    assert SearchParams().query_string() == "?"
    assert SearchParams(q="a b").query_string() == "?q=a+b"


def test_toggling_a_filter_ignores_case_and_name_spelling_and_resets_the_page() -> None:
    params = SearchParams(q="x", filters=(("crime_area", "Fraud"),), page=4)
    assert params.has_filter("Crime Area", "fraud")
    assert params.toggled("crime", "FRAUD") == SearchParams(q="x")
    assert params.toggled("type", "Speech").filters == (("crime_area", "Fraud"), ("type", "Speech"))


def test_pages_ignore_unknown_parameters_the_api_does_not() -> None:
    assert parsed("q=x&utm_source=mail", strict=False) == SearchParams(q="x")
    with pytest.raises(UsageError, match="unknown parameter 'utm_source'"):
        parsed("q=x&utm_source=mail")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=-1", "limit must be a whole number from 1 to 100"),
        ("page=１", "page must be"),
        ("page=1001", "from 1 to 1000"),
        ("filter=" + "&filter=".join(["a:b"] * 33), "at most 32 'filter'"),
        ("filter=a:" + "b" * 201, "at most 200 characters"),
        ("filter=:b", "expected name:value"),
    ],
)
def test_bounds(query: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parsed(query)


def test_a_filter_splits_at_the_first_colon_or_equals() -> None:
    assert parsed("filter=source%3Ahttps%3A%2F%2Fx").filters == (("source", "https://x"),)
    assert parsed("filter=crime_area%3DA%3DB").filters == (("crime_area", "A=B"),)


def test_marks_are_cut_at_the_offsets() -> None:
    snippet = Snippet("body", "<b>fraud</b> and FRAUD", ((3, 8), (17, 22), (4, 6), (30, 40)))
    assert pieces(snippet) == [
        Piece("<b>"),
        Piece("fraud", marked=True),
        Piece("</b> and "),
        Piece("FRAUD", marked=True),
    ]


def test_the_error_position_is_marked() -> None:
    assert error_pieces("a (b", 2) == [Piece("a "), Piece("(", marked=True), Piece("b")]
    assert error_pieces("a (", 3) == [Piece("a ("), Piece(" ", marked=True)]
    assert error_pieces("a", None) == [Piece("a")]


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://newsroom.example.org/a?b=c", "https://newsroom.example.org/a?b=c"),
        ("HTTP://example.org/", "HTTP://example.org/"),
        ("javascript://example.org/%0Aalert(1)", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("file:///etc/passwd", None),
        ('https://example.org/"onmouseover=alert(1)', None),
        ("https:///no-host", None),
        ("https://exa mple.org/", None),
        (None, None),
    ],
)
def test_only_http_source_links(url: str | None, link: str | None) -> None:
    assert source_link(url) == link


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.2", "example.org"]))
    assert [host_name(h) for h in ("[::1]:80", "LocalHost:8080", "127.0.0.1", "[::1")] == [
        "::1",
        "localhost",
        "127.0.0.1",
        "[::1",
    ]


def test_the_sidebar_lists_selected_values_first_and_says_how_many_it_leaves_out() -> None:
    counts = [FacetCount(f"value {i}", 300 - i) for i in range(250)]
    result = SearchResult("x", "", 300, 1, 10, 1.0, (), {"entity": counts, "year": counts}, None)
    params = SearchParams(q="x", filters=(("entity", "VALUE 9"),))
    (entity,) = facets(result, params, skip=("year",))
    assert [v.value for v in entity.shown[:2]] == ["value 9", "value 0"]
    assert entity.shown[0].selected and entity.shown[0].href == "/?q=x"
    assert entity.shown[1].href == "/?q=x&filter=entity%3AVALUE+9&filter=entity%3Avalue+0"
    assert (len(entity.shown), len(entity.more), entity.unlisted) == (8, 192, 50)
