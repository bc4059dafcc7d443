"""Body paragraphs, with sentences that a stray blank line split read as one.

Model: web-to-Markdown conversion sometimes puts a blank line inside a
sentence. A paragraph that ends without closing punctuation leaves its
sentence open, and the next paragraph finishes it unless one of the two is
a block that never is half of a sentence (a list item, a table row, a bold
line, a lone link, a date) or the first may end a block on its own (a
heading, a salutation). See `Paragraphs`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pressearch.index.ingest.dates import date_line
from pressearch.index.ingest.inline import LINK_RE, inline_text
from pressearch.index.ingest.names import MINOR_WORDS

# A paragraph ending in one of these closes its sentence (or a bracket).
_TERMINAL = frozenset('.!?:;”"’)]}…')


class Paragraphs:
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
            self._last = paragraph_text(self._joined)
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
    if _EMPHASIS_LINE_RE.fullmatch(line) or LINK_RE.fullmatch(line):
        return True
    return line[-1] not in _TERMINAL and len(line) <= 40 and date_line(line) is not None


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
        w[:1].isupper() or w[:1].isdigit() or not w[:1].isalpha() or w in MINOR_WORDS for w in words
    )


def paragraph_text(lines: Sequence[str]) -> str:
    return inline_text(" ".join(lines))
