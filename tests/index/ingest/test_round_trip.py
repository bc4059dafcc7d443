"""Property tests: articles written as Markdown or JSON Lines read back exactly."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressearch.errors import ArticleParseError
from pressearch.index.ingest import ParsedFile, read_file
from pressearch.index.ingest.identity import article_id
from pressearch.index.ingest.jsonl import parse_jsonl_line
from pressearch.index.ingest.markdown import parse_markdown
from pressearch.index.ingest.names import OPENERS, TITLE_WORDS
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import STANDARD_LABELS, facet_name
from tests.index.ingest.articles import (
    read_one,
)
from tests.index.markdown_writer import QuoteStyle, WrapStyle, label_for, write_markdown

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
#   through their label (`crime_area` ↔ `CRIME AREAS`), values are distinct,
#   and a long label may wrap onto more lines;
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
# Not a surname: `St`, `Gen`, `Col`... before a full stop (`said Aa St.`) is
# read as an abbreviation (`St.`), as in `Dr. John F. Kennedy`.
_ABBREVIATED = frozenset({"St", "Gen", "Col", "Lt", "Sgt", "Det", "Dr", "Mr", "Mrs", "Ms", "Prof"})
_NAME = st.builds(
    lambda first, particle, last: f"{first} {particle}{last}",
    _NAME_WORD,
    st.sampled_from(["", "van der ", "de ", "von "]),
    _NAME_WORD.filter(lambda word: word not in _ABBREVIATED),
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
        taxonomy=draw(_TAXONOMY),
    )
    styles = draw(st.lists(st.sampled_from(_STYLES), min_size=len(quotes), max_size=len(quotes)))
    return article, styles


_TAXONOMY = st.dictionaries(
    _FACET, st.lists(_PHRASE, min_size=1, max_size=6, unique=True).map(tuple), max_size=3
)
# Wrapping: values per line (0: no wrap), and where the line breaks.
_WRAP = st.tuples(st.integers(0, 3), st.sampled_from(["after", "before"]))


@settings(max_examples=200, deadline=None)
@given(articles(), st.booleans(), _WRAP)
def test_markdown_round_trip(
    case: tuple[Article, list[QuoteStyle]], stray: bool, wrap: tuple[int, WrapStyle]
) -> None:
    article, styles = case
    text = write_markdown(
        article,
        quote_styles=styles,
        stray_blank_lines=stray,
        wrap_labels=wrap[0],
        wrap_style=wrap[1],
    )
    assert parse_markdown(text, path="/archive/a.md", rel_path="a.md") == article


# Referenced speakers. Speaker cards have a title that no other card shares
# and that is no rank or leadership word (`Prosecutor, Eurojust`), referred
# to as `the prosecutor`. Officials named in the first paragraph with the
# leading title of an organisation (`INTERPOL Secretary General X Y and
# Europol Executive Director Z W opened the meeting.`), one per
# organisation, are referred to as `the INTERPOL Chief`. A person's name has
# no title or opening word in it (`Ms`, `Head`, `The`), which the parser
# would read as a title; it may have its surname in capitals (`Aa VAN BBB`).
_CARD_TITLES = (
    "Prosecutor",
    "Spokesperson",
    "Inspector",
    "Ambassador",
    "Rapporteur",
    "Envoy",
    "Analyst",
    "Investigator",
)
_ORGANISATIONS = ("INTERPOL", "Europol", "Eurojust", "Frontex")
_LEAD_TITLES = ("Secretary General", "Executive Director", "President", "Director")
_NOT_NAMES = TITLE_WORDS | OPENERS | {o.casefold() for o in _ORGANISATIONS}
_PERSON = st.one_of(
    _NAME, _NAME.map(lambda name: " ".join([name.split()[0], *name.upper().split()[1:]]))
).filter(lambda name: not _NOT_NAMES.intersection(name.casefold().split()))


@st.composite
def articles_with_references(
    draw: st.DrawFn,
) -> tuple[Article, list[QuoteStyle], dict[str, str]]:
    """A representable article whose quotes may refer to speakers by title."""
    people = draw(st.lists(_PERSON, min_size=1, max_size=5, unique_by=str.casefold))
    split = draw(st.integers(0, len(people)))
    cards, officials = people[:split], people[split:][: len(_ORGANISATIONS)]
    titles = draw(st.permutations(_CARD_TITLES))[: len(cards)]
    card_orgs = [draw(st.sampled_from(["", *_ORGANISATIONS])) for _ in cards]
    speakers = tuple(
        Speaker(name, f"{title}, {org}" if org else title)
        for name, title, org in zip(cards, titles, card_orgs, strict=True)
    )
    references = {name: f"the {title.lower()}" for name, title in zip(cards, titles, strict=True)}
    paragraphs = draw(st.lists(_PARAGRAPH, min_size=1, max_size=3))
    if officials:
        orgs = draw(st.permutations(_ORGANISATIONS))[: len(officials)]
        intros = [
            f"{org} {draw(st.sampled_from(_LEAD_TITLES))} {name}"
            for name, org in zip(officials, orgs, strict=True)
        ]
        paragraphs.insert(0, " and ".join(intros) + " opened the meeting.")
        references |= {name: f"the {org} Chief" for name, org in zip(officials, orgs, strict=True)}
    quotes = tuple(
        Quote(text, draw(st.sampled_from([None, *cards, *officials])))
        for text in draw(st.lists(_QUOTE_TEXT, min_size=1, max_size=6))
    )
    url = draw(st.one_of(st.none(), _URL))
    article = Article(
        id=article_id(url, "a.md"),
        path="/archive/a.md",
        headline=draw(_PHRASE),
        body="\n\n".join(paragraphs),
        url=url,
        source=url.split("/")[2] if url else None,
        speakers=speakers,
        quotes=quotes,
        taxonomy=draw(_TAXONOMY),
    )
    styles = draw(
        st.lists(
            st.sampled_from([*_STYLES, "reference", "reference", "bracketed"]),
            min_size=len(quotes),
            max_size=len(quotes),
        )
    )
    return article, styles, references


@settings(max_examples=300, deadline=None)
@given(articles_with_references(), st.booleans(), _WRAP)
def test_markdown_round_trip_with_references_and_wrapped_labels(
    case: tuple[Article, list[QuoteStyle], dict[str, str]],
    stray: bool,
    wrap: tuple[int, WrapStyle],
) -> None:
    article, styles, references = case
    text = write_markdown(
        article,
        quote_styles=styles,
        references=references,
        stray_blank_lines=stray,
        wrap_labels=wrap[0],
        wrap_style=wrap[1],
    )
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
