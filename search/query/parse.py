"""Query text → query tree: a recursive-descent grammar of pressearch's own.

Model: the grammar reads the typed text once, left to right, and builds a
`tree` without touching the index (tantivy's model); whatever it cannot read
is a `QueryError` with the position of the problem, never a word. Our own
grammar rather than Whoosh's parser plugins, because Lucene's and
Elasticsearch's query semantics are simpler to state here than to coax out
of a chain of token filters: `&&`, `||`, `!`, `\\` escapes, `+`/`-`/`!` before
fields and groups, `field: value` with a space, malformed boosts and
fuzziness as errors, Lucene's slop.

    sequence := or_expr*                      words side by side
    or_expr  := and_expr (("OR" | "||") and_expr)*
    and_expr := unary (("AND" | "&&") unary)*
    unary    := "NOT" unary | ("+" | "-" | "!") primary | primary
    primary  := (group | field ":" primary | phrase | range | word) suffix*
    suffix   := "^" number | "~" [number]

So NOT binds tightest, then AND, then OR, then words side by side: `a b OR
c` is `a AND (b OR c)`. Side by side, parts marked `+` must match, parts
marked `-` (or NOT, `!`) must not, and unmarked parts must (match "all") or
may (match "any"). Under AND or OR a marked part is itself or NOT itself:
`a OR -b` is `a OR (NOT b)`, where Lucene's classic parser reads `a -b`.
Operators are upper case and stand alone; `+`, `-` and `!` are operators
only at the start of a clause and touching it, so `COVID-19` and `a - b`
keep their hyphens as text. A field name is a word touching its colon (a
space may follow it); `https://…` and `12:30` stay words.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from pressearch.errors import QueryError
from pressearch.search.query.messages import escape, show, thousands
from pressearch.search.query.tree import (
    Boolean,
    Boost,
    DateRange,
    FacetValue,
    Field,
    Fuzzy,
    Node,
    Phrase,
    Wildcard,
    Word,
)
from pressearch.search.query.values import DEFAULT, TEXT_QUERY_FIELDS, Target, Values
from pressearch.vocabulary import URL_FIELD, normalize_name

MAX_QUERY_CHARS = 20_000
# Whoosh nests an AND's matchers one inside the next, so 1,000 terms overflow
# Python's recursion limit, and 500 OR'd terms already cost ~4 s on 3,000
# articles; the longest CISI benchmark query has 334 words.
MAX_QUERY_TERMS = 500
MAX_NESTING = 20
MAX_FUZZY_DISTANCE = 2

_OPERATORS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}
_MODIFIERS = "+-!"
_STOP = set(' \t\n\r\f\v()"^~')  # characters that end a word (whitespace aside)
_FIELD = re.compile(r"([^\W\d][\w-]*):(?!//)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_COMPARISON = re.compile(r">=|<=|>|<")
_WILDCARDS = "*?"


def parse(text: str, *, match: str = "all", now: dt.datetime | None = None) -> Node | None:
    """The tree of query `text`, or None when it holds nothing but spaces.

    `match` says what words side by side mean ("all" must match, "any" may);
    `now` is the moment relative dates are resolved against (default: now).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is {thousands(len(text))} characters long; the limit is "
            f"{thousands(MAX_QUERY_CHARS)} — shorten it",
            query=text,
        )
    if not text.strip():
        return None
    return _Parser(text, match, now or dt.datetime.now()).parse()


@dataclass(frozen=True)
class _Item:
    """A parsed clause and the mark in front of it: "" none, "+" required, "-" excluded."""

    node: Node
    mark: str = ""


