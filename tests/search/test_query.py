"""search.query and search.compile: every element of the query language against a fixture archive.

The archive is tests/fixtures/query/*.json, six hand-written articles
(`Article.to_dict()` JSON), indexed here the way index.writer adds documents,
in two segments as an incremental index has them:

- covid: COVID-19, EC3 and "4.5 billion" in the body, a quote and speaker card.
- raid: Zürich and Šileris, "organised crime", a custom `region` facet.
- policy: "policy" (not "police"), 4.5 and billion apart, "crime was organised".
- ransom: "Europol ... arrested" within five words; entity exactly "EC3".
- speech: "policing"; the target group spelled "law enforcement".
- undated: no date, type, source, URL or speakers.

Each test asserts the exact set of matching article ids.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh.searching import Searcher

from pressearch.errors import QueryError, UsageError
from pressearch.models import Article, SearchRequest
from pressearch.search.compile import CompiledQuery, compile_query, field_names
from pressearch.search.expand import MAX_EXPANSIONS
from pressearch.search.query.syntax import SYNTAX
from tests.conftest import index_in_segments

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "query"
ALL = {"covid", "raid", "policy", "ransom", "speech", "undated"}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    articles = [
        Article.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(FIXTURES.glob("*.json"))
    ]
    assert {a.id for a in articles} == ALL
    ix = index_in_segments(tmp_path_factory.mktemp("query-index"), articles[:3], articles[3:])
    with ix.searcher() as s:
        yield s


def compiled(searcher: Searcher, text: str, **flags: Any) -> CompiledQuery:
    return compile_query(SearchRequest(text, **flags), searcher.reader())


def run(searcher: Searcher, c: CompiledQuery) -> list[str]:
    return [hit["id"] for hit in searcher.search(c.query, filter=c.filter, limit=None)]


def hits(searcher: Searcher, text: str, **flags: Any) -> set[str]:
    return set(run(searcher, compiled(searcher, text, **flags)))


def error(searcher: Searcher, text: str, **flags: Any) -> tuple[str, int | None]:
    with pytest.raises(QueryError) as caught:
        compiled(searcher, text, **flags)
    assert caught.value.query == text
    return str(caught.value), caught.value.position


# --- Words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("europol", {"covid", "raid", "ransom"}),  # "Europol’s" included
        ("police network", {"raid"}),  # every word, in any default field
        ("police", {"raid", "speech"}),  # stemmed: policing too, not policy
        ("Sileris", {"raid"}),  # Šileris, speaker and quote attribution
        ("zurich", {"raid"}),
        ("ZÜRICH", {"raid"}),
        ("COVID-19", {"covid"}),
        ("covid", {"covid"}),
        ("EC3", {"covid"}),  # in covid's body; ransom has it only as a facet
        ("4.5 billion", {"covid", "policy"}),
        ('"4.5 billion"', {"covid"}),
        ("de bolle", {"covid"}),  # the speaker field is searched by default
        ("police or zürich", {"raid"}),  # lower-case "or" is a (stop) word
        ("police and zürich", {"raid"}),
        ("police not zürich", {"raid"}),
    ],
)
def test_bare_words_must_all_match(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected


def test_match_any_ranks_articles_matching_more_words_first(searcher: Searcher) -> None:
    c = compiled(searcher, "police cocaine", match="any")
    ranked = run(searcher, c)
    assert set(ranked) == {"raid", "speech"}
    assert ranked[0] == "raid"  # both words; speech has only "policing"
    assert hits(searcher, "police ransomware cocaine", match="any") == {
        "covid",
        "raid",
        "ransom",
        "speech",
    }


# --- Operators -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match", "expected"),
    [
        ("police AND zürich", "all", {"raid"}),
        ("police OR zürich", "all", {"raid", "speech"}),
        ("police OR fraud", "all", {"raid", "speech", "policy"}),
        ("police NOT zürich", "all", {"speech"}),
        ("police AND NOT zürich", "all", {"speech"}),
        ("NOT europol", "all", {"policy", "speech", "undated"}),
        ("police -zürich", "all", {"speech"}),
        ("-europol", "all", {"policy", "speech", "undated"}),
        ("+police zürich", "all", {"raid"}),
        ("police NOT zürich", "any", {"speech"}),
        ("police -zürich", "any", {"speech"}),
        ("+police ransomware cocaine", "any", {"raid", "speech"}),
        ("ransomware OR -europol", "all", {"covid", "ransom", "policy", "speech", "undated"}),
        ("europol (ransomware OR cocaine)", "all", {"covid", "raid", "ransom"}),
        ("europol (ransomware OR cocaine) -gang", "all", {"covid", "raid"}),
        ("(europol -gang) OR pensioners", "all", {"covid", "raid", "policy"}),
        ("(europol -gang) OR pensioners", "any", {"covid", "raid", "policy"}),
        ("europol ransomware OR cocaine", "all", {"covid", "raid", "ransom"}),
        ("gang OR cocaine AND zürich", "all", {"ransom", "raid"}),
        ("europol^2 gang", "all", {"ransom"}),
    ],
)
def test_operators(searcher: Searcher, text: str, match: str, expected: set[str]) -> None:
    assert hits(searcher, text, match=match) == expected


# --- Lucene's operators and escapes --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match", "expected"),
    [
        ("police || zürich", "all", {"raid", "speech"}),
        ("police && zürich", "all", {"raid"}),
        ("police AND !zürich", "all", {"speech"}),
        ("police !zürich", "all", {"speech"}),
        ("!europol", "all", {"policy", "speech", "undated"}),
        ("!headline:police police", "all", set()),
        ("-headline:police police", "all", set()),
        ("-body:europol police", "all", {"speech"}),
        ("+body:europol police", "any", {"covid", "raid", "ransom"}),
        ("-(europol OR police)", "all", {"policy", "undated"}),
        ("!(europol || police)", "all", {"policy", "undated"}),
        ("+(police OR fraud) -zürich", "any", {"speech", "policy"}),
        ("police OR -zürich", "all", ALL),  # police, or anything without zürich
        ("\\(police\\)", "all", {"raid", "speech"}),  # an escaped parenthesis is text
        ('\\"police\\"', "all", {"raid", "speech"}),
        ("europol\\*", "all", {"covid", "raid", "ransom"}),  # a plain word, not a pattern
        ("covid\\-19", "all", {"covid"}),
        ("europol^3~", "all", {"covid", "raid", "ransom"}),  # fuzzy, then boosted
        ("europol~^3", "all", {"covid", "raid", "ransom"}),
        ("(police zürich)^2", "all", {"raid"}),
    ],
)
def test_lucene_operators_and_escapes(
    searcher: Searcher, text: str, match: str, expected: set[str]
) -> None:
    assert hits(searcher, text, match=match) == expected


# --- Phrases, wildcards, fuzzy words ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"organised crime"', {"raid"}),
        ("organised crime", {"raid", "policy"}),
        ('"Europol arrested"', set()),
        # Lucene's slop: within five moves, in either order ("Europol … arrested"
        # in ransom, "arrested … Europol" in raid).
        ('"Europol arrested"~5', {"ransom", "raid"}),
        ('"arrested Europol"~5', {"raid"}),  # reversed in ransom: stop words between
        ('"police cooperation across borders"', {"speech"}),
        ("cyber*", {"covid", "ransom"}),  # cybercrime, cybercriminals
        ("polic*", {"raid", "policy", "speech"}),  # police, policy, policing
        ("police*", {"raid", "speech"}),  # police itself, stored stemmed
        ("Zür*", {"raid"}),
        ("organi?ed", {"raid", "policy"}),
        ("cybercrme~", {"covid"}),
        ("cybercrm~", set()),
        ("cybercrm~2", {"covid"}),
        ("Silleris~", {"raid"}),
        ("polic* -zürich", {"policy", "speech"}),
    ],
)
def test_phrases_wildcards_and_fuzzy(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected


def test_fuzzy_counts_a_swap_as_one_edit_in_one_segment_or_several(
    searcher: Searcher, tmp_path: Path
) -> None:
    covid = Article.from_dict(json.loads((FIXTURES / "covid.json").read_text(encoding="utf-8")))
    ix = index_in_segments(tmp_path, [covid])
    with ix.searcher() as one_segment:
        assert hits(one_segment, "cybrecrime~") == {"covid"}
    assert hits(searcher, "cybrecrime~") == {"covid"}


# --- Fields and facets -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("headline:police", {"raid", "speech"}),
        ("title:ransomware", {"ransom"}),
        ("Headline:ransomware", {"ransom"}),
        ("body:europol", {"covid", "raid", "ransom"}),
        ("body:(cocaine OR hospitals)", {"raid", "ransom"}),
        ("quote:crime", {"raid"}),
        ("quotes:crisis", {"covid"}),
        ('quote:"share data"', {"speech"}),
        ("speaker:sileris", {"raid"}),
        ('speaker:"de bolle"', {"covid"}),
        ("role:director", {"covid"}),
        ("role:operations", {"raid"}),
        ('type:"press release"', {"covid", "policy"}),
        ("type:SPEECH", {"speech"}),
        ("source:europol", {"covid", "raid", "ransom"}),
        ("source:interpol", {"speech"}),
        ("url:https://www.eurojust.europa.eu/news/investment-fraud-policy", {"policy"}),
        ('url:"https://www.eurojust.europa.eu/news/investment-fraud-policy/"', {"policy"}),
        ("url:https://www.europol.europa.eu/newsroom/*", {"covid", "raid", "ransom"}),
        ('target_group:"law enforcement"', {"covid", "raid", "speech"}),
        ('target_group:"LAW  Enforcement"', {"covid", "raid", "speech"}),
        ("target:industry", {"ransom"}),
        ("crime_area:cybercrime", {"covid", "ransom"}),
        ("crime:fraud", {"policy"}),
        ("entity:ec3", {"ransom"}),
        ("entity:*EC3*", {"covid", "ransom"}),
        ("organisation:europol", {"covid", "raid", "ransom"}),
        ('org:"kantonspolizei zurich"', {"raid"}),
        ("year:2020", {"covid", "raid"}),
        ("month:2020-10", {"raid"}),
        ("year:[2019 TO 2020]", {"covid", "raid", "ransom", "speech"}),
        ("year:>2020", {"policy"}),
        ('region:"western europe"', {"raid"}),
        ("region:*europe", {"raid", "policy"}),
        ("target_group:pensioners", set()),  # an unknown value matches nothing
        ("europol target_group:pensioners", set()),
        ("europol -target_group:industry", {"covid", "raid"}),
        ("crime_area:(fraud OR terrorism)", {"policy", "undated"}),
    ],
)
def test_fields_and_facets(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected


def test_field_names_lists_every_facet_of_the_index(searcher: Searcher) -> None:
    assert field_names(searcher.reader()) == [
        "headline",
        "body",
        "quote",
        "speaker",
        "role",
        "url",
        "date",
        "year",
        "month",
        "type",
        "source",
        "target_group",
        "crime_area",
        "entity",
        "organisation",
        "region",
    ]


# --- Dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2020", {"covid", "raid"}),
        ("date:2020-10", {"raid"}),
        ("date:2020-10-06", {"raid"}),
        ('date:"Oct 2020"', {"raid"}),
        ('date:"6 October 2020"', {"raid"}),
        ("date:06/10/2020", {"raid"}),  # day first
        ("date:[2019 TO 2020-06]", {"ransom", "speech", "covid"}),
        ("date:[2019-11-15 TO 2020-04-03]", {"ransom", "covid"}),
        ("date:{2019 TO 2021}", {"covid", "raid"}),
        ("date:>2020-04-03", {"raid", "policy"}),
        ("date:>=2020-04-03", {"covid", "raid", "policy"}),
        ("date:<2020", {"ransom", "speech"}),
        ("date:<=2019-02-14", {"speech"}),
        ("date:>2020", {"policy"}),
        ("date:[2020 TO *]", {"covid", "raid", "policy"}),
        ("date:(2019 OR 2021)", {"ransom", "speech", "policy"}),
        ("date:2020 date:2020-10", {"raid"}),  # overlapping ranges intersect
        ("europol date:2020", {"covid", "raid"}),
    ],
)
def test_dates(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected


def test_since_and_until_are_anded_in(searcher: Searcher) -> None:
    assert hits(searcher, "europol", since="Oct 2020") == {"raid"}
    assert hits(searcher, "europol", until="2019") == {"ransom"}
    assert hits(searcher, "europol", since="6 October 2020", until="2020-10-06") == {"raid"}
    assert hits(searcher, "date:2020", since="2020-05") == {"raid"}
    assert hits(searcher, "", since="2021") == {"policy"}


def test_filters_or_within_a_facet_and_across_facets(searcher: Searcher) -> None:
    filters = (("target", "LAW ENFORCEMENT"), ("year", "2020"), ("year", "2019"))
    assert hits(searcher, "", filters=filters) == {"covid", "raid", "speech"}
    assert hits(searcher, "europol", filters=filters) == {"covid", "raid"}
    # A value no article has is an error (naming the closest values), not an empty result.
    with pytest.raises(QueryError, match="no region value 'nowhere' — see: pressearch facets"):
        hits(searcher, "europol", filters=(("region", "nowhere"),))
    assert hits(searcher, "", filters=(("type", "speech"),)) == {"speech"}


# --- Errors ------------------------------------------------------------------------

FIELDS = (
    "headline, body, quote, speaker, role, url, date, year, month, type, source, "
    "target_group, crime_area, entity, organisation, region"
)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        (
            "hedline:europol",
            f"unknown field 'hedline' at position 0 — did you mean 'headline'? Fields: {FIELDS}",
            0,
        ),
        ("europol xyz:1", f"unknown field 'xyz' at position 8 — fields: {FIELDS}", 8),
        (
            "titel:x",
            f"unknown field 'titel' at position 0 — did you mean 'title'? Fields: {FIELDS}",
            0,
        ),
        (
            "headline: ",
            "field 'headline' at position 0 has no value — write headline:word or "
            'headline:"a phrase"',
            0,
        ),
        (
            "europol (body:)",
            "field 'body' at position 9 has no value — write body:word or body:\"a phrase\"",
            9,
        ),
        (
            "headline:-gang",
            "'-' after field 'headline' at position 9 — put it before the field: -headline:gang",
            9,
        ),
        (
            '"organised crime',
            'unbalanced double quote at position 0 — add the closing " or remove this one',
            0,
        ),
        (
            'police "zürich" "drug',
            'unbalanced double quote at position 16 — add the closing " or remove this one',
            16,
        ),
        (
            "(police OR fraud",
            "unbalanced parenthesis: '(' at position 0 is never closed — add ')' or remove it",
            0,
        ),
        (
            "police OR fraud)",
            "unbalanced parenthesis: ')' at position 15 has no matching '(' — "
            "remove it or add '(' before it",
            15,
        ),
        (
            "cyber AND",
            "'AND' at position 6 has nothing after it — add a word after it or remove it",
            6,
        ),
        (
            "OR fraud",
            "'OR' at position 0 has nothing before it — put a word before it or remove it",
            0,
        ),
        (
            "(OR fraud)",
            "'OR' at position 1 has nothing before it — put a word before it or remove it",
            1,
        ),
        ("cyber AND OR fraud", "'OR' at position 10 follows 'AND' — remove one of them", 10),
        (
            "fraud NOT",
            "'NOT' at position 6 has nothing after it — add a word after it or remove it",
            6,
        ),
        ("NOT NOT fraud", "'NOT' at position 0 is followed by 'NOT' — remove one of them", 0),
        (
            "date:xyz",
            "unreadable date 'xyz' at position 5 — write date:2020, date:2020-10, "
            'date:2020-10-06 or date:"6 October 2020"',
            5,
        ),
        (
            'date:"6 Octember 2020"',
            "unreadable date '6 Octember 2020' at position 6 — write date:2020, date:2020-10, "
            'date:2020-10-06 or date:"6 October 2020"',
            6,
        ),
        (
            "date:October",  # no year
            "unreadable date 'October' at position 5 — write date:2020, date:2020-10, "
            'date:2020-10-06 or date:"6 October 2020"',
            5,
        ),
        (
            "date:[2019 TO someday]",
            "unreadable date 'someday' at position 14 — write date:2020, date:2020-10, "
            'date:2020-10-06 or date:"6 October 2020"',
            14,
        ),
        (
            "date:[2021 TO 2019]",
            "date range at position 5 ends before it starts — swap the two dates",
            5,
        ),
        (
            "date:20*",
            "date value '20*' at position 5 can't use wildcards or ~ — write date:2020, "
            'date:2020-10, date:2020-10-06 or date:"6 October 2020"',
            5,
        ),
        (
            "[a TO b]",
            "range at position 0 can't be used on headline — ranges work on date, year and "
            "month: date:[2019 TO 2021-06]",
            0,
        ),
        (
            "*",
            "a lone '*' at position 0 would match everything — add letters to it (cyber*)",
            0,
        ),
        (
            "europol headline:*",
            "a lone '*' at position 17 would match everything — add letters to it (cyber*)",
            17,
        ),
        (
            "europol c*",
            "wildcard 'c*' at position 8 needs at least 2 letters before the first * or ? "
            "— e.g. cyber*",
            8,
        ),
        (
            "*crime",
            "wildcard '*crime' at position 0 needs at least 2 letters before the first * or "
            "? — e.g. cyber*",
            0,
        ),
        (
            "fra~",
            "'fra~' at position 0 is too short for fuzzy matching (at least 4 letters) — "
            "write the word exactly",
            0,
        ),
        (
            "fraud~3",
            "fuzzy distance '~3' at position 5 is not allowed — use ~1 or ~2",
            5,
        ),
        (
            "(fraud OR scam)~2",
            "'~' at position 15 must follow a word (cybercrme~) or a phrase (\"cyber attack\"~5)",
            15,
        ),
        (
            "entity:ec3~",
            "fuzzy matching at position 7 works on text fields only — write the entity value "
            "exactly, or use wildcards: entity:*part*",
            7,
        ),
        (
            "police^-1",
            "boost '^-1' at position 6 must be a positive number — e.g. fraud^2 or "
            "(fraud OR scam)^1.5",
            6,
        ),
        (
            "police^abc",
            "boost '^abc' at position 6 must be a positive number — e.g. fraud^2 or "
            "(fraud OR scam)^1.5",
            6,
        ),
        ("(a b)^5.0^2.0", "second boost at position 9 — give one boost: fraud^2", 9),
        ("police~1.1", "fuzzy distance '~1.1' at position 6 is not allowed — use ~1 or ~2", 6),
        (
            '"police europol"~x',
            "slop '~x' at position 16 must be a whole number of moves — e.g. \"cyber attack\"~3",
            16,
        ),
        (
            "year:[2019 OR 2020]",
            "range '[2019 OR 2020]' at position 5 must be [low TO high] — e.g. "
            "date:[2019 TO 2021-06] (* leaves an end open)",
            5,
        ),
        ("+-police", "'+' at position 0 is followed by '-' — keep one of them", 0),
        ("--body:police", "'-' at position 0 is followed by '-' — keep one of them", 0),
        ("police AND !-x", "'!' at position 11 is followed by '-' — keep one of them", 11),
        (
            "police\\",
            "'\\' at position 6 escapes nothing — remove it, or write \\\\ for a backslash",
            6,
        ),
        (
            "tag: taxes",
            f"unknown field 'tag' at position 0 — did you mean 'target'? Fields: {FIELDS}",
            0,
        ),
        (
            "headline:body:police",
            "field 'headline' at position 0 is followed by another field — give one field: "
            "headline:word",
            0,
        ),
        ("", 'empty query — type a word, a "phrase" or field:value', None),
        ("   ", 'empty query — type a word, a "phrase" or field:value', None),
        (
            "the of",
            "query 'the of' has only stop words, which the index leaves out — "
            "add a word that carries meaning",
            None,
        ),
        (
            "!!! ...",
            "query '!!! ...' has nothing to search for — type a word, a \"phrase\" or field:value",
            None,
        ),
        (
            "word " * 1001,
            "query has 1,001 terms; the limit is 500 — shorten it or split it into several queries",
            None,
        ),
        (
            "x" * 20_001,
            "query is 20,001 characters long; the limit is 20,000 — shorten it",
            None,
        ),
        (
            "(" * 21 + "x" + ")" * 21,
            "parentheses nested more than 20 deep at position 20 — simplify the query",
            20,
        ),
    ],
)
def test_errors_point_at_the_problem(
    searcher: Searcher, text: str, message: str, position: int | None
) -> None:
    assert error(searcher, text) == (message, position)


def test_flag_errors(searcher: Searcher) -> None:
    assert error(searcher, "europol", since="someday") == (
        "unreadable --since date 'someday' — write e.g. 2020, 2020-10, Oct 2020, "
        "6 October 2020, today or now-7d",
        None,
    )
    assert error(searcher, "europol", since="2021", until="2020") == (
        "--since '2021' is after --until '2020' — swap them",
        None,
    )
    assert error(searcher, "europol", filters=(("regon", "x"),)) == (
        "unknown facet 'regon' in --filter — did you mean 'region'? Facets: year, month, "
        "type, source, target_group, crime_area, entity, organisation, region",
        None,
    )
    with pytest.raises(UsageError, match="match must be 'all' or 'any', not 'most'"):
        SearchRequest("europol", match="most")  # type: ignore[arg-type]


def test_messages_show_control_characters_escaped(searcher: Searcher) -> None:
    assert error(searcher, "date:\x1b[31m") == (
        "unreadable date '\\x1b[31m' at position 5 — write date:2020, date:2020-10, "
        'date:2020-10-06 or date:"6 October 2020"',
        5,
    )
    assert error(searcher, "the\nof") == (
        "query 'the\\nof' has only stop words, which the index leaves out — "
        "add a word that carries meaning",
        None,
    )


def test_wildcards_that_expand_too_far_are_refused(tmp_path: Path) -> None:
    words = " ".join(f"zz{n}" for n in range(MAX_EXPANSIONS + 1))
    big = Article(id="big", path="big.json", headline="Many words", body=words)
    ix = index_in_segments(tmp_path, [big])
    with ix.searcher() as s:
        assert hits(s, "zz1*") == {"big"}  # zz1, zz10-zz19, zz100-zz199, zz1000
        with pytest.raises(QueryError) as caught:
            compiled(s, "many zz*")
    assert str(caught.value) == (
        "wildcard 'zz*' at position 5 matches more than 1,000 words — add letters to narrow it"
    )
    assert caught.value.position == 5


# --- Explain -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flags", "explain"),
    [
        (
            "COVID-19 police",
            {},
            "typed:  COVID-19 police\n"
            "query:  covid-19 AND polic\n"
            "fields: words without a field search headline, body, quote and speaker",
        ),
        (
            'cybercrme~ OR polic* title:"Organised Crime"~3',
            {},
            'typed:  cybercrme~ OR polic* title:"Organised Crime"~3\n'
            "query:  (cybercrme~ [cybercrim] OR polic* [polic, polici]) AND "
            'headline:"organis crime"~3\n'
            "fields: words without a field search headline, body, quote and speaker",
        ),
        (
            'target:"law enforcement" entity:*ec3* -year:2019 date:[2019 TO 2020-06]',
            {},
            'typed:  target:"law enforcement" entity:*ec3* -year:2019 date:[2019 TO 2020-06]\n'
            'query:  (target_group:"Law Enforcement" OR target_group:"law enforcement") AND '
            '(entity:EC3 OR entity:"European Cybercrime Centre (EC3)") AND '
            "date:[2019-01-01 TO 2020-06-30] AND NOT year:2019",
        ),
        (
            "+europol ransomware cocaine",
            {"match": "any", "since": "Oct 2020", "filters": (("org", "Europol"),)},
            "typed:  +europol ransomware cocaine\n"
            "query:  (europol ANDMAYBE (ransomwar OR cocain)) AND date:>=2020-10-01\n"
            "filter: organisation:Europol\n"
            "fields: words without a field search headline, body, quote and speaker\n"
            "match:  any word may match; articles matching more words rank higher",
        ),
        (
            "europol crime:piracy date:>2020-01-01",
            {},
            "typed:  europol crime:piracy date:>2020-01-01\n"
            "query:  europol AND crime_area:piracy AND date:>2020-01-01\n"
            "fields: words without a field search headline, body, quote and speaker\n"
            "note:   no crime_area value matches 'piracy' — see: pressearch facets crime_area",
        ),
        (
            "europol\x1b[31m",  # terminal escapes in the query are shown, not obeyed
            {},
            "typed:  europol\\x1b[31m\n"
            "query:  europol AND 31m\n"
            "fields: words without a field search headline, body, quote and speaker",
        ),
        (
            "",
            {"filters": (("type", "speech"),)},
            "typed:  (no words)\nquery:  (every article)\nfilter: type:Speech",
        ),
    ],
)
def test_explain(searcher: Searcher, text: str, flags: dict[str, Any], explain: str) -> None:
    assert compiled(searcher, text, **flags).explain == explain


# --- The reference -----------------------------------------------------------------

# Every example the reference gives, each of which must compile (the one for
# a custom label, `regions:`, names a label of the bundled sample, not of these
# fixtures: tests/test_readme.py runs every example on the sample).
SYNTAX_EXAMPLES = [
    "europol ransomware",
    "COVID-19",
    "EC3",
    '"organised crime"',
    '"europol arrest"~5',
    "fraud AND phishing",
    "fraud OR phishing",
    "fraud NOT phishing",
    "(fraud OR scam) AND bank",
    "+europol fraud scam",
    "fraud -phishing",
    "fraud^2 scam",
    "cyber*",
    "organi?ation",
    "cybercrme~",
    "cybercrme~2",
    "headline:europol",
    "body:ransomware",
    'quote:"perfect lure"',
    'speaker:"Pieter de Graaf"',
    "role:director",
    'url:"https://www.intlcrime.example.int/en/publications/global-organised-crime-outlook-2025"',
    "headline:(fraud OR scam)",
    'type:"press release"',
    "source:press.interior.example.gov",
    'target_group:"law enforcement"',
    'crime_area:"cybercrime"',
    'entity:"coordination centre"',
    "organisation:eurojust",
    "year:2020",
    "month:2020-10",
    "entity:*ec3*",
    "year:[2018 TO 2020]",
    "date:2020",
    "date:2020-10",
    'date:"Oct 2020"',
    "date:2020-10-06",
    'date:"6 October 2020"',
    "date:[2019 TO 2021-06]",
    "date:{2019 TO 2021}",
    "date:>2020-01-01",
    "date:>=2020",
    "date:<2021",
    "date:<=2020-06",
]


@pytest.mark.parametrize("example_text", SYNTAX_EXAMPLES)
def test_every_syntax_example_is_in_the_reference_and_compiles(
    searcher: Searcher, example_text: str
) -> None:
    assert example_text in SYNTAX
    compiled(searcher, example_text)


# --- Robustness ----------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "AND", "OR", "NOT", "and", "(", ")", '"', "headline:", "date:", "title:",
        "entity:", "year:", "url:", "xx:", "*", "?", "~", "~2", "^2", "+", "-", "[",
        "]", "{", "}", " TO ", ">", "<=", "2020", "2020-10", "Oct 2020", "police",
        "cyber*", "cybercrme~", "COVID-19", "Šileris", " ", ":", "\\", "/", "\n",
        "\x00", '"4.5 billion"', "-fraud", "+scam", "*ec*", "the", "https://x.eu/a",
    ]
)  # fmt: skip
QUERIES = st.one_of(
    st.text(),
    st.lists(PIECES, max_size=30).map("".join),
    st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=30).map("".join),
    st.text(min_size=1, max_size=3).map(lambda s: s * 3000),
)


@settings(
    max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=QUERIES, match=st.sampled_from(["all", "any"]))
@example(text="<a", match="all")  # Whoosh's >/< filter trips on a leading "<"
@example(text="(police -fraud) OR (date:2020 date:>=2020-06)", match="any")
@example(text="date:2020 date:2020-10", match="all")  # Whoosh merging DateRanges crashes
@example(text="NOT OR foo", match="all")
def test_any_input_compiles_or_fails_cleanly_and_searches_quickly(
    searcher: Searcher, text: str, match: str
) -> None:
    start = time.perf_counter()
    try:
        c = compiled(searcher, text, match=match)
    except QueryError as exc:
        assert "\n" not in str(exc)
        assert exc.position is None or 0 <= exc.position <= len(text)
    else:
        run(searcher, c)
    assert time.perf_counter() - start < 2.0


def test_a_boost_with_nothing_before_it_is_an_error(searcher: Searcher) -> None:
    # Found by the fuzz test: Whoosh left `^0` as a term of no field.
    assert error(searcher, "0(^0)") == (
        "'^0' at position 2 boosts nothing — put the boost right after a word or group, "
        "e.g. fraud^2 or (fraud OR scam)^2",
        2,
    )


# --- Lucene's slop ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slop_searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    bodies = {
        "ordered": "The super federal fund grew.",
        "reversed": "The federal super fund grew.",
        "apart": "A super big federal fund.",
        "far": "Super funds and one federal agency reported gains yesterday.",
        "repeated": "Fund after fund failed.",
        "once": "One fund failed.",
    }
    articles = [
        Article(id=key, path=f"/archive/{key}.md", headline="Report", body=body)
        for key, body in bodies.items()
    ]
    ix = index_in_segments(tmp_path_factory.mktemp("slop"), articles[:3], articles[3:])
    with ix.searcher() as s:
        yield s


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"super federal"', {"ordered"}),
        ('"super federal"~1', {"ordered", "apart"}),  # one word between: one move
        # Swapped: two moves; "far" has three words between ("and" holds its place).
        ('"super federal"~2', {"ordered", "apart", "reversed"}),
        ('"federal super"~2', {"ordered", "reversed"}),
        ('"federal super"~1', {"reversed"}),
        ('"federal super"~4', {"ordered", "reversed", "apart"}),
        ('"super federal fund"~1', {"ordered", "apart"}),
        ('"fund super"~3', {"ordered", "reversed", "far"}),
        ('"fund fund"~2', {"repeated"}),  # a repeated word needs two places
        ('headline:"super federal"~5', set()),
        ('body:"federal super"~2 -"super federal"', {"reversed"}),
    ],
)
def test_phrase_slop_is_lucenes(slop_searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(slop_searcher, text) == expected


def test_the_reference_describes_slop_as_moves() -> None:
    assert '"a b"~2 also finds "b a"' in SYNTAX


# --- A space after the field's colon ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("headline: police", {"raid", "speech"}),
        ("headline:  (ransomware OR police)", {"ransom", "raid", "speech"}),
        ("crime_area: cybercrime", {"covid", "ransom"}),
        ('type: "press release"', {"covid", "policy"}),
        ("date: 2020", {"covid", "raid"}),
        ("year: [2019 TO 2020]", {"covid", "raid", "ransom", "speech"}),
        ("europol -headline: police", {"covid", "ransom"}),
        ("body:\tcocaine", {"raid"}),
    ],
)
def test_a_space_may_follow_the_colon(searcher: Searcher, text: str, expected: set[str]) -> None:
    assert hits(searcher, text) == expected
    assert hits(searcher, text) == hits(searcher, re.sub(r":\s+", ":", text))


# --- Precedence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("gang OR cocaine AND zürich", "gang OR (cocaine AND zürich)"),
        ("ransomware OR -europol", "ransomware OR (NOT europol)"),
        ("europol ransomware OR cocaine", "europol AND (ransomware OR cocaine)"),
        ("NOT gang AND europol", "(NOT gang) AND europol"),
        ("police OR fraud AND NOT zürich OR gang", "police OR (fraud AND NOT zürich) OR gang"),
    ],
)
def test_precedence_not_and_or_then_side_by_side(
    searcher: Searcher, text: str, same_as: str
) -> None:
    assert hits(searcher, text) == hits(searcher, same_as)


def test_the_reference_shows_where_lucene_reads_differently() -> None:
    # The two places Lucene's classic parser differs, each with its explicit form.
    assert "a OR b AND c                here a OR (b AND c)" in SYNTAX
    assert "a OR -b                     here a OR (NOT b); Lucene: a AND NOT b." in SYNTAX
