"""User query string + flags → a checked Whoosh query, with an explanation.

Model: Whoosh's `QueryParser` and its stock plugins (phrases, groups,
operators, ranges, wildcards, fuzzy terms, plus/minus, boosts, `>`/`<`,
multifield) parse the string; our own plugins add what a press archive needs:
field names with aliases and every facet the index has, values of date, facet
and url fields resolved against the index (dates through python-dateutil,
facet values by case- and accent-folded equality), wildcard and fuzzy terms
bounded and made to work with the stemmed index, and checks that turn
Whoosh's silent repairs (unknown field → plain word, dangling `AND` →
dropped, stray quote → part of a word) into a `QueryError` that points at
the problem. Bare words search `DEFAULT_SEARCH_FIELDS` (one
`search.scoring.WordInFields` each, scored as one word over the fields); with
match="all" each must match, with match="any" any may, more matches ranking
higher, and a compound word is also searched as its parts. A clause repeated
side by side counts as often as it was typed. `compile_query` reads the
index's lexicons but never searches.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from dateutil import parser as dateparser
from whoosh import query
from whoosh.qparser import QueryParser, plugins, syntax
from whoosh.qparser.common import attach
from whoosh.support.levenshtein import damerau_levenshtein
from whoosh.util.times import datetime_to_long, long_to_datetime

from pressearch.errors import QueryError
from pressearch.index.schema import FACET_PREFIX, STOP_WORDS, WORD_PATTERN, facet_field, fold
from pressearch.models import SearchRequest
from pressearch.search.scoring import WordInFields, summed
from pressearch.vocabulary import ALIASES as FIELD_ALIASES
from pressearch.vocabulary import (
    BUILTIN_FACETS,
    DATE_FIELD,
    DEFAULT_SEARCH_FIELDS,
    QUERY_FIELDS,
    STANDARD_FACETS,
    TEXT_FIELDS,
    URL_FIELD,
    index_field,
    normalize_name,
    user_field,
)

# --- Knobs -----------------------------------------------------------------

# With match="any", a compound word (three-dimensional) is also searched as
# its parts; the compound itself, which implies them all, keeps this share of
# its weight so that articles with it as written come first.
COMPOUND_WEIGHT = 0.5
# Bounds that keep one query from costing minutes of CPU.
MAX_QUERY_CHARS = 20_000
# Whoosh nests an AND's matchers one inside the next, so 1,000 terms overflow
# Python's recursion limit, and 500 OR'd terms already cost ~4 s on 3,000
# articles; the longest CISI benchmark query has 334 words.
MAX_QUERY_TERMS = 500
MAX_NESTING = 20
MAX_EXPANSIONS = 1_000  # words one wildcard or fuzzy term may expand to
MIN_WILDCARD_PREFIX = 2  # letters before the first * or ? (facet values aside)
MIN_FUZZY_LENGTH = 4
MAX_FUZZY_DISTANCE = 2
# Fuzzy terms must share this many leading letters with the word typed
# (Whoosh's prefixlength): misspellings rarely touch the first letter, and
# it cuts the words to compare ~25-fold.
FUZZY_PREFIX_LENGTH = 1

# --- Field names -------------------------------------------------------------

_STANDARD_FACET_ORDER = (*BUILTIN_FACETS, *STANDARD_FACETS)


def field_names(reader: Any) -> list[str]:
    """Every field name a query may use on this index (aliases aside), standard ones first.

    Facets are the standard ones plus each `facet_<name>` field the index
    holds (one per taxonomy label of the archive).
    """
    return [*QUERY_FIELDS, *_facet_names(reader)]


def _facet_names(reader: Any) -> list[str]:
    present = sorted(
        name[len(FACET_PREFIX) :]
        for name in reader.indexed_field_names()
        if name.startswith(FACET_PREFIX)
    )
    taken = {*QUERY_FIELDS, *FIELD_ALIASES, *_STANDARD_FACET_ORDER}
    return [*_STANDARD_FACET_ORDER, *(name for name in present if name not in taken)]


def _display_field(fieldname: str) -> str:
    """The name a user types for index field `fieldname`."""
    if fieldname.startswith(FACET_PREFIX):
        return fieldname[len(FACET_PREFIX) :]
    return user_field(fieldname)


# --- Public data shapes --------------------------------------------------------


@dataclass(frozen=True)
class CompiledQuery:
    """A request turned into Whoosh queries.

    `query` is the text query with since/until ANDed in; `filter` restricts
    to the --filter facet values (None without filters); `explain` says, in
    a few lines, how the query was understood.
    """

    query: query.Query
    filter: query.Query | None
    explain: str


# --- Dates ---------------------------------------------------------------------

# Two different defaults reveal which parts of a date the user left out.
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2001, 2, 2)
_YEAR_FIRST = re.compile(r"\s*\d{4}\b")
_DATE_HELP = 'write date:2020, date:2020-10, date:2020-10-06 or date:"6 October 2020"'


def _date_span(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last instant of the year, month or day `text` names, or None.

    Read leniently by python-dateutil ("2020", "2020-10", "Oct 2020",
    "6 October 2020"); the span is as wide as what was written. Numeric dates
    not starting with a year are read day first (06/10/2020 = 6 October).
    A date without a year is unreadable.
    """
    dayfirst = not _YEAR_FIRST.match(text)
    try:
        a = dateparser.parse(text, default=_DEFAULT_A, dayfirst=dayfirst, ignoretz=True)
        b = dateparser.parse(text, default=_DEFAULT_B, dayfirst=dayfirst, ignoretz=True)
    except (ValueError, OverflowError):
        return None
    if a.year != b.year:
        return None
    if a.month != b.month:
        if a.day == b.day:  # a day but no month
            return None
        start, end = dt.datetime(a.year, 1, 1), dt.datetime(a.year, 12, 31)
    elif a.day != b.day:
        last = calendar.monthrange(a.year, a.month)[1]
        start, end = dt.datetime(a.year, a.month, 1), dt.datetime(a.year, a.month, last)
    else:
        start = end = dt.datetime(a.year, a.month, a.day)
    return start, end.replace(hour=23, minute=59, second=59, microsecond=999_999)


def _date_range(
    start: dt.datetime | None,
    end: dt.datetime | None,
    startexcl: bool = False,
    endexcl: bool = False,
) -> query.Query:
    # A NumericRange over the DATETIME field's longs, not Whoosh's DateRange:
    # And/Or normalisation merges overlapping ranges by re-calling the class
    # with longs, which DateRange cannot take.
    return query.NumericRange(
        DATE_FIELD,
        None if start is None else datetime_to_long(start),
        None if end is None else datetime_to_long(end),
        startexcl,
        endexcl,
    )


# --- Messages --------------------------------------------------------------------


def _escape(text: str) -> str:
    """`text` with control characters (newlines, ANSI escapes...) written as escapes."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch)[0] == "C" else ch
        for ch in text
    )


def _show(text: str, limit: int = 40) -> str:
    """`text` quoted for a one-line message: control characters escaped, shortened."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{_escape(text)}'"


