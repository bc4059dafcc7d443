"""Readers that turn archive files into `Article` records.

Model: a file is bytes -> decoded, cleaned text -> one article (`.md`, `.txt`)
or one article per line (`.jsonl`). Markdown follows /work/shared/FORMAT.md:
its structure is line based (headline, date, type, speaker cards, body
paragraphs, quote blocks, taxonomy lines, source), so blocks are found line by
line, and the inline Markdown inside each piece (links, escapes, emphasis,
entities) is read with markdown-it-py. Quote attribution is a small rule-based
reader of the attribution clause around a speech verb (see `_Attributor`).

`read_file` never raises for bad content: every problem becomes an
`ArticleParseError` (or a warning) in the `ParsedFile` it returns.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import html
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dateutil import parser as date_parser
from markdown_it import MarkdownIt

from pressearch.errors import ArticleParseError
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import facet_name

SUPPORTED_SUFFIXES = (".md", ".markdown", ".jsonl", ".txt")
# An article file (or one JSON Lines line) larger than this is reported and
# skipped: no press article comes near it, and indexing one would take
# minutes and gigabytes. Decimal megabytes, as in the message.
MAX_FILE_BYTES = 20_000_000


@dataclass(frozen=True)
class ParsedFile:
    """What one file yielded: its articles, the errors that stopped some, and warnings."""

    articles: tuple[Article, ...]
    errors: tuple[ArticleParseError, ...] = ()
    warnings: tuple[str, ...] = ()


def article_id(url: str | None, rel_path: str) -> str:
    """The stable id: `u` + 11 hex digits of sha1(url) when there is a URL, else `rel_path`."""
    key = (url or "").strip().rstrip("/")
    if not key:
        return rel_path
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:11]


# ---------------------------------------------------------------------------
# Text cleaning

# C0/C1 control characters (except newline and tab) are dropped so that no
# field can move the terminal's cursor or change its colours when displayed.
# Non-breaking spaces become plain spaces: they only carry layout, and users
# type plain spaces, so "2 000" must match the same phrase as "2\u00a0000".
# U+FEFF (BOM / zero-width no-break space) is invisible and dropped anywhere.
# (Regexes, not str.translate: a translate table is far slower on non-ASCII text.)
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_NBSP_RE = re.compile("[\u00a0\u2007\u202f]")


def _clean(text: str) -> str:
    """Normalise line ends, drop control characters, make non-breaking spaces plain."""
    return "\n".join(_clean_lines(text))


def _clean_lines(text: str) -> list[str]:
    """The cleaned lines of a text (see `_clean`)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        # Most lines are printable (no controls, no special spaces): skip the regexes.
        if not line.isprintable():
            lines[i] = _NBSP_RE.sub(" ", _CONTROL_RE.sub("", line))
    return lines


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _tidy(text: str) -> str:
    """One line of text: whitespace runs become one space (Markdown renders them so)."""
    return " ".join(text.split())


# Inline Markdown: only the inline rules the format needs, so parsing is cheap.
_MD = MarkdownIt("zero").enable(
    ["escape", "backticks", "emphasis", "link", "image", "autolink", "entity", "newline"]
)
# Text without any of these characters has no inline Markdown: skip the parser.
_INLINE_SPECIAL = re.compile(r"[\\`*_\[<&]")
_TEXT_TOKENS = frozenset({"text", "text_special", "code_inline", "image"})
# The format's own link shape, `[text](#)` with plain text inside.
_SIMPLE_LINK_RE = re.compile(r"!?\[([^\[\]\\`*_<&]*)\]\(#\)")


# Longer inline text than this is not given to markdown-it, whose inline
# parser costs up to ~10 µs a character on pathological input (a 1 MB line
# of `![a](` takes 9 s). No real paragraph is this long; such text is read
# with regexes instead: links and images unwrapped, escapes and entities undone.
_MAX_INLINE_CHARS = 100_000
_ANY_LINK_RE = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*\)")
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _inline_text(source: str) -> str:
    """Plain text of one piece of inline Markdown: links unwrapped, escapes undone."""
    if not _INLINE_SPECIAL.search(source):
        return _tidy(source)
    if len(source) > _MAX_INLINE_CHARS:
        return _tidy(html.unescape(_ESCAPE_RE.sub(r"\1", _ANY_LINK_RE.sub(r"\1", source))))
    if "](#)" in source:
        # markdown-it spends ~40 µs on a paragraph with one link; when the only
        # markup is `[text](#)` links the result is known without it. Any other
        # markup left over (code spans, escapes, emphasis) needs the parser.
        plain = _SIMPLE_LINK_RE.sub(r"\1", source)
        if not _INLINE_SPECIAL.search(plain):
            return _tidy(plain)
    parts: list[str] = []
    for token in _MD.parseInline(source)[0].children or ():
        if token.type in _TEXT_TOKENS:
            parts.append(token.content)  # an image contributes its alt text
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return _tidy("".join(parts))


# ---------------------------------------------------------------------------
# Dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DATE_WORDS = frozenset(_MONTHS) | _wordset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday"
    " sat saturday sun sunday st nd rd th of"
)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_RE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_DATE_SHAPE_RE = re.compile(r"[0-9A-Za-z ,./\-]{6,40}")
_DATE_PARTS_RE = re.compile(r"[A-Za-z]+|\d+")
# Two different defaults reveal a date that dateutil completed from the default.
_DEFAULTS = (dt.datetime(2000, 1, 1), dt.datetime(2004, 2, 2))


def _date_from_dateutil(text: str) -> dt.date | None:
    """A full day/month/year read by dateutil, else None (day first unless year first)."""
    year_first = bool(re.match(r"\d{4}\b", text))
    try:
        found = [
            date_parser.parse(text, default=d, dayfirst=not year_first, yearfirst=year_first)
            for d in _DEFAULTS
        ]
    except (ValueError, OverflowError):
        return None
    if found[0] != found[1]:
        return None  # day, month or year missing
    return found[0].date()


def _date_line(line: str) -> dt.date | None:
    """The date a line holds when the line is a date and nothing else, else None."""
    # The canonical spellings are read directly: dateutil costs ~30 µs a call.
    m = _DMY_RE.fullmatch(line)
    if m and m.group(2).lower() in _MONTHS:
        return _safe_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _ISO_DATE_RE.fullmatch(line)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not _DATE_SHAPE_RE.fullmatch(line):
        return None
    parts = _DATE_PARTS_RE.findall(line)
    if not any(len(p) == 4 and p.isdigit() for p in parts):
        return None
    if any(p.isalpha() and p.lower() not in _DATE_WORDS for p in parts):
        return None
    return _date_from_dateutil(line)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Markdown lines

