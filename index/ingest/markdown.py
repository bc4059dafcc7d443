"""The newsroom article format (docs/FORMAT.md): one article per Markdown file.

Model: the format is line based. Lines are grouped into blocks (paragraphs,
headings, quote-block markers `“` / `”`, rules, taxonomy lines, the source
line); the blocks are then read in document order: the first level-1
heading is the headline; right after it, single-line paragraphs that are a
date or an article type and blocks of speaker cards form the header;
paragraphs form the body (see `paragraphs`); quote blocks give quotes and
their speakers (see `attribution`); taxonomy lines give facets; the source
line gives the URL. Inline Markdown inside each piece is read by `inline`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.attribution import CLOSE_QUOTE, OPEN_QUOTE, Attributor, split_quote
from pressearch.index.ingest.cleaning import clean_lines
from pressearch.index.ingest.dates import date_line
from pressearch.index.ingest.identity import article_id, is_absolute_url, source_host
from pressearch.index.ingest.inline import LINK, LINK_RE, inline_text
from pressearch.index.ingest.names import SENTINEL, looks_like_name
from pressearch.index.ingest.paragraphs import Paragraphs, paragraph_text
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.models import Article, Quote, Speaker
from pressearch.vocabulary import facet_name

_H1_RE = re.compile(r"#(?:[ \t]+(.*?))?(?:[ \t]+#+)?")
_ATX_RE = re.compile(r"#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?")
_RULE_RE = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
_SOURCE_RE = re.compile(r"\*\*Source URL:?\*\*:?[ \t]*(.*)", re.IGNORECASE)

# Taxonomy values: links separated by `•`.
_VALUES_RE = re.compile(rf"{LINK}(?:[ \t]*•[ \t]*{LINK})*")
_LABEL_FORBIDDEN = frozenset("]\\*")
_BOLD_LINE_RE = re.compile(r"\*\*(?!\*)(.+?)\*\*\\?")
_MD_LINK_URL_RE = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
_MAX_TYPE_WORDS = 5


def _headline(line: str) -> str | None:
    """The text of a level-1 ATX heading (CommonMark: `#`, space, text), else None."""
    m = _H1_RE.fullmatch(line)
    return inline_text(m.group(1) or "") if m else None


def _heading_text(line: str) -> str:
    m = _ATX_RE.fullmatch(line)
    return (m.group(1) or "") if m else line


def _taxonomy_line(line: str) -> tuple[str, list[str], bool] | None:
    """(label, values, wraps) of a `LABEL [Value](#) • [Value](#)` line, else None.

    `wraps`: the label wraps, so its values go on on the next line (see `_wrap`).
    """
    # A label holds no `[`: the values start at the first one. (String
    # operations, not one regex: a lazy label before spaces backtracks
    # quadratically on a long line of spaces.)
    cut = line.find("[")
    if cut <= 0 or line[cut - 1] not in " \t":
        return None
    label = line[:cut].rstrip()
    if not label.isupper() or _LABEL_FORBIDDEN.intersection(label):
        return None
    values, wraps = _wrap(line[cut:])
    if not _VALUES_RE.fullmatch(values):
        return None
    return label, _link_texts(values), wraps


def _more_values(line: str, *, wrapped: bool) -> tuple[list[str], bool] | None:
    """(values, wraps) of a line that goes on with the values of the taxonomy line before.

    That is a line of values alone, after a line that ended with `•`
    (`wrapped`) or starting with `•` itself (the wrap fell before the
    separator); else None.
    """
    if line[0] == "•":
        line = line[1:].lstrip()
    elif not wrapped:
        return None
    values, wraps = _wrap(line)
    if not values.startswith("[") or not _VALUES_RE.fullmatch(values):
        return None
    return _link_texts(values), wraps


def _wrap(values: str) -> tuple[str, bool]:
    """Values without the end of their line, and whether they go on on the next line.

    A label that wraps ends its line with `•` (then the Markdown line break,
    two spaces, stripped by now, or a `\\`), and its values go on at the
    start of the next line.
    """
    if values.endswith("\\"):
        values = values[:-1].rstrip()
    if values.endswith("•"):
        return values[:-1].rstrip(), True
    return values, False


def _link_texts(values: str) -> list[str]:
    texts = [inline_text(v) for v in LINK_RE.findall(values)]
    return [t for t in texts if t]


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


def _type_line(line: str) -> str | None:
    """The article type of a line that is a single link, `[Press Release](#)`."""
    m = LINK_RE.fullmatch(line)
    if not m:
        return None
    text = inline_text(m.group(1))
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
        name = inline_text(m.group(1))
        if i + 1 < len(lines) and not _BOLD_LINE_RE.fullmatch(lines[i + 1]):
            cards.append(Speaker(name, inline_text(lines[i + 1])))
            i += 2
        elif looks_like_name(name):
            cards.append(Speaker(name, ""))
            i += 1
        else:
            return None
    return cards


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
    values), a wrapped label's values gathered from all its lines) and
    "source" (the URL).
    """
    blocks: list[tuple[str, Any]] = []
    para: list[str] = []
    values: list[str] | None = None  # the last line's taxonomy values, if it had any
    wrapped = False  # and that line ended with `•`: more values follow

    def flush() -> None:
        if para:
            blocks.append(("para", para.copy()))
            para.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            if not wrapped:  # a dangling `•` still promises more values
                values = None
            continue
        if values is not None:
            more = _more_values(line, wrapped=wrapped)
            if more:
                values.extend(more[0])
                wrapped = more[1]
                continue
            values, wrapped = None, False
        first = line[0]
        special: tuple[str, Any] | None = None
        if line == OPEN_QUOTE:
            special = ("open", None)
        elif line == CLOSE_QUOTE:
            special = ("close", None)
        elif first == "#" and _ATX_RE.fullmatch(line):
            special = ("heading", line)
        elif first in "-*_" and _RULE_RE.fullmatch(line):
            special = ("rule", None)
        elif first == "*" and (url := _source_url(line)) is not None:
            special = ("source", url)
        elif first.isupper() and line[-1] in ")•\\" and (tax := _taxonomy_line(line)):
            label, values, wrapped = tax
            special = ("taxonomy", (label, values))
        if special is None:
            para.append(line)
        else:
            flush()
            blocks.append(special)
    flush()
    return blocks