def _plural(n: int) -> str:
    return f"{n:,}"


# --- The parse context -------------------------------------------------------------


@dataclass
class _Expansion:
    """What a wildcard or fuzzy word (as typed) became, for the explanation."""

    query: query.Query  # held so that its id() stays its own
    shown: str
    words: tuple[str, ...]


class _Context:
    """One compilation: the reader, the query text, and what explain needs."""

    def __init__(self, reader: Any, text: str) -> None:
        self.reader = reader
        self.text = text
        self.schema = reader.schema
        self.indexed = set(reader.indexed_field_names())
        self.facets = _facet_names(reader)
        self.notes: list[str] = []
        self.expansions: dict[int, _Expansion] = {}
        self._facet_values: dict[str, dict[str, list[str]]] = {}

    def error(self, message: str, position: int | None) -> QueryError:
        return QueryError(message, query=self.text, position=position)

    # Fields

    def resolve_field(self, name: str) -> str | None:
        """Index field for a name the user typed (any case, aliases allowed)."""
        key = normalize_name(name)
        if key in QUERY_FIELDS:
            return index_field(key)
        if key in self.facets:
            return facet_field(key)
        return None

    def unknown_field(self, name: str, position: int) -> QueryError:
        where = f"at position {position}"
        return self.error(_unknown("field", name, where, [*QUERY_FIELDS, *self.facets]), position)

    # Facet values

    def facet_values(self, fieldname: str) -> dict[str, list[str]]:
        """Folded value → the stored values of facet field `fieldname`."""
        if fieldname not in self._facet_values:
            table: dict[str, list[str]] = {}
            if fieldname in self.indexed:
                for value in self.reader.field_terms(fieldname):
                    table.setdefault(_fold_value(value), []).append(value)
            self._facet_values[fieldname] = table
        return self._facet_values[fieldname]

    def facet_query(self, fieldname: str, value: str, boost: float = 1.0) -> query.Query:
        """Term(s) for the stored values equal to `value` up to case and accents.

        An unknown value gives a term that matches nothing, and a note.
        """
        values = self.facet_values(fieldname).get(_fold_value(value), [])
        return self._facet_terms(fieldname, values, value, boost)

    def facet_pattern_query(
        self, fieldname: str, pattern: str, position: int, boost: float
    ) -> query.Query:
        regex = _glob(_fold_value(pattern))
        values = [
            value
            for key, stored in self.facet_values(fieldname).items()
            if regex.fullmatch(key)
            for value in stored
        ]
        if len(values) > MAX_EXPANSIONS:
            raise self.too_many("wildcard", pattern, position)
        return self._facet_terms(fieldname, sorted(values), pattern, boost)

    def _facet_terms(
        self, fieldname: str, values: list[str], typed: str, boost: float
    ) -> query.Query:
        if not values:
            name = _display_field(fieldname)
            self.notes.append(
                f"no {name} value matches {_show(typed)} — see: pressearch facets {name}"
            )
            # A term that is not in the index: matches nothing, yet unlike
            # NullQuery survives normalisation inside And.
            return query.Term(fieldname, typed, boost=boost)
        terms = [query.Term(fieldname, value) for value in values]
        if len(terms) == 1:
            terms[0].boost = boost
            return terms[0]
        return query.Or(terms, boost=boost)

    # Expansions

    def too_many(self, kind: str, typed: str, position: int) -> QueryError:
        return self.error(
            f"{kind} {_show(typed)} at position {position} matches more than "
            f"{_plural(MAX_EXPANSIONS)} words — add letters to narrow it",
            position,
        )

    def analyse(self, fieldname: str, text: str) -> str | None:
        """`text` as the index stores it in `fieldname`, if it is one term."""
        tokens = list(self.schema[fieldname].process_text(text, mode="query"))
        return tokens[0] if len(tokens) == 1 else None

    def fold_only(self, fieldname: str, text: str) -> str:
        """`text` folded as the field folds it, without stemming or splitting."""
        field = self.schema[fieldname]
        return next(iter(field.process_text(text, mode="query", tokenize=False)), text)


def _unknown(kind: str, name: str, where: str, known: list[str]) -> str:
    """Message for an unknown field or facet name, with the closest known one."""
    close = difflib.get_close_matches(name.lower(), [*known, *FIELD_ALIASES], n=1)
    listed = ", ".join(known)
    hint = (
        f"did you mean '{close[0]}'? {kind.capitalize()}s: {listed}"
        if close
        else (f"{kind}s: {listed}")
    )
    return f"unknown {kind} {_show(name)} {where} — {hint}"


def _glob(pattern: str) -> re.Pattern[str]:
    """A regular expression for a pattern with * (any letters) and ? (one)."""
    return re.compile(
        "".join(
            ".*" if ch == "*" else "." if ch in _WILDCARD_CHARS else re.escape(ch) for ch in pattern
        ),
        re.DOTALL,
    )


def _fold_value(value: str) -> str:
    return " ".join(fold(value).split())


# --- Syntax nodes of our own -----------------------------------------------------


class _ValueNode(syntax.TextNode):  # type: ignore[misc]
    """A value whose query needs the index: built by `build` in `query()`."""

    def __init__(
        self, node: Any, text: str, position: int, build: Callable[[_ValueNode], Any]
    ) -> None:
        super().__init__(text)
        self.fieldname = node.fieldname
        self.boost = node.boost
        self.startchar = node.startchar
        self.endchar = node.endchar
        self.position = position
        self.build = build
        self.start: str | None = getattr(node, "start", None)
        self.end: str | None = getattr(node, "end", None)
        self.startexcl: bool = getattr(node, "startexcl", False)
        self.endexcl: bool = getattr(node, "endexcl", False)
        self.maxdist: int = getattr(node, "maxdist", 1)
        self.prefixlength: int = getattr(node, "prefixlength", 0)
        self.prefix = isinstance(node, plugins.PrefixPlugin.PrefixNode)
        self.built: Any = None

    def r(self) -> str:
        return f"Value {self.text!r}"

    def query(self, parser: Any) -> Any:
        # Whoosh's binary groups (AND NOT, ANDMAYBE) ask their parts twice.
        if self.built is None:
            self.built = attach(self.build(self), self)
        return self.built


class _AllGroup(syntax.GroupNode):  # type: ignore[misc]
    """Clauses side by side with match="all": every one must match.

    Not an AndGroup, so that an explicit AND never merges into it.
    """

    qclass = query.And


# Share of the index the postings of a match="any" query must add up to for
# its scores to be summed in an array (`_AnyOr`).
_DENSE = 0.1


