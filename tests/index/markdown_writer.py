"""Write an `Article` as Markdown in the FORMAT.md layout (a test helper).

The output follows the FORMAT.md example line for line: leading blank lines,
`# headline`, `14 Mar 2023`, `[Type](#)`, speaker cards (`**Name**  ` + role)
three blank lines apart, body paragraphs with quote blocks between them
(quote i after paragraph i), taxonomy lines ending in two spaces (a long
label wrapped onto more lines on request), `---` and the source line.
Text is escaped so that Markdown reads it back verbatim.
The writer does not check that an article is representable; the round-trip
test's strategy only generates ones that are (see ingest/test_round_trip.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from pressearch.models import Article, Quote
from pressearch.vocabulary import STANDARD_LABELS

# How a quote's attribution is written (ignored for quotes without a speaker):
# before      Jane Doe said: “…”
# after       “…,” said Jane Doe.
# name-after  “…,” Jane Doe added.
# pronoun     “…,” she added.   (same speaker as the quote before, else as `after`)
# reference   “…,” the prosecutor added.   (the speaker's entry in `references`,
#             else as `after`)
# bracketed   “…” (Jane Doe, Head of Unit)   (the role of the speaker's card, if any)
QuoteStyle = Literal["before", "after", "name-after", "pronoun", "reference", "bracketed"]
# Where a wrapped taxonomy label breaks its line: after a separator (the line
# ends with ` •  `, as on the pages) or before one (the next line starts with `• `).
WrapStyle = Literal["after", "before"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LABELS = {name: label for label, name in STANDARD_LABELS.items()}
# ASCII punctuation that can start inline Markdown, plus the parentheses that
# FORMAT.md escapes in taxonomy values (`\(EC3\)`).
_SPECIAL = re.compile(r"([\\`*_\[\]<>&!#()])")
_TERMINAL = '.!?:”")'


def escape(text: str) -> str:
    """Backslash-escape every character Markdown could read as markup."""
    return _SPECIAL.sub(r"\\\1", text)


def label_for(facet: str) -> str:
    """The taxonomy label of a facet name (`crime_area` → `CRIME AREAS`, `regions` → `REGIONS`)."""
    return _LABELS.get(facet, facet.replace("_", " ").upper())


def _split_stray(paragraph: str) -> list[str]:
    """Cut a paragraph in two where FORMAT.md's stray blank line could fall.

    That is before a word starting in lower case or with a digit, after a
    character that does not end a sentence; a paragraph with no such place
    stays whole.
    """
    for m in re.finditer(r" (?=[^\W_])", paragraph):
        before, after = paragraph[: m.start()], paragraph[m.end() :]
        if before[-1] not in _TERMINAL and (after[0].islower() or after[0].isdigit()):
            return [before, after]
    return [paragraph]


def _quote(
    quote: Quote,
    style: QuoteStyle,
    previous: Quote | None,
    references: Mapping[str, str],
    roles: Mapping[str, str],
) -> str:
    text, speaker = escape(quote.text), quote.speaker
    if speaker is None:
        return f"“{text}”"
    name = escape(speaker)
    if style == "pronoun" and previous is not None and previous.speaker == speaker:
        return f"“{text},” she added."
    if style == "reference" and speaker in references:
        return f"“{text},” {references[speaker]} added."
    if style == "before":
        return f"{name} said: “{text}”"
    if style == "bracketed":
        role = roles.get(speaker)
        return f"“{text}” ({name}, {escape(role)})" if role else f"“{text}” ({name})"
    if style == "name-after":
        return f"“{text},” {name} added."
    return f"“{text},” said {name}."


def _taxonomy_lines(label: str, values: Sequence[str], wrap: int, style: WrapStyle) -> list[str]:
    """A taxonomy label's line, or lines when it wraps after every `wrap` values."""
    links = [f"[{escape(v)}](#)" for v in values]
    if not wrap:
        return [f"{label} " + " • ".join(links)]
    chunks = [" • ".join(links[i : i + wrap]) for i in range(0, len(links), wrap)]
    if style == "after":
        lines = [f"{chunk} •" for chunk in chunks[:-1]] + chunks[-1:]
    else:
        lines = chunks[:1] + [f"• {chunk}" for chunk in chunks[1:]]
    lines[0] = f"{label} {lines[0]}"
    return lines


def write_markdown(
    article: Article,
    *,
    quote_styles: Sequence[QuoteStyle] = (),
    references: Mapping[str, str] | None = None,
    stray_blank_lines: bool = False,
    wrap_labels: int = 0,
    wrap_style: WrapStyle = "after",
) -> str:
    """The article as FORMAT.md Markdown.

    `quote_styles[i]` is the attribution style of quote i (default `before`);
    `references` maps a speaker to the phrase that refers to them (`the
    prosecutor`); `stray_blank_lines` splits body paragraphs with the
    conversion artefact; `wrap_labels` (if not 0) wraps every taxonomy label
    after that many values, in the `wrap_style`.
    """
    out = ["", "", f"# {escape(article.headline)}", ""]
    if article.date:
        d = article.date
        out += [f"{d.day:02d} {_MONTHS[d.month - 1]} {d.year}", ""]
    if article.type:
        out += [f"[{escape(article.type)}](#)", "", "", ""]
    for speaker in article.speakers:
        out.append(f"**{escape(speaker.name)}**  ")
        if speaker.role:
            out.append(escape(speaker.role))
        out += ["", "", ""]
    roles = {s.name: s.role for s in article.speakers}
    paragraphs = article.body.split("\n\n") if article.body else []
    previous: Quote | None = None
    for i in range(max(len(paragraphs), len(article.quotes))):
        if i < len(paragraphs):
            parts = _split_stray(paragraphs[i]) if stray_blank_lines else [paragraphs[i]]
            for part in parts:
                out += [escape(part), ""]
        if i < len(article.quotes):
            quote = article.quotes[i]
            style = quote_styles[i] if i < len(quote_styles) else "before"
            quote_md = _quote(quote, style, previous, references or {}, roles)
            out += ["“", "", quote_md, "", "”", ""]
            previous = quote
    lines = [
        line
        for name, values in article.taxonomy.items()
        for line in _taxonomy_lines(label_for(name), values, wrap_labels, wrap_style)
    ]
    if lines:
        out += ["  \n".join(lines), ""]
    if article.url:
        out += ["---", "", f"**Source URL:** <{article.url}>"]
    return "\n".join(out) + "\n"
