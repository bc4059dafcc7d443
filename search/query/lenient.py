"""Pasted text as a search: the repairs that make any text read as a query (match "any").

Model: like Elasticsearch's `simple_query_string`, a query in match "any"
never fails on its syntax. The text is read as typed; where reading stops
with an error at a position, the one character that cannot be read there is
escaped with a backslash, so that it becomes part of a word, and the text is
read again. Only what does not form valid syntax changes meaning: in a pasted
`1) bile duct … 2) giant cell` the brackets become text while a valid
"phrase" or field:value elsewhere in the same text keeps its meaning. After
`MAX_REPAIRS` repairs, every character that has a meaning in the query
language is escaped at once (`as_words`). Errors about the query as a whole
(too long, too many terms, only stop words) are not syntax and stay errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters the query language gives a meaning to (see `parse`).
SYNTAX = frozenset('()[]{}"^~+-!\\*?:&|<>=')
MAX_REPAIRS = 32

_OPERATOR = re.compile(r"(?:AND|OR|NOT)(?=[\s()\"]|$)|&&|\|\|")
_FIELD = re.compile(r"[^\W\d][\w-]*:")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Repaired:
    """Query text as read: `text` with backslashes added before the `escaped` characters.

    `escaped` holds offsets in the text as typed, in order.
    """

    text: str
    escaped: tuple[int, ...] = ()

    def escape(self, at: int) -> Repaired:
        """This reading with the character at offset `at` of `self.text` escaped too.

        An offset that falls on a backslash this reading added stands for the
        character after it, which is escaped already: the reading stays as it is.
        """
        inserted = [typed + i for i, typed in enumerate(self.escaped)]
        if at in inserted:
            return self
        typed_at = at - sum(1 for offset in inserted if offset < at)
        added = set(inserted)
        typed = "".join(ch for i, ch in enumerate(self.text) if i not in added)
        escaped = tuple(sorted({*self.escaped, typed_at}))
        marks = set(escaped)
        text = "".join(("\\" if i in marks else "") + ch for i, ch in enumerate(typed))
        return Repaired(text, escaped)


def culprit(text: str, position: int) -> int | None:
    """The offset of the character to escape for an error at `position`, or None.

    The character at the position when it has a meaning; else the operator
    word or field name that starts there; else the wildcards of the word
    there; else the colon of the field whose value starts there.
    """
    if not 0 <= position < len(text):
        return None
    if text[position] in SYNTAX and not _escaped(text, position):
        return position
    if _OPERATOR.match(text, position):
        return position
    field = _FIELD.match(text, position)
    if field is not None:
        return field.end() - 1
    end = _SPACE.search(text, position)
    word = text[position : end.start() if end else len(text)]
    for offset, ch in enumerate(word):
        if ch in "*?" and not _escaped(text, position + offset):
            return position + offset
    before = [m for m in _FIELD.finditer(text, 0, position) if m.end() <= position]
    if before and not text[before[-1].end() : position].strip(' \t"([{<>=~'):
        return before[-1].end() - 1
    return None


def as_words(text: str) -> Repaired:
    """`text` with every character that has a meaning escaped, operators as words."""
    out: list[str] = []
    escaped: list[int] = []
    for i, ch in enumerate(text):
        operator = _OPERATOR.match(text, i)
        starts_word = i == 0 or text[i - 1].isspace() or text[i - 1] in SYNTAX
        if ch in SYNTAX or (operator is not None and starts_word and ch.isalpha()):
            out.append("\\")
            escaped.append(i)
        out.append(ch)
    return Repaired("".join(out), tuple(escaped))


def _escaped(text: str, at: int) -> bool:
    """Whether the character at `at` follows an odd run of backslashes."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1