_H1_RE = re.compile(r"#(?:[ \t]+(.*?))?(?:[ \t]+#+)?")
_ATX_RE = re.compile(r"#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?")
_RULE_RE = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
_SOURCE_RE = re.compile(r"\*\*Source URL:?\*\*:?[ \t]*(.*)", re.IGNORECASE)
_LINK = r"\[((?:\\.|[^\\\[\]])*)\]\([^()\s]*\)"
_LINK_RE = re.compile(_LINK)
_TAXONOMY_RE = re.compile(rf"([^\[\]\\*]+?)[ \t]+({_LINK}(?:[ \t]*•[ \t]*{_LINK})*)")
_BOLD_LINE_RE = re.compile(r"\*\*(?!\*)(.+?)\*\*\\?")
_MD_LINK_URL_RE = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
_OPEN_QUOTE = "“"
_CLOSE_QUOTE = "”"
# A paragraph ending in one of these closes its sentence (or a bracket); see `_Paragraphs`.
_TERMINAL = frozenset('.!?:;”"’)]}…')
_MAX_TYPE_WORDS = 5


def _headline(line: str) -> str | None:
    """The text of a level-1 ATX heading (CommonMark: `#`, space, text), else None."""
    m = _H1_RE.fullmatch(line)
    return _inline_text(m.group(1) or "") if m else None


def _heading_text(line: str) -> str:
    m = _ATX_RE.fullmatch(line)
    return (m.group(1) or "") if m else line


def _taxonomy_line(line: str) -> tuple[str, list[str]] | None:
    """(label, values) of a `LABEL [Value](#) • [Value](#)` line, else None."""
    m = _TAXONOMY_RE.fullmatch(line)
    if not m or not m.group(1).isupper():
        return None
    values = [_inline_text(v) for v in _LINK_RE.findall(m.group(2))]
    return m.group(1), [v for v in values if v]


def _source_url(line: str) -> str | None:
    m = _SOURCE_RE.fullmatch(line)
    if not m:
        return None
    value = m.group(1).strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1].strip() or None
    link = _MD_LINK_URL_RE.fullmatch(value)
    if link:
        return link.group(1)
    return value.split()[0] if value else None


def _is_absolute_url(url: str) -> bool:
    """`scheme://host...`: anything else (`n/a`, `/news/x`) would give many articles one id."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


def _source_host(url: str | None) -> str | None:
    """The publishing source: the URL's host name, lower case, port dropped, `www.` kept.

    The host is shown as the URL gives it: dropping `www.` would be a guess
    (a few sites serve different things on `www.x.org` and `x.org`).
    """
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host or None


def _type_line(line: str) -> str | None:
    """The article type of a line that is a single link, `[Press Release](#)`."""
    m = _LINK_RE.fullmatch(line)
    if not m:
        return None
    text = _inline_text(m.group(1))
    return text if text and len(text.split()) <= _MAX_TYPE_WORDS else None


def _speaker_cards(lines: Sequence[str]) -> list[Speaker] | None:
    """Speakers of a block of `**Name**  ` + role lines, else None.

    The two trailing spaces are already stripped: a bold line followed by a
    non-bold line is a card either way. A bold line without a role counts
    only when it looks like a name, so a bold lead sentence stays body text.
    """
    cards: list[Speaker] = []
    i = 0
    while i < len(lines):
        m = _BOLD_LINE_RE.fullmatch(lines[i])
        if not m or "**" in m.group(1):
            return None
        name = _inline_text(m.group(1))
        if i + 1 < len(lines) and not _BOLD_LINE_RE.fullmatch(lines[i + 1]):
            cards.append(Speaker(name, _inline_text(lines[i + 1])))
            i += 2
        elif _looks_like_name(name):
            cards.append(Speaker(name, ""))
            i += 1
        else:
            return None
    return cards


def _looks_like_name(text: str) -> bool:
    words = _tokens(text)
    caps = sum(1 for w in words if _capitalised(w))
    return (
        0 < caps <= 6
        and all(_capitalised(w) or w in _PARTICLES for w in words)
        and not any(ch.isdigit() for ch in text)
    )


class _Paragraphs:
    """Paragraphs as they come, with a sentence that a stray blank line split read as one.

    A paragraph that ends without closing punctuation leaves its sentence
    open, and the next paragraph continues it, whatever its first letter
    (`…coordinated by the` / `United Nations Office…`), unless either is a
    block of another kind (see `_self_contained`) or the first may end a
    block (see `_ends_a_block`). The pieces' Markdown lines are read as one
    paragraph when it is complete (`settle`): a link may span the cut
    (`[Council of` / `Europe](#)`). Each piece is looked at a bounded number
    of times, so even a file of unpunctuated one-word paragraphs parses in
    linear time.
    """

    def __init__(self, *outputs: list[str]) -> None:
        self._outputs = outputs  # lists that get each paragraph, in place
        self._last = ""  # the last paragraph's text (its first piece while rejoining)
        self._lines: Sequence[str] = ()  # its Markdown lines
        self._joined: list[str] | None = None  # all its lines, once a piece was rejoined
        self._open = False  # its last piece leaves the sentence open

    def add(self, lines: Sequence[str], text: str) -> None:
        """Take the next paragraph: a new one, or the rest of the last one's sentence."""
        joined = self._joined
        if self._open and _continues(None if joined else self._last, lines, text):
            if joined is None:
                joined = self._joined = [*self._lines]
            joined.extend(lines)
        else:
            if joined:
                self.settle()
            for out in self._outputs:
                out.append(text)
            self._last = text
            self._lines = lines
        self._open = text[-1] not in _TERMINAL and not _self_contained(lines)

    def settle(self) -> None:
        """Close the last paragraph: nothing continues it, and its text is final."""
        self._open = False
        if self._joined:
            self._last = _paragraph(self._joined)
            for out in self._outputs:
                out[-1] = self._last
        self._joined = None


def _continues(first: str | None, lines: Sequence[str], text: str) -> bool:
    """Whether a paragraph continues the open sentence of a `first` one (None: a rejoined one).

    A continuation in lower case or a digit can only be the rest of the
    sentence; one with a capital may also start a new block after a heading
    or a salutation, which a rejoined paragraph never is.
    """
    if _self_contained(lines, second=True):
        return False
    if text[0].islower() or text[0].isdigit():
        return True
    return first is None or not _ends_a_block(first)