class _AnyOr(query.Or):  # type: ignore[misc]
    """The Or of match="any": scores summed clause by clause when matches are dense.

    When the clauses' postings add up to `_DENSE` of the index, each
    clause's scores are added per document in one pass over its matches
    (`search.scoring.summed`, in the order of Whoosh's `PreloadedOr`, so the
    scores are the same) instead of stepping a tree of pairwise unions
    through every posting: on 100k articles 10-15% of a five-word query.
    Unscored searches keep Whoosh's `PreloadedOr`. Neither can tell which
    clause matched: not when the search needs that.
    """

    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        if (
            context is not None
            and not context.needs_current
            and len(subs) > 2
            and all(q.boost > 0 for q in subs)  # a zero score would drop a match
        ):
            reader = searcher.reader()
            postings = sum(q.estimate_size(reader) for q in subs)
            if postings >= _DENSE * reader.doc_count_all():
                if context.weighting is None:  # unscored: Whoosh's array only marks matches
                    return query.PreloadedOr(subs, boost=self.boost).matcher(searcher, context)
                return summed([q.matcher(searcher, context) for q in subs], self.boost)
        return super()._matcher(subs, searcher, context)


class _AnyGroup(syntax.GroupNode):  # type: ignore[misc]
    """Clauses side by side with match="any" (not an OrGroup, so that an
    explicit OR never merges into it).

    A plain Or: an article's score is the sum of its matching words' scores,
    so matching more words already ranks higher. No coordination factor
    (Whoosh's `scale`): on the judged collections it changed little or
    lowered MAP, and counting matches per document tripled query time.
    """

    qclass = _AnyOr


class _FieldsGroup(syntax.GroupNode):  # type: ignore[misc]
    """One bare word in each default field (not an OrGroup: see `_AllGroup`)."""

    qclass = WordInFields


class _Required(syntax.Wrapper):  # type: ignore[misc]
    """`+node`: replaced before queries are built (see `_PlusMinus`)."""


class _Banned(syntax.Wrapper):  # type: ignore[misc]
    """`-node`: replaced before queries are built (see `_PlusMinus`)."""


# --- Plugins -----------------------------------------------------------------------

# A field name at the start of a clause: after the start, a space, "(", "+"
# or "-"; so "12:30", "foo.bar:baz" and "https://..." stay words.
_FIELD_EXPR = r"(?<![^\s(+\-])(?P<text>[^\W\d]\w*):"
_BOUNDARY_BEFORE = r"(?<![^\s()\"])"
_BOUNDARY_AFTER = r"(?![^\s()\"])"
_WILDCARD_CHARS = "*?" + plugins.WildcardPlugin.qmarks


class _FieldTagger(plugins.FieldsPlugin.FieldnameTagger):  # type: ignore[misc]
    def __init__(self, ctx: _Context) -> None:
        super().__init__(_FIELD_EXPR)
        self.ctx = ctx

    def create(self, parser: Any, match: re.Match[str]) -> Any:
        name = match.group("text")
        rest = match.string[match.end() :]
        if rest.startswith("//"):  # a URL, not a field
            return None
        fieldname = self.ctx.resolve_field(name)
        no_value = not rest or rest[0].isspace()
        if fieldname is None:
            if no_value:  # "Note: ..." in pasted text is prose, not a field
                return None
            raise self.ctx.unknown_field(name, match.start())
        if no_value:
            raise _no_value(self.ctx, name, match.start())
        return syntax.FieldnameNode(fieldname, match.group(0))


def _no_value(ctx: _Context, name: str, position: int) -> QueryError:
    return ctx.error(
        f"field {_show(name)} at position {position} has no value — write "
        f'{name}:word or {name}:"a phrase", with no space after the colon',
        position,
    )


class _FieldsPlugin(plugins.FieldsPlugin):  # type: ignore[misc]
    """Field names: aliases and facets resolved, unknown names rejected.

    Whoosh's own filter then applies each name to the clause after it.
    """

    def __init__(self, ctx: _Context) -> None:
        super().__init__(expr=_FIELD_EXPR)
        self.ctx = ctx

    def taggers(self, parser: Any) -> list[tuple[Any, int]]:
        return [(_FieldTagger(self.ctx), 0)]


