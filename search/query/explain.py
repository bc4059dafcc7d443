"""How a query was understood, in a few lines a user can read (`--explain`, JSON `parsed`).

Model: the tree is written back the way a user would type it, with the
index's reading of each leaf (`Reading.shown`, filled in by the compiler:
stems, the words a wildcard or fuzzy word stands for, the stored spelling of
a facet value). Dates are shown as the days they were resolved to, and a
query with a relative date (`now-7d`, `today`) names the moment it was
resolved against. Parentheses appear where a part binds looser than the
operator around it. Every line starts with a label (`typed:`, `query:`,
`note:` …) padded to one width, so the lines read as two columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pressearch.models import SearchRequest
from pressearch.search.query.messages import escape
from pressearch.search.query.tree import (
    Boolean,
    Boost,
    DateRange,
    FacetRange,
    Field,
    MatchAll,
    Node,
    walk,
)
from pressearch.vocabulary import DEFAULT_SEARCH_FIELDS, user_field

# A rendered part: its text and the operator that joins it at its top ("" for an atom).
_Part = tuple[str, str]


@dataclass(frozen=True)
class Reading:
    """What the compiler made of the tree: leaf → (text, top operator), notes, and so on."""

    shown: Mapping[Node, _Part]
    notes: Sequence[str]
    bare_words: bool
    now: dt.datetime
    # The text as read, when it is not the text as typed (match "any" escapes
    # what is not valid syntax; `search.query.lenient`).
    read_as: str | None = None


def explain(request: SearchRequest, tree: Node, filters: Node | None, reading: Reading) -> str:
    typed = escape(request.text) if request.text.strip() else "(no words)"
    lines = [f"typed:  {typed}"]
    if reading.read_as is not None:
        lines.append(f"read:   {escape(reading.read_as)}")
    lines.append(f"query:  {_text(tree, reading)}")
    if filters is not None:
        lines.append(f"filter: {_text(filters, reading)}")
    if reading.bare_words:
        *init, last = (user_field(f) for f in DEFAULT_SEARCH_FIELDS)
        lines.append(f"fields: words without a field search {', '.join(init)} and {last}")
    if request.match == "any":
        lines.append("match:  any word may match; articles matching more words rank higher")
    if any(isinstance(n, DateRange) and n.relative for n in walk(tree)):
        lines.append(f"now:    {reading.now:%Y-%m-%d %H:%M} (relative dates count from here)")
    lines.extend(f"note:   {note}" for note in dict.fromkeys(reading.notes))
    return "\n".join(lines)


def quoted(value: str) -> str:
    """A term or facet value as a query would write it (quoted unless one plain word)."""
    if re.fullmatch(r"[\w.'’-]+", value) and value not in ("AND", "OR", "NOT"):
        return value
    return '"' + escape(value).replace('"', '\\"') + '"'


def _text(node: Node, reading: Reading) -> str:
    part = _render(node, reading)
    return "(nothing)" if part is None else part[0]


def _wrap(part: _Part, parent: str) -> str:
    text, op = part
    return text if op in ("", parent) else f"({text})"


def _joined(parts: list[_Part], op: str) -> _Part | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return f" {op} ".join(_wrap(p, op) for p in parts), op


def _render(node: Node, reading: Reading) -> _Part | None:
    if node in reading.shown:
        return reading.shown[node]
    if isinstance(node, Boolean):
        return _boolean(node, reading)
    if isinstance(node, Field):
        return _render(node.child, reading)
    if isinstance(node, Boost):
        inner = _render(node.child, reading)
        return None if inner is None else (f"{_wrap(inner, '')}^{node.factor:g}", "")
    if isinstance(node, MatchAll):
        return "(every article)", ""
    if isinstance(node, DateRange):
        low = None if node.low is None else node.low.date().isoformat()
        high = None if node.high is None else node.high.date().isoformat()
        inclusive = node.low_inclusive and node.high_inclusive
        if low == high and inclusive:
            return f"date:{low}", ""
        return f"date:{_range(low, high, node.low_inclusive, node.high_inclusive)}", ""
    if isinstance(node, FacetRange):
        shown = _range(node.low, node.high, node.low_inclusive, node.high_inclusive)
        return f"{node.facet}:{shown}", ""
    return None  # a word the index leaves out (a stop word)


def _boolean(node: Boolean, reading: Reading) -> _Part | None:
    def parts(nodes: tuple[Node, ...]) -> list[_Part]:
        return [p for p in (_render(n, reading) for n in nodes) if p is not None]

    must = _joined(parts(node.must), "AND")
    should = _joined(parts(node.should), "OR")
    banned = _joined(parts(node.must_not), "OR")
    positive = must or should
    if must and should:
        positive = f"{_wrap(must, '')} ANDMAYBE {_wrap(should, '')}", "ANDMAYBE"
    if banned is None:
        return positive
    if positive is None:
        return f"NOT {_wrap(banned, '')}", ""
    return f"{_wrap(positive, 'AND')} AND NOT {_wrap(banned, '')}", "AND"


def _range(low: str | None, high: str | None, low_inclusive: bool, high_inclusive: bool) -> str:
    if low and high:
        return f"{'[' if low_inclusive else '{'}{low} TO {high}{']' if high_inclusive else '}'}"
    if low:
        return f"{'>=' if low_inclusive else '>'}{low}"
    return f"{'<=' if high_inclusive else '<'}{high}"