# Markdown list items (`- x`, `* x`, `+ x`, `• x`, `1. x`, `1) x`).
_BULLET_RE = re.compile(r"[-*+•][ \t]")
_ORDERED_RE = re.compile(r"\d{1,9}[.)][ \t]")
# A line that is one emphasis span: a bold subheading or a speaker card's name.
_EMPHASIS_LINE_RE = re.compile(r"(\*\*?|__?)(?!\s).*\S\1\\?")
_MAX_HEADING_WORDS = 10
_MAX_SHORT_HEADING_WORDS = 3
_MAX_SALUTATION_PART_WORDS = 4


def _self_contained(lines: Sequence[str], *, second: bool = False) -> bool:
    """A block that is never half of a split sentence, whichever side of the cut.

    List items and table rows are lines of their own; a line that is all
    bold or italic is a subheading or a speaker card; a line that is one link
    is a button or an article type (`[Press Release](#)`); a date line is a
    date. A continuation (`second`) that starts `3. ` is the number that ends
    a sentence rather than an ordered list (`…rose to` / `3. Police…`).
    """
    edges = (lines[0],) if second else (lines[0], lines[-1])
    for line in edges:
        if line[0] == "|" or _BULLET_RE.match(line):
            return True
        if not second and _ORDERED_RE.match(line):
            return True
    if len(lines) > 1:
        return _EMPHASIS_LINE_RE.fullmatch(lines[0]) is not None  # `**Name**` + role
    line = lines[0]
    if _EMPHASIS_LINE_RE.fullmatch(line) or _LINK_RE.fullmatch(line):
        return True
    return line[-1] not in _TERMINAL and len(line) <= 40 and _date_line(line) is not None


def _ends_a_block(text: str) -> bool:
    """A paragraph a new sentence may follow although it has no closing punctuation.

    A heading: very short (`Background`, `Notes to editors`), in capitals, or
    short and in Title Case (`Key Findings of the Report`). A salutation that
    opens a speech: short comma-separated forms of address ending in a comma
    (`Excellencies, ladies and gentlemen,`).
    """
    if not (text[0].isupper() or text[0].isdigit()):
        return False  # `coordinated by` is no heading
    words = text.split()
    if len(words) <= _MAX_SHORT_HEADING_WORDS:
        return True
    if text[-1] == ",":
        parts = text[:-1].split(",")
        return not any(ch.isdigit() for ch in text) and all(
            0 < len(part.split()) <= _MAX_SALUTATION_PART_WORDS for part in parts
        )
    if len(words) > _MAX_HEADING_WORDS:
        return False
    return all(
        w[:1].isupper() or w[:1].isdigit() or not w[:1].isalpha() or w in _MINOR_WORDS
        for w in words
    )


def _paragraph(lines: Sequence[str]) -> str:
    return _inline_text(" ".join(lines))


# ---------------------------------------------------------------------------
# Quotes and who said them

_SENTINEL = "\ue000"  # stands for a quoted segment inside an attribution
_TOKEN_RE = re.compile(r"[^\W_]+(?:[’'\-‐][^\W_]+)*[’']?|[^\s\w]")
_BOUNDARIES = frozenset({_SENTINEL, *'.:;!?,“”"()—–'})
_VERBS = _wordset(
    """said says added adds stated states explained explains noted notes commented comments
    continued continues concluded concludes declared declares emphasised emphasises emphasized
    emphasizes stressed stresses highlighted highlights underlined underlines remarked remarks
    told tells warned warns observed observes announced announces affirmed affirms insisted
    insists argued argues recalled recalls acknowledged acknowledges confirmed confirms
    reiterated reiterates summarised summarises summarized summarizes urged urges according
    asked asks replied replies"""
)
_PRONOUNS_PREVIOUS = frozenset({"he", "she"})
_PRONOUNS_UNKNOWN = frozenset({"they", "we", "it", "i", "you"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "our", "their", "its", "his", "her"})
_ARTICLES = frozenset({"the", "a", "an"})
_ADVERBS = _wordset(
    """also further then later today yesterday recently previously additionally finally
    earlier again once has had have was is would will furthermore moreover separately
    simply clearly firmly proudly"""
)
_CONNECTORS = frozenset({"of", "the", "for", "and", "at", "in", "on", "to", "a", "an"})
# Words that lead from a name to the person's organisation: `X of the Y Police`.
_AFFILIATION = frozenset({"of", "at", "from", "for", "with"})
# Words that end a reference phrase: `said the prosecutor in Madrid`.
_PHRASE_END = _wordset("in on at to during after before with from by when while as")
_PARTICLES = _wordset(
    "van von der den de del della di da das dos du la le ter ten bin al el af zu y"
)
# Particles that open a surname, also when written with a capital (`De Bolle`,
# `Ó Briain`, `Mac Giolla`, `Van der Berg`).
_SURNAME_PARTICLES = _PARTICLES | _wordset("ó ní nic mac mc ua uí ibn ben abu")
# An elided particle before a surname: `d’`, `l’`, `dell’`, `degl’`.
_MAX_ELIDED_CHARS = 4
# Words a Title Case heading leaves in lower case (`Notes on the Case of X`).
_MINOR_WORDS = _PARTICLES | _wordset(
    "of the for and or nor at in on to a an by with from as per via"
)
# Capitalised words that are titles or organisation words, and (below) sentence
# openers: never part of a person's name, so they end a name read from its end.
_TITLE_WORDS = _wordset(
    """director executive deputy minister secretary general chief head president vice prime
    prosecutor prosecutors commissioner chair chairman chairwoman chairperson inspector
    superintendent detective officer commander ambassador mayor governor senator judge
    justice professor prof dr mr mrs ms miss sir dame lord lady agent special senior
    assistant acting interim associate adviser advisor spokesperson spokesman spokeswoman
    manager coordinator lieutenant colonel major captain sergeant constable attorney counsel
    representative member mep rapporteur envoy delegate official investigator analyst expert
    specialist leader founder ceo state interior home affairs foreign police national
    european federal public international union unit centre center agency office department
    ministry division bureau directorate commission council court service services force
    group team operations operational crime cybercrime financial economic organised
    organized serious"""
)
# Organisations often named before a title (`Europol Executive Director X`).
_ORGANISATIONS = _wordset("europol eurojust interpol frontex")
_OPENERS = _wordset(
    """the according speaking in on at as for and but with by from after before during
    when while meanwhile however also he she they we it i this that these those our their
    its his her monday tuesday wednesday thursday friday saturday sunday"""
)
_NON_NAME = _TITLE_WORDS | _ORGANISATIONS | _OPENERS
_LEADERSHIP = _wordset(
    """chief head director president chair chairman chairwoman chairperson leader boss
    commander commissioner governor ceo"""
)
_ABBREVIATIONS = frozenset(
    {"Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Det"}
)
_MAX_NAME_WORDS = 4