class _ChecksPlugin(plugins.Plugin):  # type: ignore[misc]
    """Checks on the flat token stream, before Whoosh starts repairing it."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self.check, -10)]

    def check(self, parser: Any, group: Any) -> Any:
        nodes = list(group)
        self._parentheses(nodes)
        self._terms(nodes)
        solid = [n for n in nodes if not n.is_ws()]
        for i, node in enumerate(solid):
            before = solid[i - 1] if i else None
            after = solid[i + 1] if i + 1 < len(solid) else None
            if isinstance(node, syntax.Operator):
                self._operator(node, before, after)
        keep = group.empty_copy()
        for i, node in enumerate(nodes):
            before = nodes[i - 1] if i else None
            after = nodes[i + 1] if i + 1 < len(nodes) else None
            if isinstance(node, syntax.FieldnameNode):
                self._field_value(node, after)
            if isinstance(node, plugins.FuzzyTermPlugin.FuzzinessNode):
                self._fuzziness(node, before)
            if isinstance(node, plugins.GtLtPlugin.GtLtNode):
                if not isinstance(before, syntax.FieldnameNode):
                    # A stray < or > is punctuation: text (Whoosh would trip on it).
                    keep.append(syntax.WordNode(node.rel).set_range(node.startchar, node.endchar))
                    continue
                if not isinstance(after, (syntax.WordNode, plugins.PhrasePlugin.PhraseNode)):
                    raise _no_value(self.ctx, before.original[:-1], before.startchar)
            keep.append(node)
        return keep

    def _field_value(self, node: Any, after: Any) -> None:
        name = node.original[:-1]
        if not _takes_field(after):
            raise _no_value(self.ctx, name, node.startchar)
        sign = after.text[:1] if isinstance(after, syntax.WordNode) else ""
        if sign in ("+", "-"):
            raise self.ctx.error(
                f"'{sign}' after field {_show(name)} at position {after.startchar} — put it "
                f"before the field: {sign}{name}:{after.text[1:]}",
                after.startchar,
            )

    def _parentheses(self, nodes: list[Any]) -> None:
        opened: list[int] = []
        for node in nodes:
            if isinstance(node, plugins.GroupPlugin.OpenBracket):
                opened.append(node.startchar)
                if len(opened) > MAX_NESTING:
                    raise self.ctx.error(
                        f"parentheses nested more than {MAX_NESTING} deep at position "
                        f"{node.startchar} — simplify the query",
                        node.startchar,
                    )
            elif isinstance(node, plugins.GroupPlugin.CloseBracket):
                if not opened:
                    raise self.ctx.error(
                        f"unbalanced parenthesis: ')' at position {node.startchar} has no "
                        "matching '(' — remove it or add '(' before it",
                        node.startchar,
                    )
                opened.pop()
        if opened:
            raise self.ctx.error(
                f"unbalanced parenthesis: '(' at position {opened[-1]} is never closed — "
                "add ')' or remove it",
                opened[-1],
            )

    def _terms(self, nodes: list[Any]) -> None:
        count = sum(
            isinstance(n, (syntax.WordNode, plugins.PhrasePlugin.PhraseNode, syntax.RangeNode))
            for n in nodes
        )
        if count > MAX_QUERY_TERMS:
            raise self.ctx.error(
                f"query has {_plural(count)} terms; the limit is {_plural(MAX_QUERY_TERMS)} "
                "— shorten it or split it into several queries",
                None,
            )

    def _operator(self, node: Any, before: Any, after: Any) -> None:
        op, pos = node.text, node.startchar
        if isinstance(node, syntax.InfixOperator):
            if isinstance(before, syntax.Operator):
                raise self.ctx.error(
                    f"'{op}' at position {pos} follows '{before.text}' — remove one of them",
                    pos,
                )
            if before is None or isinstance(before, plugins.GroupPlugin.OpenBracket):
                raise self.ctx.error(
                    f"'{op}' at position {pos} has nothing before it — "
                    "put a word before it or remove it",
                    pos,
                )
        elif isinstance(after, syntax.Operator):
            raise self.ctx.error(
                f"'{op}' at position {pos} is followed by '{after.text}' — remove one of them",
                pos,
            )
        if after is None or isinstance(after, plugins.GroupPlugin.CloseBracket):
            raise self.ctx.error(
                f"'{op}' at position {pos} has nothing after it — add a word after it or remove it",
                pos,
            )

    def _fuzziness(self, node: Any, before: Any) -> None:
        pos = node.startchar
        if not isinstance(before, syntax.WordNode):
            raise self.ctx.error(
                f"'~' at position {pos} must follow a word (cybercrme~) "
                'or a phrase ("cyber attack"~5)',
                pos,
            )
        if not 1 <= node.maxdist <= MAX_FUZZY_DISTANCE:
            raise self.ctx.error(
                f"fuzzy distance {_show(node.original)} at position {pos} is not allowed "
                "— use ~1 or ~2",
                pos,
            )


def _takes_field(node: Any) -> bool:
    """Whether `node` can be the value after `name:`."""
    return isinstance(
        node,
        (
            syntax.WordNode,
            plugins.PhrasePlugin.PhraseNode,
            syntax.RangeNode,
            plugins.WildcardPlugin.WildcardNode,
            plugins.GroupPlugin.OpenBracket,
            plugins.GtLtPlugin.GtLtNode,
        ),
    )


class _ValuesPlugin(plugins.Plugin):  # type: ignore[misc]
    """Gives values of date, facet and url fields, wildcards and fuzzy terms
    their own query builders, once every clause knows its field."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        # After Whoosh applies field names (100) and bare-word fields (110).
        return [(self.do_values, 120)]

    def do_values(self, parser: Any, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_values(parser, node)
            elif node.has_fieldname and node.fieldname:
                group[i] = self.value_node(node)
        return group

    def value_node(self, node: Any) -> Any:
        ctx, fieldname = self.ctx, node.fieldname
        fuzzy = isinstance(node, plugins.FuzzyTermPlugin.FuzzyTermNode)
        pattern = isinstance(
            node, (plugins.WildcardPlugin.WildcardNode, plugins.PrefixPlugin.PrefixNode)
        )
        ranged = isinstance(node, syntax.RangeNode)
        text = getattr(node, "text", "")
        if pattern:
            text = text + "*" if isinstance(node, plugins.PrefixPlugin.PrefixNode) else text
            position = _pattern_position(ctx.text, text, node)
        else:
            position = getattr(node, "textstartchar", node.startchar)
        name = _display_field(fieldname)

        if fieldname == DATE_FIELD:
            if pattern or fuzzy:
                raise ctx.error(
                    f"date value {_show(text)} at position {position} can't use wildcards "
                    f"or ~ — {_DATE_HELP}",
                    position,
                )
            build = _build_date_range if ranged else _build_date
            return _ValueNode(node, text, position, lambda n: build(ctx, n))
        if ranged and fieldname not in (facet_field("year"), facet_field("month")):
            raise ctx.error(
                f"range at position {node.startchar} can't be used on {name} — ranges work "
                "on date, year and month: date:[2019 TO 2021-06]",
                node.startchar,
            )
        if ranged:
            return node  # year/month values sort as text: Whoosh's TermRange works
        if fuzzy and fieldname not in TEXT_FIELDS:
            raise ctx.error(
                f"fuzzy matching at position {node.startchar} works on text fields only — "
                f"write the {name} value exactly, or use wildcards: {name}:*part*",
                node.startchar,
            )
        if fuzzy:
            return _ValueNode(node, text, position, lambda n: _build_fuzzy(ctx, n))
        if pattern:
            _check_wildcard(ctx, fieldname, text, position)
            if fieldname.startswith(FACET_PREFIX):
                return _ValueNode(
                    node,
                    text,
                    position,
                    lambda n: ctx.facet_pattern_query(n.fieldname, n.text, n.position, n.boost),
                )
            return _ValueNode(node, text, position, lambda n: _build_pattern(ctx, n))
        if fieldname.startswith(FACET_PREFIX):
            return _ValueNode(
                node, text, position, lambda n: ctx.facet_query(n.fieldname, n.text, n.boost)
            )
        if fieldname == URL_FIELD:
            return _ValueNode(node, text, position, _build_url)
        return node  # words and phrases in text fields: Whoosh analyses them


def _pattern_position(text: str, pattern: str, node: Any) -> int:
    # Whoosh merges "cy", "*" and "ber" into one node but keeps the span of
    # the "*"; find where the merged text starts in the query.
    found = text.rfind(pattern, 0, node.startchar + len(pattern))
    if found < 0 or found < node.startchar - len(pattern):
        return int(node.startchar)
    return found


def _check_wildcard(ctx: _Context, fieldname: str, pattern: str, position: int) -> None:
    if not pattern.strip(_WILDCARD_CHARS):
        raise ctx.error(
            f"a lone {_show(pattern)} at position {position} would match everything — "
            "add letters to it (cyber*)",
            position,
        )
    if fieldname.startswith(FACET_PREFIX):
        return  # facet lexicons are small: any pattern is cheap
    literal = min(i for i, ch in enumerate(pattern) if ch in _WILDCARD_CHARS)
    if literal < MIN_WILDCARD_PREFIX:
        raise ctx.error(
            f"wildcard {_show(pattern)} at position {position} needs at least "
            f"{MIN_WILDCARD_PREFIX} letters before the first * or ? — e.g. cyber*",
            position,
        )


class _PlusMinus(plugins.PlusMinusPlugin):  # type: ignore[misc]
    """`+clause` (required) and `-clause` (excluded), at any depth.

    Whoosh's plugin regroups only the top level, and before the operators
    run, so `a OR -b` silently became `a AND NOT b`. Here each mark is first
    tied to its clause; after the operators, clauses side by side (an
    implicit group) are sorted into required, optional and excluded, while a
    marked clause under an explicit AND/OR reads as itself or NOT itself.
    """

    def __init__(self) -> None:
        # Only at the start of a clause and touching it: "COVID-19" and
        # "a - b" keep their hyphens as text.
        super().__init__(plusexpr=r"(?<![^\s(])\+(?=[^\s)])", minusexpr=r"(?<![^\s(])-(?=[^\s)])")

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        # After whitespace is removed (500); before and after the operators (600).
        return [(self.tie_marks, 505), (self.apply_marks, 610)]

    def tie_marks(self, parser: Any, group: Any) -> Any:
        newgroup = group.empty_copy()
        wrap: type[Any] | None = None
        for node in group:
            if isinstance(node, (self.Plus, self.Minus)):
                wrap = _Required if isinstance(node, self.Plus) else _Banned
                continue
            if isinstance(node, syntax.GroupNode):
                node = self.tie_marks(parser, node)
            if wrap is not None:
                node = wrap([node])
                wrap = None
            newgroup.append(node)
        return newgroup

    def apply_marks(self, parser: Any, group: Any) -> Any:
        def walk(node: Any) -> Any:
            return self.apply_marks(parser, node) if isinstance(node, syntax.GroupNode) else node

        if isinstance(group, (_Required, _Banned)):
            inner = walk(group.nodes[0])
            return syntax.NotGroup([inner]) if isinstance(group, _Banned) else inner
        if type(group) is not parser.group:
            newgroup = group.empty_copy()
            newgroup.extend(walk(node) for node in group)
            return newgroup
        required: list[Any] = []
        optional: list[Any] = []
        banned: list[Any] = []
        for node in group:
            if isinstance(node, _Required):
                required.append(walk(node.nodes[0]))
            elif isinstance(node, (_Banned, syntax.NotGroup)):
                banned.extend(walk(inner) for inner in node.nodes)
            else:
                optional.append(walk(node))
        if isinstance(group, _AllGroup):  # match="all": every clause required
            required, optional = required + optional, []
        positive: Any = None
        if required and optional:
            rest = group.empty_copy()
            rest.extend(optional)
            positive = syntax.AndMaybeGroup([syntax.AndGroup(required), rest])
        elif required:
            positive = syntax.AndGroup(required)
        elif optional:
            positive = group.empty_copy()
            positive.extend(optional)
        if banned and positive is not None:
            result = syntax.AndNotGroup([positive, syntax.OrGroup(banned)])
        elif banned:
            result = syntax.NotGroup([syntax.OrGroup(banned)])
        else:
            result = positive if positive is not None else group.empty_copy()
        if group.boost != 1.0:
            result = syntax.AndGroup([result], boost=group.boost)
        return result


# --- Building the queries of our nodes -------------------------------------------


def _build_date(ctx: _Context, node: _ValueNode) -> query.Query:
    span = _date_span(node.text)
    if span is None:
        raise _unreadable_date(ctx, node.text, node.position)
    return _date_range(*span)


def _unreadable_date(ctx: _Context, text: str, position: int) -> QueryError:
    message = f"unreadable date {_show(text)} at position {position} — {_DATE_HELP}"
    return ctx.error(message, position)


def _build_date_range(ctx: _Context, node: _ValueNode) -> query.Query:
    source = ctx.text[node.startchar : node.endchar]

    def span(value: str) -> tuple[dt.datetime, dt.datetime] | None:
        if value.strip() == "*":  # Lucene's open end: [2020 TO *]
            return None
        found = _date_span(value)
        if found is None:
            offset = source.find(value)
            raise _unreadable_date(ctx, value, node.startchar + max(offset, 0))
        return found

    start = end = None
    startexcl, endexcl = node.startexcl, node.endexcl
    first = span(node.start) if node.start else None
    if first is not None:
        start = first[1] if startexcl else first[0]  # {2019 → after the end of 2019
    last = span(node.end) if node.end else None
    if last is not None:
        end = last[0] if endexcl else last[1]  # 2021} → before the start of 2021
    if start is None and end is None:
        raise ctx.error(
            f"date range at position {node.startchar} has no dates — write date:[2019 TO 2021]",
            node.startchar,
        )
    if start is not None and end is not None and start > end:
        raise ctx.error(
            f"date range at position {node.startchar} ends before it starts — swap the two dates",
            node.startchar,
        )
    return _date_range(start, end, startexcl, endexcl)


def _build_url(node: _ValueNode) -> query.Query:
    # The index keeps URLs as given; a trailing slash is the usual difference.
    url = node.text.strip()
    variants = [v for v in dict.fromkeys((url, url.rstrip("/"), url.rstrip("/") + "/")) if v]
    terms = [query.Term(URL_FIELD, v) for v in variants]
    return query.Or(terms, boost=node.boost)


def _surface_lexicon(ctx: _Context, fieldname: str) -> tuple[str, bool]:
    """Where to look up words typed with wildcards or ~ for `fieldname`.

    The field's spelling lexicon holds its words unstemmed (headline, body):
    patterns and misspellings compare with what was written, then the words
    found are analysed into the field's terms (True). Otherwise the field's
    own lexicon is used as it is (False).
    """
    spelling = ctx.schema[fieldname].spelling_fieldname(fieldname)
    if spelling != fieldname and spelling in ctx.indexed:
        return spelling, True
    return fieldname, False


def _expansion(
    ctx: _Context, node: _ValueNode, found: list[str], analyse: bool, shown: str, fallback: str
) -> query.Query:
    """Explicit terms for the words a wildcard or fuzzy word matched.

    With none, a term of the word as typed: it matches nothing, yet (unlike
    NullQuery) keeps an AND from silently dropping the clause.
    """
    fieldname = node.fieldname
    if analyse:
        terms = {t for word in found if (t := ctx.analyse(fieldname, word)) is not None}
    else:
        terms = set(found)
    words = sorted(terms)
    q = (
        query.Or([query.Term(fieldname, w) for w in words], boost=node.boost)
        if words
        else query.Term(fieldname, fallback, boost=node.boost)
    )
    ctx.expansions[id(q)] = _Expansion(q, shown, tuple(words))
    return q


def _build_pattern(ctx: _Context, node: _ValueNode) -> query.Query:
    """A wildcard in a text field or url, expanded to at most MAX_EXPANSIONS words."""
    fieldname = node.fieldname
    folded = ctx.fold_only(fieldname, node.text)
    literal = folded[: min(i for i, ch in enumerate(folded) if ch in _WILDCARD_CHARS)]
    glob = _glob(folded)
    lexicon, analyse = _surface_lexicon(ctx, fieldname)
    found: list[str] = []
    if lexicon in ctx.indexed:
        words = (b.decode("utf-8") for b in ctx.reader.expand_prefix(lexicon, literal))
        found = list(islice((w for w in words if glob.fullmatch(w)), MAX_EXPANSIONS + 1))
    if len(found) > MAX_EXPANSIONS:
        raise ctx.too_many("wildcard", node.text, node.position)
    if node.prefix and not analyse and fieldname in TEXT_FIELDS:
        # A stemmed lexicon: police* must also find "police" itself, kept
        # as "polic".
        stem = ctx.analyse(fieldname, literal)
        if stem is not None and (fieldname, stem) in ctx.reader:
            found.append(stem)
    return _expansion(ctx, node, found, analyse, shown=node.text, fallback=folded)


def _build_fuzzy(ctx: _Context, node: _ValueNode) -> query.Query:
    """Words within `maxdist` edits of the word typed (at most MAX_EXPANSIONS).

    In a spelling lexicon the word is compared as written; in a field's own
    (stemmed) lexicon it is compared as the field analyses it.
    """
    fieldname, typed = node.fieldname, node.text
    folded = ctx.fold_only(fieldname, typed)
    shown = typed + ("~" if node.maxdist == 1 else f"~{node.maxdist}")
    if len(folded) < MIN_FUZZY_LENGTH:
        raise ctx.error(
            f"{_show(shown)} at position {node.startchar} is too short for fuzzy "
            f"matching (at least {MIN_FUZZY_LENGTH} letters) — write the word exactly",
            node.startchar,
        )
    exact = ctx.analyse(fieldname, typed) or folded
    lexicon, analyse = _surface_lexicon(ctx, fieldname)
    found: list[str] = []
    if lexicon in ctx.indexed:
        candidates = _within(
            ctx,
            lexicon,
            folded if analyse else exact,
            node.maxdist,
            node.prefixlength or FUZZY_PREFIX_LENGTH,
        )
        found = list(islice(candidates, MAX_EXPANSIONS + 1))
    if len(found) > MAX_EXPANSIONS:
        raise ctx.too_many("fuzzy word", shown, node.startchar)
    return _expansion(ctx, node, found, analyse, shown=shown, fallback=exact)


def _within(ctx: _Context, lexicon: str, probe: str, maxdist: int, prefix: int) -> Iterator[str]:
    """Words of `lexicon` within `maxdist` Damerau-Levenshtein edits of `probe`.

    Not `reader.terms_within`: on a one-segment index its automaton misses
    transpositions, on a multi-segment one it counts them, so results would
    change as an index grows segments.
    """
    for btext in ctx.reader.expand_prefix(lexicon, probe[:prefix]):
        word = btext.decode("utf-8")
        if abs(len(word) - len(probe)) <= maxdist and (
            damerau_levenshtein(word, probe, limit=maxdist) <= maxdist
        ):
            yield word


# --- Compiling -------------------------------------------------------------------


def _operators() -> Any:
    # Upper case only, as whole words; "(", ")" and quotes may touch them.
    def op(word: str) -> str:
        return _BOUNDARY_BEFORE + word + _BOUNDARY_AFTER

    return plugins.OperatorsPlugin(
        And=op("AND"), Or=op("OR"), Not=op("NOT"), AndNot=None, AndMaybe=None, Require=None
    )


class _ParserSchema:
    """The index schema as the parser sees it.

    Whoosh asks `None in schema` for a word no field claims (seen: `0(^0)`),
    and a schema with glob fields raises TypeError on that instead of False.
    """

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._schema

    def __getitem__(self, name: str) -> Any:
        return self._schema[name]

    def __iter__(self) -> Any:
        return iter(self._schema)

    def __len__(self) -> int:
        return len(self._schema)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._schema, attr)