class _Parser:
    def __init__(self, text: str, match: str, now: dt.datetime) -> None:
        self.text = text
        self.match = match
        self.now = now
        self.at = 0
        self.terms = 0
        self.values = Values(text, now)

    def error(self, message: str, position: int | None) -> QueryError:
        return QueryError(message, query=self.text, position=position)

    # --- Characters and operators ------------------------------------------------

    def skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def peek(self, offset: int = 0) -> str:
        i = self.at + offset
        return self.text[i] if i < len(self.text) else ""

    def boundary(self, i: int) -> bool:
        """Whether an operator may end just before offset `i`."""
        return i >= len(self.text) or self.text[i].isspace() or self.text[i] in '()"'

    def operator(self) -> tuple[str, str] | None:
        """(kind, as typed) of the operator standing at the cursor, if any."""
        for typed, kind in _OPERATORS.items():
            end = self.at + len(typed)
            if self.text.startswith(typed, self.at) and self.boundary(end):
                return kind, typed
        return None

    def clause_starts(self, i: int) -> bool:
        return i < len(self.text) and not self.text[i].isspace() and self.text[i] != ")"

    # --- The grammar ---------------------------------------------------------------

    def parse(self) -> Node:
        node = self.sequence(depth=0, target=DEFAULT, opened=-1)
        if self.terms > MAX_QUERY_TERMS:
            raise self.error(
                f"query has {thousands(self.terms)} terms; the limit is"
                f" {thousands(MAX_QUERY_TERMS)} — shorten it or split it into several queries",
                None,
            )
        return node

    def sequence(self, depth: int, target: Target, opened: int) -> Node:
        start = self.at
        items: list[_Item] = []
        while True:
            self.skip_space()
            ch = self.peek()
            if not ch:
                if depth:
                    raise self.error(
                        f"unbalanced parenthesis: '(' at position {opened} is never closed — "
                        "add ')' or remove it",
                        opened,
                    )
                break
            if ch == ")":
                if not depth:
                    raise self.error(
                        f"unbalanced parenthesis: ')' at position {self.at} has no matching "
                        "'(' — remove it or add '(' before it",
                        self.at,
                    )
                break
            op = self.operator()
            if op is not None and op[0] != "NOT":
                raise self.nothing_before(op[1])
            items.append(self.or_expr(depth, target))
        return self.combine(items, start, self.at)

    def combine(self, items: list[_Item], start: int, end: int) -> Node:
        """Clauses side by side: sorted into must, should and must-not parts."""
        must = [i.node for i in items if i.mark == "+"]
        plain = [i.node for i in items if not i.mark]
        must_not = tuple(i.node for i in items if i.mark == "-")
        should: list[Node] = []
        if self.match == "all":
            must += plain
        else:
            should = plain
        if len(items) == 1 and not must_not:
            return items[0].node
        return Boolean(tuple(must), tuple(should), must_not, start, end)

    def or_expr(self, depth: int, target: Target) -> _Item:
        start = self.at
        operands = [self.and_expr(depth, target)]
        while True:
            op = self.next_operator(("OR",))
            if op is None:
                break
            operands.append(self.and_expr(depth, target))
        if len(operands) == 1:
            return operands[0]
        parts = tuple(
            Boolean((), (), (o.node,), o.node.start, o.node.end) if o.mark == "-" else o.node
            for o in operands
        )
        return _Item(Boolean((), parts, (), start, operands[-1].node.end))

    def and_expr(self, depth: int, target: Target) -> _Item:
        start = self.at
        operands = [self.unary(depth, target)]
        while True:
            op = self.next_operator(("AND",))
            if op is None:
                break
            operands.append(self.unary(depth, target))
        if len(operands) == 1:
            return operands[0]
        must = tuple(o.node for o in operands if o.mark != "-")
        must_not = tuple(o.node for o in operands if o.mark == "-")
        return _Item(Boolean(must, (), must_not, start, operands[-1].node.end))

    def next_operator(self, kinds: tuple[str, ...]) -> str | None:
        """Consume a binary operator of `kinds` and check that a clause follows it."""
        saved = self.at
        self.skip_space()
        op = self.operator()
        if op is None or op[0] not in kinds:
            self.at = saved
            return None
        position, typed = self.at, op[1]
        self.at += len(typed)
        self.skip_space()
        self.check_followed(typed, position)
        after = self.operator()
        if after is not None and after[0] != "NOT":
            raise self.error(
                f"'{after[1]}' at position {self.at} follows '{typed}' — remove one of them",
                self.at,
            )
        return op[0]

    def check_followed(self, typed: str, position: int) -> None:
        if not self.clause_starts(self.at):
            raise self.error(
                f"'{typed}' at position {position} has nothing after it — "
                "add a word after it or remove it",
                position,
            )

    def nothing_before(self, typed: str) -> QueryError:
        return self.error(
            f"'{typed}' at position {self.at} has nothing before it — "
            "put a word before it or remove it",
            self.at,
        )

    def unary(self, depth: int, target: Target) -> _Item:
        self.skip_space()
        op = self.operator()
        if op is not None and op[0] == "NOT":
            position = self.at
            self.at += 3
            self.skip_space()
            self.check_followed("NOT", position)
            after = self.operator()
            if after is not None or (self.peek() in _MODIFIERS and self.marks_clause()):
                shown = after[1] if after is not None else self.peek()
                raise self.error(
                    f"'NOT' at position {position} is followed by '{shown}' — remove one of them",
                    position,
                )
            return _Item(self.unary(depth, target).node, "-")
        if op is not None:
            raise self.nothing_before(op[1])
        if self.peek() and self.peek() in _MODIFIERS and self.marks_clause():
            mark, position = self.peek(), self.at
            self.at += 1
            after = self.operator()
            if self.peek() in _MODIFIERS or after is not None:
                shown = self.peek() if after is None else after[1]
                raise self.error(
                    f"'{mark}' at position {position} is followed by '{shown}' — keep one of them",
                    position,
                )
            return _Item(self.primary(depth, target), "+" if mark == "+" else "-")
        return _Item(self.primary(depth, target))

    def marks_clause(self) -> bool:
        """Whether the run of + - ! at the cursor is a mark on the clause after it.

        Marks touch their clause; a run followed by a space or nothing is text.
        """
        i = self.at
        while i < len(self.text) and self.text[i] in _MODIFIERS:
            i += 1
        before_ok = (
            self.at == 0 or self.text[self.at - 1].isspace() or self.text[self.at - 1] == "("
        )
        return before_ok and self.clause_starts(i)

    def primary(self, depth: int, target: Target) -> Node:
        ch, start = self.peek(), self.at
        node: Node
        if ch == "(":
            if depth + 1 > MAX_NESTING:
                raise self.error(
                    f"parentheses nested more than {MAX_NESTING} deep at position {start} "
                    "— simplify the query",
                    start,
                )
            self.at += 1
            node = self.sequence(depth + 1, target, start)
            self.at += 1  # the ")"
            node = _respan(node, start, self.at)
        elif ch == '"':
            node = self.phrase(target)
        elif ch in "[{":
            node = self.range(target)
        elif ch in "^~":
            raise self.stray_suffix()
        elif (found := _FIELD.match(self.text, self.at)) is not None:
            node = self.field_value(found.group(1), depth)
        else:
            node = self.word(target)
        return self.suffixes(node, start)

    def stray_suffix(self) -> QueryError:
        start = self.at
        end = start + 1
        while end < len(self.text) and not self.text[end].isspace() and self.text[end] not in "()":
            end += 1
        typed = self.text[start:end]
        if typed.startswith("^"):
            return self.error(
                f"{show(typed)} at position {start} boosts nothing — put the boost right after "
                "a word or group, e.g. fraud^2 or (fraud OR scam)^2",
                start,
            )
        return self.tilde_misplaced(start)

    def tilde_misplaced(self, position: int) -> QueryError:
        return self.error(
            f"'~' at position {position} must follow a word (cybercrme~) "
            'or a phrase ("cyber attack"~5)',
            position,
        )

    # --- Fields -----------------------------------------------------------------------

    def field_value(self, typed: str, depth: int) -> Node:
        name_start = self.at
        self.at += len(typed) + 1
        self.skip_space()
        name = normalize_name(typed)
        if self.peek() and self.peek() in _MODIFIERS and self.clause_starts(self.at + 1):
            sign = self.peek()
            value = re.match(r"[^\s()]*", self.text[self.at + 1 :])
            fixed = escape(f"{sign}{typed}:{value.group() if value else ''}")
            raise self.error(
                f"'{sign}' after field {show(typed)} at position {self.at} — put it "
                f"before the field: {fixed}",
                self.at,
            )
        if not self.clause_starts(self.at) or self.operator() is not None:
            raise self.error(
                f"field {show(typed)} at position {name_start} has no value — write "
                f'{typed}:word or {typed}:"a phrase"',
                name_start,
            )
        if _FIELD.match(self.text, self.at):
            raise self.error(
                f"field {show(typed)} at position {name_start} is followed by another field — "
                f"give one field: {typed}:word",
                name_start,
            )
        target = Target(name, name_start)
        comparison = _COMPARISON.match(self.text, self.at)
        if comparison is not None:
            return self.compare(comparison.group(), target, typed, name_start)
        node = self.primary(depth, target)
        if name in TEXT_QUERY_FIELDS or name == URL_FIELD:
            return Field(name, node, name_start, node.end)
        return node

    def compare(self, op: str, target: Target, typed: str, name_start: int) -> Node:
        start = self.at
        self.at += len(op)
        if not self.clause_starts(self.at):
            raise self.error(
                f"field {show(typed)} at position {name_start} has no value — write "
                f'{typed}:word or {typed}:"a phrase"',
                name_start,
            )
        value_start = self.at
        value = self.phrase_text() if self.peek() == '"' else self.word_text()[0]
        low, high = (value, None) if op.startswith(">") else (None, value)
        inclusive = op.endswith("=")
        return self.values.ranged(
            target, low, high, (inclusive, inclusive), (start, self.at), (value_start,) * 2
        )

    # --- Leaves -----------------------------------------------------------------------

    def word_text(self) -> tuple[str, bool, int]:
        """(text with escapes resolved, whether it holds a wildcard, start) of a word."""
        start = self.at
        out: list[str] = []
        wild = False
        text = self.text
        while self.at < len(text):
            ch = text[self.at]
            if ch.isspace() or ch in _STOP:
                break
            if ch == "\\":
                if self.at + 1 >= len(text):
                    raise self.error(
                        f"'\\' at position {self.at} escapes nothing — remove it, "
                        "or write \\\\ for a backslash",
                        self.at,
                    )
                out.append(text[self.at + 1])
                self.at += 2
                continue
            wild = wild or ch in _WILDCARDS
            out.append(ch)
            self.at += 1
        return "".join(out), wild, start

    def phrase_text(self) -> str:
        """The text between quotes at the cursor (escapes resolved)."""
        start = self.at
        self.at += 1
        out: list[str] = []
        while self.at < len(self.text) and self.text[self.at] != '"':
            if self.text[self.at] == "\\" and self.at + 1 < len(self.text):
                self.at += 1
            out.append(self.text[self.at])
            self.at += 1
        if self.at >= len(self.text):
            raise self.error(
                f'unbalanced double quote at position {start} — add the closing " '
                "or remove this one",
                start,
            )
        self.at += 1
        return "".join(out)

    def word(self, target: Target) -> Node:
        text, wild, start = self.word_text()
        self.terms += 1
        if target.holds_text:
            return Wildcard(text, start, self.at) if wild else Word(text, start, self.at)
        return self.values.value(target, text, wild, start, self.at, start)

    def phrase(self, target: Target) -> Node:
        start = self.at
        text = self.phrase_text()
        self.terms += 1
        slop = self.slop() if self.peek() == "~" else 0
        if target.holds_text:
            return Phrase(text, slop, start, self.at)
        return self.values.value(target, text, False, start, self.at, start + 1)

    def slop(self) -> int:
        position = self.at
        self.at += 1
        found = _NUMBER.match(self.text, self.at)
        typed = found.group() if found else ""
        if not typed.isdigit() or not self.boundary_after(self.at + len(typed)):
            raise self.error(
                f"slop {show('~' + self.rest_of_suffix(self.at))} at position {position} must be "
                'a whole number of moves — e.g. "cyber attack"~3',
                position,
            )
        self.at += len(typed)
        return int(typed)

    def rest_of_suffix(self, i: int) -> str:
        end = i
        while end < len(self.text) and not self.text[end].isspace() and self.text[end] not in "()^":
            end += 1
        return self.text[i:end]

    def boundary_after(self, i: int) -> bool:
        return i >= len(self.text) or self.text[i].isspace() or self.text[i] in "()^~"

    def range(self, target: Target) -> Node:
        start = self.at
        opener = self.peek()
        self.at += 1
        bounds: list[str] = []
        positions: list[int] = []
        while True:
            self.skip_space()
            ch = self.peek()
            if not ch:
                raise self.error(
                    f"range at position {start} is never closed — write [2019 TO 2021]",
                    start,
                )
            if ch in "]}" and len(bounds) == 3:
                break
            positions.append(self.at + (ch == '"'))
            if ch == '"':
                bounds.append(self.phrase_text())
            else:
                end = self.at
                while end < len(self.text) and not self.text[end].isspace():
                    if self.text[end] in "]}":
                        break
                    end += 1
                bounds.append(self.text[self.at : end])
                self.at = end
            if len(bounds) > 3 or (len(bounds) == 2 and bounds[1] != "TO"):
                closed = re.compile(r"[^\]}]*[\]}]").match(self.text, start)
                typed = closed.group() if closed else self.text[start : self.at]
                raise self.error(
                    f"range {show(typed)} at position {start} must be [low TO high] — e.g. "
                    "date:[2019 TO 2021-06] (* leaves an end open)",
                    start,
                )
        closer = self.peek()
        self.at += 1
        self.terms += 1
        low, high = (None if b.strip() == "*" else b for b in (bounds[0], bounds[2]))
        return self.values.ranged(
            target,
            low,
            high,
            (opener == "[", closer == "]"),
            (start, self.at),
            (positions[0], positions[2]),
        )

    # --- Suffixes -----------------------------------------------------------------------

    def suffixes(self, node: Node, start: int) -> Node:
        boosted = fuzzed = False
        while self.peek() in ("^", "~") and self.peek():
            position = self.at
            if self.peek() == "^":
                if boosted:
                    raise self.error(
                        f"second boost at position {position} — give one boost: fraud^2",
                        position,
                    )
                node = Boost(node, self.boost(), start, 0)
                boosted = True
            else:
                if fuzzed or not isinstance(_unboosted(node), Word):
                    if isinstance(_unboosted(node), (FacetValue, DateRange)):
                        raise self.values.not_fuzzy(_unboosted(node))
                    raise self.tilde_misplaced(position)
                node = self.fuzzy(node, position)
                fuzzed = True
            node = _respan(node, start, self.at)
        return node

    def boost(self) -> float:
        position = self.at
        self.at += 1
        found = _NUMBER.match(self.text, self.at)
        if found is None or not self.boundary_after(found.end()) or float(found.group()) <= 0:
            raise self.error(
                f"boost {show('^' + self.rest_of_suffix(self.at))} at position {position} must "
                "be a positive number — e.g. fraud^2 or (fraud OR scam)^1.5",
                position,
            )
        self.at = found.end()
        return float(found.group())

    def fuzzy(self, node: Node, position: int) -> Node:
        self.at += 1
        typed = self.rest_of_suffix(self.at)
        if typed and not (typed.isdigit() and 1 <= int(typed) <= MAX_FUZZY_DISTANCE):
            raise self.error(
                f"fuzzy distance {show('~' + typed)} at position {position} is not allowed "
                "— use ~1 or ~2",
                position,
            )
        self.at += len(typed)
        distance = int(typed) if typed else 1
        if isinstance(node, Boost):
            word = node.child
            assert isinstance(word, Word)
            return Boost(Fuzzy(word.text, distance, word.start, self.at), node.factor, 0, 0)
        assert isinstance(node, Word)
        return Fuzzy(node.text, distance, node.start, self.at)


def _unboosted(node: Node) -> Node:
    return node.child if isinstance(node, Boost) else node


def _respan(node: Node, start: int, end: int) -> Node:
    """`node` with its span widened to [start, end) (a group's parentheses, a suffix)."""
    if isinstance(node, (Boost, Boolean)):
        return replace(node, start=start, end=end)
    return node