def _tokens(text: str) -> list[str]:
    """Words and punctuation marks; an initial (`F.`) or `Dr.` stays one token."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        last = out[-1] if out else ""
        if tok == "." and ((len(last) == 1 and last.isupper()) or last in _ABBREVIATIONS):
            out[-1] = last + "."
        else:
            out.append(tok)
    return out


def _is_possessive(tok: str) -> bool:
    return tok.endswith(("’s", "'s", "’", "'")) and len(tok) > 2


def _stem(tok: str) -> str:
    """A word without its possessive ending, case-folded."""
    for end in ("’s", "'s", "’", "'"):
        if tok.endswith(end):
            return tok[: -len(end)].casefold()
    return tok.casefold()


def _is_acronym(tok: str) -> bool:
    return len(tok) >= 2 and tok.isupper() and not tok.endswith(".")


def _capitalised(tok: str) -> bool:
    """A word with a capital: its first letter, or the one after an elided particle.

    `d’Alessandro`, `dell’Orto`, `l’Hermite`: a surname that starts with a
    particle such as `d’` is a capitalised name word all the same.
    """
    if tok[:1].isupper():
        return True
    return _elided_capital(tok)


def _elided_capital(tok: str) -> bool:
    """`d’Alessandro`: a short lower-case particle, an apostrophe, a capital."""
    cut = tok.find("’")
    if cut < 0:
        cut = tok.find("'")
    return 0 < cut <= _MAX_ELIDED_CHARS and tok[cut + 1 : cut + 2].isupper() and tok[0].isalpha()


def _is_run_token(tok: str) -> bool:
    """A token that can sit inside a capitalised run (names, titles, particles)."""
    # Most tokens are plain lower-case words: test the cheap cases first.
    if tok[:1].isupper():
        return not _is_possessive(tok)
    return tok in _PARTICLES or (("’" in tok or "'" in tok) and _elided_capital(tok))


def _is_name_word(tok: str) -> bool:
    return (
        _capitalised(tok)
        and not _is_possessive(tok)
        and not _is_acronym(tok)
        and tok.casefold().rstrip(".") not in _NON_NAME
    )


def _trim_name(toks: Sequence[str], start: int, end: int) -> list[str]:
    """The person's name ending the capitalised run `toks[start:end]`.

    Titles before it are dropped (`Deputy Minister John Roe`). A run right
    after an article is no person: `the Focal Point`, `the Czech Republic`.
    """
    out: list[str] = []
    words = 0
    for tok in reversed(toks[start:end]):
        if tok in _PARTICLES and out:
            out.append(tok)
        elif _is_name_word(tok) and words < _MAX_NAME_WORDS:
            out.append(tok)
            words += 1
        else:
            break
    while out and out[-1] in _PARTICLES:
        out.pop()
    first = end - len(out)
    if first > 0 and toks[first - 1] in _ARTICLES:
        return []
    out.reverse()
    return out


_HYPHEN_RE = re.compile("[-‐]")


def _fold_words(tokens: Iterable[str]) -> frozenset[str]:
    """Case-folded words of a role or title; `Secretary-General` also as its parts."""
    out: set[str] = set()
    for tok in tokens:
        if tok[0].isalnum():
            stem = _stem(tok)
            out.add(stem)
            out.update(_HYPHEN_RE.split(stem))
    return frozenset(out)


def _words(text: str) -> frozenset[str]:
    return _fold_words(_tokens(text))


def _name_key(name: Sequence[str]) -> tuple[str, ...]:
    """How a name is matched: its words, case-folded."""
    return tuple(t.casefold() for t in name)


def _has_leadership(words: frozenset[str]) -> bool:
    return bool(words & _LEADERSHIP) or {"secretary", "general"} <= words


@dataclass
class _Person:
    """Someone a quote can point to: a speaker card or a person named in the text."""

    name: str
    key: tuple[str, ...]  # case-folded name words
    words: frozenset[str]  # case-folded words of the role or title


def _split_quote(paragraph: str) -> tuple[list[str], str]:
    """The speech segments of a quote paragraph and its attribution text.

    Each curly-quoted segment is replaced by a sentinel in the attribution. An
    opening mark with no closing mark before the next opening one runs to the
    next opening mark (or the end). Straight quotes are read the same way when
    a paragraph has no curly ones; a paragraph with neither is all speech.
    """
    opener, closer = _OPEN_QUOTE, _CLOSE_QUOTE
    if opener not in paragraph:
        if '"' not in paragraph:
            return [paragraph], ""
        opener = closer = '"'
    segments: list[str] = []
    attribution: list[str] = []
    pos = 0
    while True:
        start = paragraph.find(opener, pos)
        if start < 0:
            attribution.append(paragraph[pos:])
            break
        attribution.append(paragraph[pos:start])
        attribution.append(f" {_SENTINEL} ")
        end = paragraph.find(closer, start + 1)
        nxt = paragraph.find(opener, start + 1) if opener != closer else -1
        if end < 0 or 0 <= nxt < end:
            end = nxt if nxt >= 0 else len(paragraph)
            pos = end
        else:
            pos = end + 1
        segments.append(paragraph[start + 1 : end])
    speech = []
    for seg in segments:
        # `“…,” said X`: the comma belongs to the attribution sentence.
        text = _tidy(seg).removesuffix(",").rstrip()
        if text:
            speech.append(text)
    return speech, "".join(attribution)


class _Attributor:
    """Finds who said a quote from its attribution clause.

    Rules, in order, for the first speech verb (`said`, `added`, ...) that
    yields an answer:
    1. the clause just before the verb (`X said`, `the prosecutor added`;
       adverbs such as `also` skipped); around an apposition (`X, Head of
       Unit, said`, `the head of the team, X, said`) both sides, the one that
       starts with a name first;
    2. else the clause just after it (`said X`, `said Deputy Minister X`,
       `according to X`), and a name set after it by a comma (`said the head
       of the investigation, X`), which is tried first.
    In the clause: `he`/`she` is the previous quote's speaker; a capitalised
    run holding a speaker-card name is that card (longest match); else the
    run's trailing name words are the name: titles and organisation words
    before it are dropped, a run right after `the` is no person, a lone
    surname must match a card or a person named earlier, and a surname with
    its particle (`De Bolle`, `Ó Briain`) is that person when one matches.
    Before the verb the name ends the clause or is followed by an
    affiliation (`X of the Swedish Police said`). A phrase without a name
    (`the Director`) is a reference, resolved by `_resolve_reference`.
    Unknown: None.
    """

    def __init__(self, cards: Sequence[Speaker], history: list[str]) -> None:
        self.cards = [_Person(s.name, _name_key(_tokens(s.name)), _words(s.role)) for s in cards]
        self.history = history  # texts before the current quote, in order
        self.previous: str | None = None
        self._persons: list[_Person] = []
        self._scanned = 0

    def speaker(self, attribution: str) -> str | None:
        toks = _tokens(attribution)
        # Verbs are lower case (`According` aside), so names like Said or Will stay names.
        verbs = [i for i, t in enumerate(toks) if t in _VERBS or t == "According"]
        if not verbs:
            # `“…” — Jane Doe`: a bare name is the speaker.
            words = [t for t in toks if t not in _BOUNDARIES and t not in ("-", "—", "–")]
            if words and all(_is_run_token(t) for t in words):
                return self._resolve_run(words, 0, len(words))
            return None
        for v in verbs:
            if toks[v].casefold() == "according":
                if v + 1 < len(toks) and toks[v + 1] == "to":
                    found = self._resolve(self._clauses_after(toks, v + 1), left=False)
                    if found:
                        return found
                continue
            before = self._clauses_before(toks, v)
            if before:
                found = self._resolve(before, left=True)
            else:
                found = self._resolve(self._clauses_after(toks, v), left=False)
            if found:
                return found
        return None

    @staticmethod
    def _clauses_before(toks: Sequence[str], verb: int) -> list[list[str]]:
        """The clause ending at the verb; around an apposition, the two sides of it.

        `X, Head of Unit, said` gives the part before the apposition first,
        then the apposition; `the head of the team, X, said` gives the side
        that starts with a name first (see `_name_first`).
        """
        j = verb - 1
        while j >= 0 and toks[j] in _ADVERBS:
            j -= 1
        end = j + 1
        while j >= 0 and toks[j] not in _BOUNDARIES:
            j -= 1
        if j + 1 < end or j < 0 or toks[j] != ",":
            return [list(toks[j + 1 : end])] if j + 1 < end else []
        k = j - 1
        while k >= 0 and toks[k] not in _BOUNDARIES:
            k -= 1
        apposition = list(toks[k + 1 : j])
        if k < 0 or toks[k] != ",":
            return [apposition]
        m = k - 1
        while m >= 0 and toks[m] not in _BOUNDARIES:
            m -= 1
        return _name_first(list(toks[m + 1 : k]), apposition)

    @staticmethod
    def _clauses_after(toks: Sequence[str], verb: int) -> list[list[str]]:
        """The clause after the verb, and a name set after it by a comma.

        `said the head of the investigation, Kadri Öztürk` describes the
        speaker, then names them: the apposition counts when it starts with
        a capitalised run, and only that run is kept (`…, X, who led the
        raid`, `…, X of the Lisbon Police`). A clause that starts with a
        name keeps its place: `said X, Head of Unit`.
        """
        j = verb + 1
        while j < len(toks) and toks[j] in _ADVERBS:
            j += 1
        if j < len(toks) and toks[j] == "that":
            return []  # `said that ...` is reported speech, not a speaker
        start = j
        while j < len(toks) and toks[j] not in _BOUNDARIES:
            j += 1
        clause = list(toks[start:j])
        if j + 1 >= len(toks) or toks[j] != "," or not _starts_name(toks[j + 1 : j + 2]):
            return [clause]
        k = j + 1
        while k < len(toks) and _is_run_token(toks[k]):
            k += 1
        return _name_first(clause, list(toks[j + 1 : k]))

    def _resolve(self, clauses: Sequence[list[str]], *, left: bool) -> str | None:
        """The speaker a clause names: a pronoun, then a name in any clause, then a reference."""
        clauses = [c for c in clauses if c]
        if not clauses:
            return None
        # `He added.` may open a sentence; after the verb a pronoun is lower case.
        edge = clauses[0][-1].casefold() if left else clauses[0][0]
        if edge in _PRONOUNS_PREVIOUS:
            return self.previous
        if edge in _PRONOUNS_UNKNOWN:
            return None
        for clause in clauses:
            runs = _runs(clause)
            if left:
                # Before the verb the name ends the clause, or is followed by where the
                # person works: `Chief Inspector X of the National Police said`.
                runs = [
                    (start, stop)
                    for start, stop in reversed(runs)
                    if stop == len(clause) or clause[stop] in _AFFILIATION
                ]
            for start, stop in runs:
                name = self._resolve_run(clause, start, stop)
                if name:
                    return name
        for clause in clauses:
            found = self._resolve_reference(clause)
            if found:
                return found
        return None

    def _resolve_run(self, toks: Sequence[str], start: int, end: int) -> str | None:
        """The speaker a capitalised run `toks[start:end]` names, if any."""
        card = _longest_match([t.casefold() for t in toks[start:end]], self.cards)
        if card:
            return card.name
        name = _trim_name(toks, start, end)
        capitals = sum(1 for t in name if t not in _PARTICLES)
        if capitals == 2 and name[0].casefold() in _SURNAME_PARTICLES:
            # `De Bolle`, `Ó Briain`, `Van der Berg`: a surname with its particle,
            # capitalised as at the start of a sentence. Like a lone surname it
            # names a known person whose full name ends with it.
            key = _name_key(name)
            for person in self._candidates():
                if len(person.key) > len(key) and person.key[-len(key) :] == key:
                    return person.name
        if capitals >= 2:
            return " ".join(name)
        if capitals == 1:  # a surname alone: only a known person will do
            surname = name[-1].casefold()
            for person in self._candidates():
                if person.key and person.key[-1] == surname:
                    return person.name
        return None

    def _resolve_reference(self, clause: Sequence[str]) -> str | None:
        """`the prosecutor`, `the INTERPOL Chief`: a card role or an earlier title.

        The phrase after a determiner, up to a preposition such as `in`, is
        tried from the longest (most specific) to the shortest, so `In a
        statement the prosecutor said` still finds `prosecutor`.
        """
        dets = [i + 1 for i, t in enumerate(clause) if t.casefold() in _DETERMINERS]
        for start in dets or [0]:
            end = start
            while end < len(clause) and clause[end].casefold() not in _PHRASE_END:
                end += 1
            found = self._resolve_title(clause[start:end])
            if found:
                return found
        return None

    def _resolve_title(self, phrase: Sequence[str]) -> str | None:
        """The candidate whose role or title fits a reference phrase.

        The phrase splits into title words (`prosecutor`, `Secretary General`)
        and organisation words (acronyms, capitalised non-title words,
        `Europol’s`). Candidates are speaker cards, then people named earlier
        (latest first). First pass: a candidate whose role/title holds every
        word, one without a further rank word preferred (see `_best_fit`).
        Second pass: a leadership word (`Chief`, `Head`) matches any
        leadership title (`Director`, `Secretary General`) when the
        organisation words match.
        """
        title: set[str] = set()
        org: set[str] = set()
        for tok in phrase:
            low = tok.casefold()
            if low in _CONNECTORS or low in _DETERMINERS or not tok[0].isalnum():
                continue
            if _is_possessive(tok):
                if tok[0].isupper():
                    org.add(_stem(tok))
            elif _is_acronym(tok) or (tok[0].isupper() and low.rstrip(".") not in _TITLE_WORDS):
                org.add(low)
            else:
                title.add(low)
        if not title:
            return None
        wanted = title | org
        found = _best_fit(wanted, self.cards) or _best_fit(wanted, reversed(self.persons()))
        if found:
            return found.name
        if title & _LEADERSHIP:
            for person in self._candidates():
                if org <= person.words and _has_leadership(person.words):
                    return person.name
        return None

    def _candidates(self) -> Iterator[_Person]:
        """Speaker cards, then people named earlier, latest first (scanned only if reached)."""
        yield from self.cards
        yield from reversed(self.persons())

    def persons(self) -> list[_Person]:
        """People named in the text so far, with their titles; scanned lazily."""
        while self._scanned < len(self.history):
            self._persons.extend(_named_persons(_tokens(self.history[self._scanned])))
            self._scanned += 1
        return self._persons


def _runs(toks: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of capitalised words and name particles."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, tok in enumerate(toks):
        if _is_run_token(tok):
            if start < 0:
                start = i
        elif start >= 0:
            runs.append((start, i))
            start = -1
    if start >= 0:
        runs.append((start, len(toks)))
    return runs


def _name_first(clause: list[str], apposition: list[str]) -> list[list[str]]:
    """Two sides of an apposition, the one that starts with a name first.

    Around `<descriptor>, <Name>` (`the head of Operation Trojan Shield,
    Kadri Öztürk`) the explicit name beats any capitalised words or title
    in the descriptor; `<Name>, <descriptor>` keeps its order.
    """
    if clause and apposition and not _starts_name(clause) and _starts_name(apposition):
        return [apposition, clause]
    return [clause, apposition]


def _starts_name(clause: Sequence[str]) -> bool:
    """A clause that opens with a name or a title, not with `the`, `our` or `Europol’s`."""
    return _is_run_token(clause[0]) and clause[0].casefold() not in _OPENERS


# Words that make a title a more specific rank of it: `the Director` is the
# Director rather than the Executive or Deputy Director when both are there.
_RANK_WORDS = _wordset(
    "deputy vice assistant acting interim executive senior associate principal chief adjunct"
)


def _best_fit(wanted: frozenset[str] | set[str], people: Iterable[_Person]) -> _Person | None:
    """The first person whose title holds `wanted`; one with no other rank word wins."""
    first: _Person | None = None
    for person in people:
        if wanted <= person.words:
            if not (person.words & _RANK_WORDS) - wanted:
                return person
            first = first or person
    return first


def _longest_match(key: Sequence[str], people: Sequence[_Person]) -> _Person | None:
    best: _Person | None = None
    for person in people:
        n = len(person.key)
        if not n or n > len(key) or (best and n <= len(best.key)):
            continue
        if any(tuple(key[i : i + n]) == person.key for i in range(len(key) - n + 1)):
            best = person
    return best


def _named_persons(toks: Sequence[str]) -> list[_Person]:
    """People introduced in a text with a title before or after the name.

    `INTERPOL Secretary General Jürgen Stock`, `the Head of the Financial
    Crime Unit Marta Kovač`, `Tomás Ruiz, Prosecutor at Eurojust,`.
    """
    found: list[_Person] = []
    for start, end in _runs(toks):
        name = _trim_name(toks, start, end)
        if sum(1 for t in name if t not in _PARTICLES) < 2:
            continue
        title = list(toks[start : end - len(name)])
        j = start - 1  # walk back over `the Head of the ...`, `Europol’s ...`
        while j >= 0 and len(title) < 12:
            tok = toks[j]
            low = tok.casefold()
            if tok in _BOUNDARIES or not (
                low in _CONNECTORS or low in _TITLE_WORDS or tok[0].isupper() or _is_possessive(tok)
            ):
                break
            title.append(tok)
            j -= 1
        # After the name: an apposition `X, Director of Y,` or an affiliation `X of Y`.
        if end < len(toks) and (toks[end] == "," or toks[end] in _AFFILIATION):
            k = end + 1
            while k < len(toks) and toks[k] not in _BOUNDARIES and k - end <= 10:
                title.append(toks[k])
                k += 1
        found.append(_Person(" ".join(name), _name_key(name), _fold_words(title)))
    return found


# ---------------------------------------------------------------------------
# Markdown articles


@dataclass
class _Draft:
    """The parts of a Markdown article as they are found, in document order."""

    headline: str | None = None
    date: dt.date | None = None
    type: str | None = None
    url: str | None = None
    speakers: list[Speaker] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    taxonomy: dict[str, list[str]] = field(default_factory=dict)


def _blocks(lines: Sequence[str]) -> list[tuple[str, Any]]:
    """The document as line-based blocks, each (kind, value).

    Kinds: "para" (its stripped lines), "heading" (the line), "open" and
    "close" (quote-block markers), "rule" (`---`), "taxonomy" ((label,
    values)) and "source" (the URL).
    """
    blocks: list[tuple[str, Any]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("para", para.copy()))
            para.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            continue
        first = line[0]
        special: tuple[str, Any] | None = None
        if line == _OPEN_QUOTE:
            special = ("open", None)
        elif line == _CLOSE_QUOTE:
            special = ("close", None)
        elif first == "#" and _ATX_RE.fullmatch(line):
            special = ("heading", line)
        elif first in "-*_" and _RULE_RE.fullmatch(line):
            special = ("rule", None)
        elif first == "*" and (url := _source_url(line)) is not None:
            special = ("source", url)
        elif first.isupper() and line[-1] == ")" and (tax := _taxonomy_line(line)):
            special = ("taxonomy", tax)
        if special is None:
            para.append(line)
        else:
            flush()
            blocks.append(special)
    flush()
    return blocks


def parse_markdown(text: str, *, path: str, rel_path: str) -> Article:
    """Read one article in the FORMAT.md layout; raise ArticleParseError when it has none."""
    blocks = _blocks(_clean_lines(text))
    draft = _Draft()
    history: list[str] = []
    attributor: _Attributor | None = None
    header = False  # inside the date / type / speaker-card zone after the headline
    body = _Paragraphs(draft.body, history)
    after_para = False  # the block just before was a body paragraph
    i = 0
    while i < len(blocks):
        kind, value = blocks[i]
        i += 1
        if kind == "para":
            if header and _header_block(draft, value):
                continue
            header = False
            paragraph = _paragraph(value)
            if paragraph:
                body.add(value, paragraph)
                after_para = True
            continue
        body.settle()  # any other block ends the paragraph: no sentence runs across it
        if kind == "heading":
            level_one = _headline(value) if draft.headline is None else None
            if level_one is not None:
                if not level_one:
                    raise ArticleParseError(path, "empty headline (the '# ' line has no text)")
                draft.headline = level_one
                history.append(level_one)
                header = True
                after_para = False
                continue
            # A lower heading is a body paragraph of its own, never rejoined.
            header, after_para = False, False
            heading = _inline_text(_heading_text(value))
            if heading:
                draft.body.append(heading)
                history.append(heading)
            continue
        header = False
        if kind == "open":
            end = i
            while end < len(blocks) and blocks[end][0] == "para":
                end += 1
            if end == len(blocks) or blocks[end][0] != "close":
                end = min(end, i + 1)  # unclosed: only the next paragraph is the quote
            inner: list[str] = []
            pieces = _Paragraphs(inner)
            for _, lines in blocks[i:end]:
                para = _paragraph(lines)
                if para:
                    pieces.add(lines, para)
            pieces.settle()
            i = end + (end < len(blocks) and blocks[end][0] == "close")
            if attributor is None:
                attributor = _Attributor(draft.speakers, history)
            quote = _quote(inner, attributor, draft.body[-1] if after_para else None)
            if quote:
                draft.quotes.append(quote)
                history.extend(inner)
        elif kind == "taxonomy":
            label, values = value
            bucket = draft.taxonomy.setdefault(facet_name(label), [])
            bucket.extend(v for v in values if v not in bucket)
        elif kind == "source" and draft.url is None and _is_absolute_url(value):
            draft.url = value
        after_para = False
    body.settle()
    return _finish(draft, path=path, rel_path=rel_path)


def _header_block(draft: _Draft, lines: list[str]) -> bool:
    """Take a date, type or speaker-card block into `draft`; False for anything else."""
    if len(lines) == 1:
        line = lines[0]
        if draft.date is None and line[0].isalnum():
            found = _date_line(line)
            if found:
                draft.date = found
                return True
        if draft.type is None and line[0] == "[":
            kind = _type_line(line)
            if kind:
                draft.type = kind
                return True
    if lines[0].startswith("**"):
        cards = _speaker_cards(lines)
        if cards:
            draft.speakers.extend(cards)
            return True
    return False


def _quote(paragraphs: Sequence[str], attributor: _Attributor, lead_in: str | None) -> Quote | None:
    """One quote block: its speech and its speaker.

    Speech segments of one paragraph are joined by a space, paragraphs by a
    blank line. With no attribution inside the block, a body paragraph just
    before it that ends with `:` (`Marta Kovač said:`) is the attribution.
    """
    speech: list[str] = []
    attribution: list[str] = []
    for para in paragraphs:
        segments, attrib = _split_quote(para)
        if segments:
            speech.append(" ".join(segments))
        attribution.append(attrib)
    if not speech:
        return None
    clause = f" {_SENTINEL} ".join(attribution)
    if not any(ch.isalpha() for ch in clause) and lead_in and lead_in.endswith(":"):
        clause = lead_in
    speaker = attributor.speaker(clause)
    attributor.previous = speaker
    return Quote("\n\n".join(speech), speaker)


def _finish(draft: _Draft, *, path: str, rel_path: str) -> Article:
    if not draft.headline:
        raise ArticleParseError(path, "no headline (expected a '# ...' line)")
    if not draft.body and not draft.quotes:
        raise ArticleParseError(path, "no body text (expected paragraphs after the headline)")
    return Article(
        id=article_id(draft.url, rel_path),
        path=path,
        headline=draft.headline,
        body="\n\n".join(draft.body),
        url=draft.url,
        source=_source_host(draft.url),
        date=draft.date,
        type=draft.type,
        speakers=tuple(draft.speakers),
        quotes=tuple(draft.quotes),
        taxonomy={name: tuple(values) for name, values in draft.taxonomy.items() if values},
    )


# ---------------------------------------------------------------------------
# Plain text and JSON Lines


def _plain_paragraphs(lines: Iterable[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in (*lines, ""):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(_tidy(" ".join(current)))
            current = []
    return paragraphs


def parse_text(text: str, *, path: str, rel_path: str) -> Article:
    """A plain-text article: the first non-empty line is the headline, the rest the body."""
    lines = _clean_lines(text)
    for n, line in enumerate(lines):
        if line.strip():
            return Article(
                id=article_id(None, rel_path),
                path=path,
                headline=_tidy(line),
                body="\n\n".join(_plain_paragraphs(lines[n + 1 :])),
            )
    raise ArticleParseError(path, "empty file")


def _string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"field '{key}' must be a string")
    return _clean(value).strip() or None


def _records(data: Mapping[str, Any], key: str, fields: tuple[str, str]) -> list[tuple[str, str]]:
    """A list of objects with a required first field and an optional second one."""
    value = data.get(key)
    if value is None:
        return []
    shape = f"field '{key}' must be a list of {{{fields[0]}, {fields[1]}}} objects"
    if not isinstance(value, list):
        raise ValueError(shape)
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(shape)
        first = _string(item, fields[0])
        if not first:
            raise ValueError(f"every item of '{key}' needs a non-empty '{fields[0]}'")
        out.append((first, _string(item, fields[1]) or ""))
    return out


def _json_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    m = _ISO_DATE_RE.match(value)
    if m and (found := _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))):
        return found
    found = _date_from_dateutil(value)
    if found is None:
        raise ValueError(f"field 'date' is not a full date: {value!r} (use YYYY-MM-DD)")
    return found


def _json_taxonomy(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    value = data.get("taxonomy")
    if value is None:
        return {}
    shape = "field 'taxonomy' must map facet names to lists of strings"
    if not isinstance(value, dict):
        raise ValueError(shape)
    out: dict[str, list[str]] = {}
    for label, values in value.items():
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(shape)
        bucket = out.setdefault(facet_name(_clean(label)), [])
        for v in values:
            v = _tidy(_clean(v))
            if v and v not in bucket:
                bucket.append(v)
    return {k: tuple(v) for k, v in out.items() if v}


_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    type(None): "null",
}


def parse_jsonl_line(line: str, *, path: str, rel_path: str, lineno: int) -> Article:
    """One JSON object in the `Article.to_dict()` shape; errors name `path:lineno`."""
    where = f"{path}:{lineno}"
    try:
        data = json.loads(line, strict=False)  # raw tabs inside strings are harmless
    except json.JSONDecodeError as exc:
        raise ArticleParseError(where, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        kind = _JSON_TYPES.get(type(data), "value")
        raise ArticleParseError(where, f"expected a JSON object, got {kind}")
    try:
        headline = _string(data, "headline")
        body = _string(data, "body")
        if not headline and not body:
            raise ValueError("no 'headline' or 'body' (every line needs at least one)")
        url = _string(data, "url")
        if url and not _is_absolute_url(url):
            raise ValueError(f"field 'url' is not an absolute URL: {url!r}")
        given_id = _string(data, "id")
        return Article(
            id=given_id or article_id(url, f"{rel_path}:{lineno}"),
            path=path,
            headline=_tidy(headline or ""),
            body=body or "",
            url=url,
            source=_string(data, "source") or _source_host(url),
            date=_json_date(_string(data, "date")),
            type=_tidy(_string(data, "type") or "") or None,
            speakers=tuple(
                Speaker(_tidy(n), _tidy(r)) for n, r in _records(data, "speakers", ("name", "role"))
            ),
            quotes=tuple(
                Quote(t, _tidy(s) or None) for t, s in _records(data, "quotes", ("text", "speaker"))
            ),
            taxonomy=_json_taxonomy(data),
        )
    except ValueError as exc:
        raise ArticleParseError(where, str(exc)) from None


# ---------------------------------------------------------------------------
# Files


# Bytes that never occur in text files (tab, newline, form feed, CR excepted).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D)) + b"\x7f"
_BINARY_SHARE = 0.10  # more control bytes than this in the first 64 KiB: binary
_LEGIBLE_SHARE = 0.70  # Windows-1252 text must be mostly ASCII letters, digits, spaces
_NOT_ASCII_TEXT_RE = re.compile("[^\x20-\x7e\n\t\r]")
_CP1252_WARNING = "not UTF-8; decoded as Windows-1252"


def _decode(data: bytes, where: str) -> tuple[str, tuple[str, ...]]:
    """The text of a file's bytes and any warnings; ArticleParseError when not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ()
        except UnicodeDecodeError:
            reason = "invalid UTF-16 text; re-save the file as UTF-8"
            raise ArticleParseError(where, reason) from None
    sample = data[:65536]
    if b"\x00" in data or len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > (
        _BINARY_SHARE * len(sample)
    ):
        raise ArticleParseError(where, "binary file")
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and len(_NOT_ASCII_TEXT_RE.findall(text)) <= (1 - _LEGIBLE_SHARE) * len(text):
        return text, (_CP1252_WARNING,)
    raise ArticleParseError(
        where, f"not UTF-8 ({bad}) and not legible text; re-save the file as UTF-8"
    )