def _parser(ctx: _Context, match: str) -> Any:
    group = _AllGroup if match == "all" else _AnyGroup
    return QueryParser(
        None,
        _ParserSchema(ctx.schema),
        plugins=[
            _FieldsPlugin(ctx),
            plugins.WildcardPlugin(),
            # [^"]* rather than Whoosh's .*? so that a phrase may span lines.
            plugins.PhrasePlugin(expr=r'"(?P<text>[^"]*)"(~(?P<slop>[1-9][0-9]*))?'),
            plugins.RangePlugin(),
            plugins.GroupPlugin(),
            _operators(),
            plugins.BoostPlugin(),
            plugins.FuzzyTermPlugin(),
            _PlusMinus(),
            plugins.GtLtPlugin(),
            plugins.MultifieldPlugin(list(DEFAULT_SEARCH_FIELDS), group=_FieldsGroup),
            _ChecksPlugin(ctx),
            _ValuesPlugin(ctx),
        ],
        group=group,
    )


def compile_query(request: SearchRequest, reader: Any) -> CompiledQuery:
    """Parse and check `request.text` against the index `reader` reads.

    Raises QueryError (with the position of the problem where there is one)
    for anything that cannot be understood; never any other exception. A
    request with no text but with filters or dates matches every article
    that passes them.
    """
    text = request.text
    ctx = _Context(reader, text)
    if len(text) > MAX_QUERY_CHARS:
        raise ctx.error(
            f"query is {_plural(len(text))} characters long; the limit is "
            f"{_plural(MAX_QUERY_CHARS)} — shorten it",
            None,
        )
    dates = _since_until(ctx, request.since, request.until)
    filter_q = _filter_query(ctx, request.filters)
    if text.strip():
        _check_quotes(ctx)
        raw = _parser(ctx, request.match).parse(text, normalize=False)
        _check_orphans(ctx, raw)
        if request.match == "any":
            _add_compound_parts(ctx, raw)
        _merge_repeats(raw)
        if raw.normalize() is query.NullQuery:
            raise _nothing_to_search(ctx)
        if dates is not None:
            raw = query.And([raw, dates])
    elif dates is not None:
        raw = dates
    elif filter_q is not None:
        raw = query.Every()
    else:
        raise ctx.error('empty query — type a word, a "phrase" or field:value', None)
    return CompiledQuery(
        query=raw.normalize(),
        filter=None if filter_q is None else filter_q.normalize(),
        explain=_explain(ctx, request, raw, filter_q),
    )