def read_markdown(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """The file's one article, or the error that stopped it."""
    try:
        return ParsedFile((parse_markdown(text, path=path, rel_path=rel_path),))
    except ArticleParseError as exc:
        return ParsedFile((), (exc,))


def parse_markdown(text: str, *, path: str, rel_path: str) -> Article:
    """Read one article in the FORMAT.md layout; raise ArticleParseError when it has none."""
    blocks = _blocks(clean_lines(text))
    draft = _Draft()
    history: list[str] = []
    attributor: Attributor | None = None
    header = False  # inside the date / type / speaker-card zone after the headline
    body = Paragraphs(draft.body, history)
    after_para = False  # the block just before was a body paragraph
    i = 0
    while i < len(blocks):
        kind, value = blocks[i]
        i += 1
        if kind == "para":
            if header and _header_block(draft, value):
                continue
            header = False
            paragraph = paragraph_text(value)
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
            heading = inline_text(_heading_text(value))
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
            pieces = Paragraphs(inner)
            for _, lines in blocks[i:end]:
                para = paragraph_text(lines)
                if para:
                    pieces.add(lines, para)
            pieces.settle()
            i = end + (end < len(blocks) and blocks[end][0] == "close")
            if attributor is None:
                attributor = Attributor(draft.speakers, history)
            quote = _quote(inner, attributor, draft.body[-1] if after_para else None)
            if quote:
                draft.quotes.append(quote)
                history.extend(inner)
        elif kind == "taxonomy":
            label, values = value
            bucket = draft.taxonomy.setdefault(facet_name(label), [])
            bucket.extend(v for v in values if v not in bucket)
        elif kind == "source" and draft.url is None and is_absolute_url(value):
            draft.url = value
        after_para = False
    body.settle()
    return _finish(draft, path=path, rel_path=rel_path)


def _header_block(draft: _Draft, lines: list[str]) -> bool:
    """Take a date, type or speaker-card block into `draft`; False for anything else."""
    if len(lines) == 1:
        line = lines[0]
        if draft.date is None and line[0].isalnum():
            found = date_line(line)
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


def _quote(paragraphs: Sequence[str], attributor: Attributor, lead_in: str | None) -> Quote | None:
    """One quote block: its speech and its speaker.

    Speech segments of one paragraph are joined by a space, paragraphs by a
    blank line. With no attribution inside the block, a body paragraph just
    before it that ends with `:` (`Marta Kovač said:`) is the attribution.
    """
    speech: list[str] = []
    attribution: list[str] = []
    for para in paragraphs:
        segments, attrib = split_quote(para)
        if segments:
            speech.append(" ".join(segments))
        attribution.append(attrib)
    if not speech:
        return None
    clause = f" {SENTINEL} ".join(attribution)
    if not any(ch.isalpha() for ch in clause) and lead_in and lead_in.endswith(":"):
        clause = lead_in
    speaker = attributor.speaker(clause)
    attributor.record(speaker)
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
        source=source_host(draft.url),
        date=draft.date,
        type=draft.type,
        speakers=tuple(draft.speakers),
        quotes=tuple(draft.quotes),
        taxonomy={name: tuple(values) for name, values in draft.taxonomy.items() if values},
    )