def _rel_path(path: str, root: Path) -> str:
    """Absolute `path` relative to the indexed root, POSIX style (root may be the file)."""
    # String operations: pathlib costs ~25 µs a file here, a tenth of a parse.
    base = os.path.abspath(root)
    if path == base:
        rel = os.path.basename(path)
    elif path.startswith(base.rstrip(os.sep) + os.sep):
        rel = path[len(base.rstrip(os.sep)) + 1 :]
    else:
        rel = path
    return rel.replace(os.sep, "/")


def read_file(path: Path, root: Path) -> ParsedFile:
    """Read and parse one archive file; every problem is reported, none raised."""
    where = os.path.abspath(path)
    suffix = os.path.splitext(where)[1].lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        return _failed(where, f"unsupported file type '{suffix}' (supported: {supported})")
    try:
        with open(where, "rb") as handle:
            if suffix == ".jsonl":
                data = handle.read()  # many articles: the limit is per line (below)
            else:
                # One byte past the limit tells a too-large file without reading it all.
                data = handle.read(MAX_FILE_BYTES + 1)
                size = max(len(data), os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        return _failed(where, (exc.strerror or str(exc)).lower())
    if suffix != ".jsonl" and len(data) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES / 1e6:g} MB"
        return _failed(where, f"file too large ({size / 1e6:.1f} MB > {limit} limit)")
    try:
        text, warnings = _decode(data, where)
    except ArticleParseError as exc:
        return ParsedFile((), (exc,))
    if not text.strip():
        return _failed(where, "empty file")
    rel_path = _rel_path(where, root)
    if suffix != ".jsonl":
        parse = parse_text if suffix == ".txt" else parse_markdown
        try:
            return ParsedFile((parse(text, path=where, rel_path=rel_path),), (), warnings)
        except ArticleParseError as exc:
            return ParsedFile((), (exc,), warnings)
    articles: list[Article] = []
    errors: list[ArticleParseError] = []
    for lineno, line in enumerate(_clean_lines(text), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_FILE_BYTES:
            reason = f"line too long ({len(line):,} characters > {MAX_FILE_BYTES:,} limit)"
            errors.append(ArticleParseError(f"{where}:{lineno}", reason))
            continue
        try:
            articles.append(parse_jsonl_line(line, path=where, rel_path=rel_path, lineno=lineno))
        except ArticleParseError as exc:
            errors.append(exc)
    return ParsedFile(tuple(articles), tuple(errors), warnings)


def _failed(path: str, reason: str) -> ParsedFile:
    return ParsedFile((), (ArticleParseError(path, reason),))