def _check_orphans(ctx: _Context, q: query.Query) -> None:
    """Reject words the parser left without a field: a boost with nothing to boost.

    Whoosh keeps `^2` alone in a group (`fraud (^2)`) as a term of no field,
    which would later fail deep inside Whoosh.
    """
    for leaf in q.leaves():
        if getattr(leaf, "fieldname", "") is None:
            position = getattr(leaf, "startchar", None)
            where = f" at position {position}" if position is not None else ""
            raise ctx.error(
                f"'{getattr(leaf, 'text', '')}'{where} boosts nothing — "
                "put the boost right after a word or group, e.g. fraud^2 or (fraud OR scam)^2",
                position,
            )


def _add_compound_parts(ctx: _Context, q: query.Query) -> None:
    """Beside each compound word OR'd in `q`, its parts as words of their own, in place.

    The index holds a compound (three-dimensional, COVID-19) whole and as its
    parts, a query word only whole. In natural-language queries (match="any")
    the parts also find articles that write the words apart ("three
    dimensional"); the compound keeps `COMPOUND_WEIGHT` of its boost.
    One-letter parts (the "g" of "e.g") carry no topic and are left out.
    """
    for child in q.children():
        _add_compound_parts(ctx, child)
    if not isinstance(q, query.Or):
        return
    clauses: list[query.Query] = []
    for sub in q.subqueries:
        clauses.append(sub)
        parts = _compound_parts(ctx, sub) if isinstance(sub, WordInFields) else []
        if parts:
            clauses.extend(part.with_boost(sub.boost) for part in parts)
            sub.boost *= COMPOUND_WEIGHT
    q.subqueries = clauses


def _compound_parts(ctx: _Context, word: WordInFields) -> list[WordInFields]:
    """The parts of compound `word`, each searched in the word's fields; [] if none."""
    per_field: list[list[query.Term]] = []
    for term in word.subqueries:
        if not isinstance(term, query.Term):
            return []
        # Index-mode analysis of the compound: the compound, then its parts.
        terms = list(ctx.schema[term.fieldname].process_text(term.text))[1:]
        per_field.append([query.Term(term.fieldname, t) for t in terms if len(t) > 1])
    if not per_field or any(len(terms) != len(per_field[0]) for terms in per_field):
        return []
    return [WordInFields(list(terms)) for terms in zip(*per_field, strict=True)]


def _merge_repeats(q: query.Query) -> None:
    """Merge clauses repeated side by side into one whose boost is their sum, in place.

    Whoosh's normalisation keeps one of equal clauses, so a word a long
    query repeats ("... information ... information ...") would count once;
    as one clause boosted by the count it counts as often as it was typed
    (the query-term frequency of BM25 and DFR models). The matches are the same either way.
    """
    for child in q.children():
        _merge_repeats(child)
    if not isinstance(q, (query.And, query.Or)):
        return
    first: dict[query.Query, query.Query] = {}
    kept: list[query.Query] = []
    for sub in q.subqueries:
        key = sub.with_boost(1.0)
        if key in first:
            first[key].boost += sub.boost
        else:
            first[key] = sub
            kept.append(sub)
    q.subqueries = kept


def _check_quotes(ctx: _Context) -> None:
    # Phrases pair quotes left to right, so with an odd count the last is alone.
    quotes = [i for i, ch in enumerate(ctx.text) if ch == '"']
    if len(quotes) % 2:
        raise ctx.error(
            f'unbalanced double quote at position {quotes[-1]} — add the closing " '
            "or remove this one",
            quotes[-1],
        )


def _nothing_to_search(ctx: _Context) -> QueryError:
    words = [fold(w) for w in re.findall(WORD_PATTERN, ctx.text)]
    if words and all(w in STOP_WORDS for w in words):
        return ctx.error(
            f"query {_show(ctx.text)} has only stop words, which the index leaves out — "
            "add a word that carries meaning",
            None,
        )
    return ctx.error(
        f'query {_show(ctx.text)} has nothing to search for — type a word, a "phrase" '
        "or field:value",
        None,
    )


def _since_until(ctx: _Context, since: str | None, until: str | None) -> query.Query | None:
    start = end = None
    if since is not None:
        start = _flag_date(ctx, "--since", since)[0]
    if until is not None:
        end = _flag_date(ctx, "--until", until)[1]
    if start is not None and end is not None and start > end:
        raise ctx.error(
            f"--since {_show(str(since))} is after --until {_show(str(until))} — swap them",
            None,
        )
    if start is None and end is None:
        return None
    return _date_range(start, end)


def _flag_date(ctx: _Context, flag: str, value: str) -> tuple[dt.datetime, dt.datetime]:
    span = _date_span(value)
    if span is None:
        raise ctx.error(
            f"unreadable {flag} date {_show(value)} — write e.g. 2020, 2020-10, "
            "Oct 2020 or 6 October 2020",
            None,
        )
    return span


def _filter_query(ctx: _Context, filters: Iterable[tuple[str, str]]) -> query.Query | None:
    """--filter pairs: values of one facet OR, different facets AND."""
    by_field: dict[str, list[query.Query]] = {}
    for name, value in filters:
        key = normalize_name(name)
        if key not in ctx.facets:
            raise ctx.error(_unknown("facet", name, "in --filter", ctx.facets), None)
        fieldname = facet_field(key)
        by_field.setdefault(fieldname, []).append(ctx.facet_query(fieldname, value))
    per_facet = [qs[0] if len(qs) == 1 else query.Or(qs) for qs in by_field.values()]
    if not per_facet:
        return None
    return per_facet[0] if len(per_facet) == 1 else query.And(per_facet)


# --- Explaining ------------------------------------------------------------------

# How a rendered clause binds, so that parents know when to add parentheses.
_ATOM = ""


class _Renderer:
    """Writes a Whoosh query the way a user would type it, stems and all."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.bare_words = False

    def render(self, q: query.Query) -> str:
        text, _ = self.clause(q, bare=False) or ("(nothing)", _ATOM)
        return text

    def clause(self, q: query.Query, bare: bool) -> tuple[str, str] | None:
        """(text, the operator it is joined by at its top, or _ATOM), or None if empty."""
        text, op = self._clause(q, bare) or (None, _ATOM)
        if text is None:
            return None
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0:
            text, op = f"{self.wrap((text, op), _ATOM)}^{boost:g}", _ATOM
        return text, op

    def wrap(self, part: tuple[str, str], parent_op: str) -> str:
        text, op = part
        return text if op in (_ATOM, parent_op) else f"({text})"

    def joined(self, parts: list[tuple[str, str]], op: str) -> tuple[str, str] | None:
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return f" {op} ".join(self.wrap(p, op) for p in parts), op

    def _clause(self, q: query.Query, bare: bool) -> tuple[str, str] | None:
        if id(q) in self.ctx.expansions:
            return self.expansion([q], bare), _ATOM
        if isinstance(q, query.AndNot):
            pos, neg = self.clause(q.a, bare), self.clause(q.b, bare)
            if neg is None:
                return pos
            if pos is None:
                return f"NOT {self.wrap(neg, _ATOM)}", _ATOM
            return f"{self.wrap(pos, 'AND')} AND NOT {self.wrap(neg, _ATOM)}", "AND"
        if isinstance(q, query.AndMaybe):
            must, may = self.clause(q.a, bare), self.clause(q.b, bare)
            if must is None or may is None:
                return must or may
            return f"{self.wrap(must, _ATOM)} ANDMAYBE {self.wrap(may, _ATOM)}", "ANDMAYBE"
        if isinstance(q, query.Not):
            inner = self.clause(q.query, bare)
            return None if inner is None else (f"NOT {self.wrap(inner, _ATOM)}", _ATOM)
        if isinstance(q, WordInFields) and self.is_bare_word(q):
            self.bare_words = True
            if all(id(sub) in self.ctx.expansions for sub in q.subqueries):
                return self.expansion(q.subqueries, bare=True), _ATOM
            return self.clause(q.subqueries[0], bare=True)
        if isinstance(q, (query.And, query.Or, WordInFields)):
            parts = [p for p in (self.clause(s, bare) for s in q.subqueries) if p]
            return self.joined(parts, "AND" if isinstance(q, query.And) else "OR")
        return self.leaf(q.normalize(), bare)

    def is_bare_word(self, q: query.Query) -> bool:
        """Whether `q` is one word searched in each default field (a bare word)."""
        return [s.field() for s in q.subqueries] == list(DEFAULT_SEARCH_FIELDS)

    def expansion(self, qs: list[query.Query], bare: bool) -> str:
        first = self.ctx.expansions[id(qs[0])]
        words = sorted({w for q in qs for w in self.ctx.expansions[id(q)].words})
        shown = ", ".join(words[:10]) + (f", … {len(words) - 10} more" if len(words) > 10 else "")
        field = "" if bare else f"{_display_field(qs[0].field())}:"
        return f"{field}{_escape(first.shown)} [{_escape(shown) or 'no such words'}]"

    def leaf(self, q: query.Query, bare: bool) -> tuple[str, str] | None:
        if q is query.NullQuery:
            return None
        if isinstance(q, query.Every):
            return "(every article)", _ATOM
        field = "" if bare else f"{_display_field(q.field())}:"
        if isinstance(q, query.NumericRange) and q.field() == DATE_FIELD:
            return _render_dates(q), _ATOM
        if isinstance(q, query.Term):
            return f"{field}{_quote(q.text)}", _ATOM
        if isinstance(q, query.Phrase):
            slop = f"~{q.slop}" if q.slop > 1 else ""
            return f'{field}"{" ".join(q.words)}"{slop}', _ATOM
        if isinstance(q, query.TermRange):
            return f"{field}{_render_range(q.start, q.end, q.startexcl, q.endexcl)}", _ATOM
        return str(q), _ATOM


def _quote(value: str) -> str:
    """A term or facet value as a query would write it (quoted unless one plain word)."""
    if re.fullmatch(r"[\w.'’-]+", value) and value not in ("AND", "OR", "NOT"):
        return value
    return '"' + _escape(value).replace('"', '\\"') + '"'


def _render_range(start: str | None, end: str | None, startexcl: bool, endexcl: bool) -> str:
    if start and end:
        return f"{'{' if startexcl else '['}{start} TO {end}{'}' if endexcl else ']'}"
    if start:
        return f"{'>' if startexcl else '>='}{start}"
    return f"{'<' if endexcl else '<='}{end}"


def _render_dates(q: query.Query) -> str:
    start = None if q.start is None else long_to_datetime(q.start).date().isoformat()
    end = None if q.end is None else long_to_datetime(q.end).date().isoformat()
    if start == end and not (q.startexcl or q.endexcl):
        return f"date:{start}"
    return f"date:{_render_range(start, end, q.startexcl, q.endexcl)}"


def _explain(
    ctx: _Context, request: SearchRequest, raw: query.Query, filter_q: query.Query | None
) -> str:
    renderer = _Renderer(ctx)
    typed = _escape(request.text) if request.text.strip() else "(no words)"
    lines = [f"typed:  {typed}"]
    lines.append(f"query:  {renderer.render(raw)}")
    if filter_q is not None:
        lines.append(f"filter: {renderer.render(filter_q)}")
    if renderer.bare_words:
        *init, last = (_display_field(f) for f in DEFAULT_SEARCH_FIELDS)
        lines.append(f"words without a field search {', '.join(init)} and {last}")
    if request.match == "any":
        lines.append("any word may match; articles matching more words rank higher")
    lines.extend(f"note:   {note}" for note in dict.fromkeys(ctx.notes))
    return "\n".join(lines)


# --- The reference -----------------------------------------------------------------

SYNTAX = """\
PRESSEARCH QUERY SYNTAX

Words
  europol ransomware          Articles with every word, in the headline, body,
                              quotes or speaker names. Case, accents and word
                              endings don't matter: zurich finds Zürich,
                              arrest finds arrested.
  --match any                 Any word may match; articles matching more words
                              rank higher (for long natural-language queries).
  COVID-19   EC3   4.5        Hyphenated words, codes and numbers are found
                              as written; covid also finds COVID-19.
  the, of, and, not ...       Stop words are left out, as are lower-case
                              and, or, not.

Phrases and proximity
  "organised crime"           These words next to each other, in this order.
  "europol arrest"~5          These words within 5 words of each other.

Operators (upper case)
  fraud AND phishing          Both (the same as: fraud phishing).
  fraud OR phishing           Either.
  fraud NOT phishing          fraud, but not phishing.
  (fraud OR scam) AND bank    Parentheses group. NOT binds tightest, then AND,
                              then OR, then words side by side:
                              a b OR c means a AND (b OR c).
  +europol fraud scam         + : must match (useful with --match any; shown
                              as ANDMAYBE by --explain).
  fraud -phishing             - : must not match (the same as NOT).
  fraud^2 scam                ^ : count a word or group more in the ranking.

Wildcards and fuzzy words
  cyber*                      Words starting with cyber: cybercrime,
                              cyberattack. At least 2 letters before the
                              first * or ?.
  organi?ation                ? is one letter, * any number of letters.
  cybercrme~                  Words within one edit (a letter added, dropped,
                              changed or two swapped): cybercrime.
  cybercrme~2                 Within two edits. Fuzzy words need 4 letters.

Fields (no space after the colon)
  headline:europol            In the headline (title: works too).
  body:ransomware             In the body.
  quote:"no safe haven"       In quotes (quotes: works too).
  speaker:"De Bolle"          In speaker names.
  role:director               In speakers' roles.
  url:"https://www.europol.europa.eu/newsroom/news/example"
                              The article with this address.
  headline:(fraud OR scam)    A field applies to a whole group.

Facets (the exact value; case and accents don't matter)
  type:"press release"        source:europol
  target_group:"law enforcement"      (target: works too)
  crime_area:"cybercrime"             (crime: works too)
  entity:EC3                          organisation:eurojust (org: works too)
  year:2020                           month:2020-10
  region:"western balkans"    Every other label of the archive, by its name
                              in lower_snake case.
  entity:*ec3*                Wildcards match facet values anywhere.
  year:[2018 TO 2020]         Ranges of years or months.
  An unknown value matches nothing (`pressearch facets NAME` lists values).

Dates
  date:2020                   Any day in 2020.
  date:2020-10                October 2020 (also date:"Oct 2020").
  date:2020-10-06             One day (also date:"6 October 2020").
  date:[2019 TO 2021-06]      From 1 January 2019 to 30 June 2021.
  date:{2019 TO 2021}         Between, not including: 2020.
  date:>2020-01-01            After (>), from (>=), before (<), up to (<=):
  date:>=2020  date:<2021  date:<=2020-06
  date:[2020 TO *]            * leaves a range open: from 2020 on.
  --since 2020 --until "Oct 2021"     The same dates, added to the query.
  Dates are read leniently (2020-10-06, 6 Oct 2020, October 6, 2020);
  06/10/2020 is read day first: 6 October 2020.

Limits
  At most 500 terms and 20,000 characters; a wildcard or fuzzy word may
  stand for at most 1,000 words. Problems are reported with their position
  and a fix; --explain shows how a query was understood.
"""
