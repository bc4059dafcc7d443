"""Query tree + index → Whoosh queries: the one schema-aware step of a search.

Model: `compile_query` parses the request's text (`search.query.parse`),
reads `--since`/`--until` and `--filter` into tree nodes too, and walks the
tree once, building a Whoosh query per node against the index's reader:
words are analysed by each field's own analyzer (folding, stemming,
compounds); a bare word searches `DEFAULT_SEARCH_FIELDS` as one
`search.scoring.WordInFields`; wildcard and fuzzy words expand to at most
`MAX_EXPANSIONS` words of the field's (unstemmed, where there is one)
lexicon; facet values are matched against the facet's stored values up to
case and accents; dates become date-column ranges; a Boolean's parts become
`AllOf` (And) / AndMaybe / `AnyOr`, and its excluded parts an exact `Excluding`.
With match="any" a compound word is also searched as its parts, and a
clause repeated side by side counts as often as it was typed. The index is
read (lexicons) but never searched. Each leaf's reading is also written
down for `--explain`. Another engine (OpenSearch's query DSL) would be one
more module like this one, over the same tree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from whoosh import query
from whoosh.util.times import datetime_to_long

from pressearch.errors import QueryError
from pressearch.index.reader import segment_cached
from pressearch.index.schema import FACET_PREFIX, STOP_WORDS, facet_field, fold, split_words
from pressearch.models import SearchRequest
from pressearch.search.expand import (
    MAX_EXPANSIONS,
    Expander,
    check_pattern,
    glob,
    indexed_fields,
    too_many,
)
from pressearch.search.matchers import AllOf, AnyOr, ColumnDateRange, Excluding, SloppyPhrase
from pressearch.search.query import explain
from pressearch.search.query.dates import date_span, is_relative
from pressearch.search.query.lenient import MAX_REPAIRS, Repaired, as_words, culprit
from pressearch.search.query.messages import show, unknown
from pressearch.search.query.parse import parse
from pressearch.search.query.phrases import phrase_words
from pressearch.search.query.tree import (
    Boolean,
    Boost,
    DateRange,
    FacetRange,
    FacetValue,
    Field,
    Fuzzy,
    MatchAll,
    Node,
    Phrase,
    Wildcard,
    Word,
)
from pressearch.search.rewrite import add_compound_parts, merge_repeats, unwrapped
from pressearch.search.scoring import WordInFields
from pressearch.vocabulary import ALIASES as FIELD_ALIASES
from pressearch.vocabulary import (
    BUILTIN_FACETS,
    DATE_FIELD,
    DEFAULT_SEARCH_FIELDS,
    QUERY_FIELDS,
    STANDARD_FACETS,
    URL_FIELD,
    index_field,
    normalize_name,
)

_STANDARD_FACET_ORDER = (*BUILTIN_FACETS, *STANDARD_FACETS)
_FIELD_NAME = re.compile(r"[^\W\d][\w-]*")


@dataclass(frozen=True)
class CompiledQuery:
    """A request turned into Whoosh queries.

    `query` is the text query with since/until ANDed in; `filter` restricts
    to the --filter facet values (None without filters); `explain` says, in
    a few lines, how the query was understood; `tree` is what was asked
    (text and dates), for highlighting and suggestions; `text` is the query
    text as read, which the tree's positions refer to (the text as typed,
    or with match="any" the text with what is not syntax escaped).
    """

    query: query.Query
    filter: query.Query | None
    explain: str
    tree: Node
    text: str


def field_names(reader: Any) -> list[str]:
    """Every field name a query may use on this index (aliases aside), standard ones first.

    Facets are the standard ones plus each `facet_<name>` field the index
    holds (one per taxonomy label of the archive).
    """
    return [*QUERY_FIELDS, *_facet_names(reader)]


def _facet_names(reader: Any) -> list[str]:
    present = sorted(
        name[len(FACET_PREFIX) :]
        for name in indexed_fields(reader)
        if name.startswith(FACET_PREFIX)
    )
    taken = {*QUERY_FIELDS, *FIELD_ALIASES, *_STANDARD_FACET_ORDER}
    return [*_STANDARD_FACET_ORDER, *(name for name in present if name not in taken)]


def compile_query(
    request: SearchRequest, reader: Any, *, now: dt.datetime | None = None
) -> CompiledQuery:
    """Parse and check `request` against the index `reader` reads.

    Raises QueryError (with the position of the problem where there is one)
    for anything that cannot be understood; never any other exception. With
    match="any" any text is a query: what does not form valid syntax is read
    as words (`search.query.lenient`) and the explanation says so; only
    errors about the query as a whole remain. In match "all", the error for
    text that reads like pasted prose points to match "any". A request with
    no text but with filters or dates matches every article that passes
    them. Relative dates are resolved against `now` (default: the moment of
    the call), once for the whole request.
    """
    now = now or dt.datetime.now()
    if request.match != "any":
        try:
            return _compile(request, reader, now, None)
        except QueryError as exc:
            raise _pasted_hint(exc) from None
    reading = Repaired(request.text)
    for _ in range(MAX_REPAIRS):
        try:
            return _compile(request, reader, now, reading)
        except QueryError as exc:
            if exc.position is None or exc.query != reading.text:
                raise  # about the query as a whole (its length, only stop words)
            at = culprit(reading.text, exc.position)
            repaired = reading if at is None else reading.escape(at)
            if repaired == reading:
                break  # nothing left to escape there: read every special character as text
            reading = repaired
    return _compile(request, reader, now, as_words(request.text))


def _compile(
    request: SearchRequest, reader: Any, now: dt.datetime, reading: Repaired | None
) -> CompiledQuery:
    """`compile_query` of the text as typed, or as `reading` has it."""
    typed = request
    if reading is not None:
        request = replace(request, text=reading.text)
    text = request.text
    compiler = _Compiler(reader, text, request.match)
    dates = _since_until(compiler, request, now)
    filters = _filter_tree(compiler, request.filters)
    tree = parse(text, match=request.match, now=now)
    built: query.Query | None
    if tree is not None:
        built = compiler.build(tree, None, 1.0)
        if built is None:
            raise _nothing_to_search(compiler, typed.text)
        if request.match == "any":
            # A lone word too: its parts are searched beside it.
            built = unwrapped(add_compound_parts(compiler.schema, AnyOr([built])))
        merge_repeats(built)
        if dates is not None:
            built = AllOf([built, compiler.build(dates, None, 1.0)])
            tree = Boolean((tree, dates), (), (), tree.start, tree.end)
    elif dates is not None:
        tree, built = dates, compiler.build(dates, None, 1.0)
    elif filters is not None:
        tree, built = MatchAll(), query.Every()
    else:
        raise compiler.error('empty query — type a word, a "phrase" or field:value', None)
    assert built is not None
    filter_q = None if filters is None else compiler.build(filters, None, 1.0)
    read_as = None
    if reading is not None and reading.escaped:
        read_as = reading.text
        compiler.notes.insert(0, _lenient_note(typed.text, reading.escaped))
    return CompiledQuery(
        query=built,
        filter=filter_q,
        explain=explain.explain(
            typed,
            tree,
            filters,
            explain.Reading(compiler.shown, compiler.notes, compiler.bare_words, now, read_as),
        ),
        tree=tree,
        text=text,
    )


# A query this many words long that cannot be read is likely pasted prose.
_PASTED_WORDS = 5
# Escaped characters named one by one in the explanation.
_NOTE_NAMES = 5


def _pasted_hint(exc: QueryError) -> QueryError:
    """`exc`, pointing to match "any" when its query reads like pasted text."""
    if exc.position is None or len(split_words(exc.query)) < _PASTED_WORDS:
        return exc
    return QueryError(
        f"{exc} (or, to search pasted text as words, use --match any)",
        query=exc.query,
        position=exc.position,
    )


def _lenient_note(text: str, escaped: tuple[int, ...]) -> str:
    named = ", ".join(f"{text[i]!r} at {i}" for i in escaped[:_NOTE_NAMES])
    more = f" and {len(escaped) - _NOTE_NAMES} more" if len(escaped) > _NOTE_NAMES else ""
    return f"not valid query syntax, read as words: {named}{more}"


class _Compiler:
    """One compilation: the reader, the query text, and what explain needs."""

    def __init__(self, reader: Any, text: str, match: str) -> None:
        self.reader = reader
        self.text = text
        self.match = match
        self.schema = reader.schema
        self.indexed = indexed_fields(reader)
        self.facets = segment_cached(reader, "query facet names", partial(_facet_names, reader))
        self.notes: list[str] = []
        self.shown: dict[Node, tuple[str, str]] = {}
        self.bare_words = False
        self.expander = Expander(reader, self.error)

    def error(self, message: str, position: int | None = None) -> QueryError:
        return QueryError(message, query=self.text, position=position)

    # --- The tree --------------------------------------------------------------------

    def build(self, node: Node, field: str | None, boost: float) -> query.Query | None:
        """The Whoosh query of `node` searched in `field` (None: the default fields)."""
        if isinstance(node, Boolean):
            return self.boolean(node, field, boost)
        if isinstance(node, Boost):
            return self.build(node.child, field, boost * node.factor)
        if isinstance(node, Field):
            return self.build(node.child, node.field, boost)
        if isinstance(node, MatchAll):
            return query.Every()
        if isinstance(node, DateRange):
            return ColumnDateRange(
                DATE_FIELD,
                None if node.low is None else datetime_to_long(node.low),
                None if node.high is None else datetime_to_long(node.high),
                not node.low_inclusive,
                not node.high_inclusive,
                boost=boost,
            )
        if isinstance(node, FacetValue):
            return self.facet_value(node, boost)
        if isinstance(node, FacetRange):
            self.facet_field(node.facet, node.name_start)
            return query.TermRange(
                facet_field(node.facet),
                node.low,
                node.high,
                not node.low_inclusive,
                not node.high_inclusive,
                boost=boost,
            )
        if field is None:
            self.bare_words = True
        if field == URL_FIELD:
            return self.url(node, boost)
        if isinstance(node, Word):
            return self.word(node, field, boost)
        if isinstance(node, Phrase):
            return self.phrase(node, field, boost)
        if isinstance(node, Wildcard):
            return self.wildcard(node, field, boost)
        return self.fuzzy(node, field, boost)

    def boolean(self, node: Boolean, field: str | None, boost: float) -> query.Query | None:
        must = [q for q in (self.build(n, field, boost) for n in node.must) if q is not None]
        should = [q for q in (self.build(n, field, boost) for n in node.should) if q is not None]
        banned = [q for q in (self.build(n, field, 1.0) for n in node.must_not) if q is not None]
        positive: query.Query | None = None
        if must and should:
            positive = query.AndMaybe(_joined(must, AllOf), _joined(should, AnyOr))
        elif must:
            positive = _joined(must, AllOf)
        elif should:
            positive = _joined(should, AnyOr)
        elif node.must or node.should:
            return None  # its words were all stop words
        if not banned:
            return positive
        return Excluding(positive or query.Every(), _joined(banned, query.Or))

    def fields(self, field: str | None) -> tuple[str, ...]:
        return DEFAULT_SEARCH_FIELDS if field is None else (index_field(field),)

    def terms(self, fieldname: str, text: str, phrase: bool = False) -> list[str]:
        """`text` analysed as field `fieldname` analyses a query (a phrase: `phrase_words`)."""
        field = self.schema[fieldname]
        if phrase:
            return phrase_words(field.analyzer, text)
        return list(field.process_text(text, mode="query"))

    # --- Words and phrases ----------------------------------------------------------------

    def word(self, node: Word, field: str | None, boost: float) -> query.Query | None:
        fields = self.fields(field)
        per_field = [(f, self.terms(f, node.text)) for f in fields]
        count = max(len(terms) for _, terms in per_field)
        if not count:
            return None
        clauses: list[query.Query] = []
        for i in range(count):
            terms = [query.Term(f, t[i]) for f, t in per_field if i < len(t)]
            if field is None:
                clauses.append(WordInFields(terms, boost=boost))
            else:
                clauses.append(terms[0].with_boost(boost))
        first = per_field[0][1]
        prefix = "" if field is None else f"{field}:"
        self.shown[node] = (
            " AND ".join(prefix + explain.quoted(t) for t in first),
            "AND" if len(first) > 1 else "",
        )
        return clauses[0] if count == 1 else AllOf(clauses)

    def phrase(self, node: Phrase, field: str | None, boost: float) -> query.Query | None:
        clauses: list[query.Query] = []
        shown: list[str] = []
        for f in self.fields(field):
            words = self.terms(f, node.text, phrase=True)
            if not words:
                continue
            shown = shown or words
            if len(words) == 1:
                clauses.append(query.Term(f, words[0]))
            elif node.slop == 0:
                clauses.append(query.Phrase(f, words, slop=1))
            else:
                clauses.append(SloppyPhrase(f, words, slop=node.slop))
        if not clauses:
            return None
        prefix = "" if field is None else f"{field}:"
        slop = f"~{node.slop}" if node.slop else ""
        self.shown[node] = (f'{prefix}"{" ".join(shown)}"{slop}', "")
        if field is None:
            return WordInFields(clauses, boost=boost)
        return clauses[0].with_boost(boost)

    def url(self, node: Node, boost: float) -> query.Query | None:
        if isinstance(node, Wildcard):
            return self.wildcard(node, URL_FIELD, boost)
        if isinstance(node, Fuzzy):
            raise self.error(
                f"fuzzy matching at position {node.start} works on text fields only — write "
                "the url value exactly, or use wildcards: url:*part*",
                node.start,
            )
        assert isinstance(node, (Word, Phrase))
        # The index keeps URLs as given; a trailing slash is the usual difference.
        url = node.text.strip()
        variants = [v for v in dict.fromkeys((url, url.rstrip("/"), url.rstrip("/") + "/")) if v]
        if not variants:
            return None
        self.shown[node] = (" OR ".join(f"url:{explain.quoted(v)}" for v in variants), "OR")
        return query.Or([query.Term(URL_FIELD, v) for v in variants], boost=boost)

    # --- Wildcards and fuzzy words ----------------------------------------------------------

    def wildcard(self, node: Wildcard, field: str | None, boost: float) -> query.Query:
        check_pattern(node.pattern, node.start, False, self.error)
        found = [self.expander.wildcard(f, node.pattern, node.start) for f in self.fields(field)]
        return self.expanded(node, field, found, node.pattern, boost)

    def fuzzy(self, node: Fuzzy, field: str | None, boost: float) -> query.Query:
        shown = node.text + ("~" if node.distance == 1 else f"~{node.distance}")
        found = [
            self.expander.fuzzy(f, node.text, node.distance, shown, node.start)
            for f in self.fields(field)
        ]
        return self.expanded(node, field, found, shown, boost)

    def expanded(
        self,
        node: Wildcard | Fuzzy,
        field: str | None,
        found: list[tuple[set[str], str]],
        typed: str,
        boost: float,
    ) -> query.Query:
        """Explicit terms, per field, for the words a wildcard or fuzzy word matched.

        With none in a field, a term of the word as typed: it matches
        nothing, yet keeps an AND from silently dropping the clause.
        """
        clauses = [
            query.Or([query.Term(f, w) for w in sorted(terms)])
            if terms
            else query.Term(f, fallback)
            for f, (terms, fallback) in zip(self.fields(field), found, strict=True)
        ]
        words = sorted(set().union(*(terms for terms, _ in found)))
        listed = ", ".join(words[:10]) + (f", … {len(words) - 10} more" if len(words) > 10 else "")
        prefix = "" if field is None else f"{field}:"
        self.shown[node] = (f"{prefix}{typed} [{listed or 'no such words'}]", "")
        if field is None:
            return WordInFields(clauses, boost=boost)
        return clauses[0].with_boost(boost)

    # --- Facets -------------------------------------------------------------------------------

    def facet_field(self, name: str, name_start: int) -> str:
        if name not in self.facets:
            typed = _FIELD_NAME.match(self.text, max(name_start, 0))
            shown = typed.group() if typed else name
            where = f"at position {name_start}"
            known = [*QUERY_FIELDS, *self.facets]
            raise self.error(unknown("field", shown, where, known), name_start)
        return facet_field(name)

    def facet_values(self, fieldname: str) -> dict[str, list[str]]:
        """Folded value → the stored values of facet field `fieldname`, read once per reader."""

        def build() -> dict[str, list[str]]:
            table: dict[str, list[str]] = {}
            if fieldname in self.indexed:
                for value in self.reader.field_terms(fieldname):
                    table.setdefault(_fold_value(value), []).append(value)
            return table

        return segment_cached(self.reader, ("folded facet values", fieldname), build)

    def facet_value(self, node: FacetValue, boost: float) -> query.Query:
        """Term(s) for the stored values equal to (or matching) the value typed.

        An unknown value gives a term that matches nothing, and a note.
        """
        fieldname = self.facet_field(node.facet, node.name_start)
        table = self.facet_values(fieldname)
        if node.pattern:
            check_pattern(node.value, node.start, True, self.error)
            regex = glob(_fold_value(node.value))
            values = sorted(
                v for key, stored in table.items() if regex.fullmatch(key) for v in stored
            )
            if len(values) > MAX_EXPANSIONS:
                raise too_many("wildcard", node.value, node.start, self.error)
        else:
            values = table.get(_fold_value(node.value), [])
        name = node.facet
        if not values and node.name_start < 0:
            raise self.error(_no_such_value(name, node.value, table), None)
        if not values:
            self.notes.append(
                f"no {name} value matches {show(node.value)} — see: pressearch facets {name}"
            )
            self.shown[node] = (f"{name}:{explain.quoted(node.value)}", "")
            # A term that is not in the index: matches nothing, yet unlike
            # NullQuery keeps an And from dropping the clause.
            return query.Term(fieldname, node.value, boost=boost)
        self.shown[node] = (
            " OR ".join(f"{name}:{explain.quoted(v)}" for v in values),
            "OR" if len(values) > 1 else "",
        )
        terms = [query.Term(fieldname, value) for value in values]
        if len(terms) == 1:
            return terms[0].with_boost(boost)
        return query.Or(terms, boost=boost)


def _no_such_value(name: str, value: str, table: dict[str, list[str]]) -> str:
    """The error for a --filter value that no article has, naming the closest ones."""
    import difflib  # for errors only: ~1 ms of a one-off query's imports

    close = difflib.get_close_matches(_fold_value(value), list(table), n=3, cutoff=0.6)
    shown = [f"'{stored}'" for key in close for stored in table[key][:1]]
    if shown:
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        return f"no {name} value {show(value)} — did you mean {listed}?"
    return f"no {name} value {show(value)} — see: pressearch facets {name}"


def _joined(parts: list[query.Query], kind: type[query.Query]) -> query.Query:
    return parts[0] if len(parts) == 1 else kind(parts)


def _fold_value(value: str) -> str:
    return " ".join(fold(value).split())


# --- Flags -------------------------------------------------------------------------------------


def _since_until(compiler: _Compiler, request: SearchRequest, now: dt.datetime) -> Node | None:
    """--since and --until as one date range, or None."""
    start = end = None
    relative = False
    for flag, value in (("--since", request.since), ("--until", request.until)):
        if value is None:
            continue
        span = date_span(value, now)
        if span is None:
            raise compiler.error(
                f"unreadable {flag} date {show(value)} — write e.g. 2020, 2020-10, "
                "Oct 2020, 6 October 2020, today or now-7d",
                None,
            )
        relative = relative or is_relative(value)
        if flag == "--since":
            start = span[0]
        else:
            end = span[1]
    if start is not None and end is not None and start > end:
        raise compiler.error(
            f"--since {show(str(request.since))} is after --until {show(str(request.until))} "
            "— swap them",
            None,
        )
    if start is None and end is None:
        return None
    return DateRange(start, end, True, True, relative, 0, 0)


def _filter_tree(compiler: _Compiler, filters: tuple[tuple[str, str], ...]) -> Node | None:
    """--filter pairs as facet values: values of one facet OR, different facets AND."""
    by_facet: dict[str, list[Node]] = {}
    for name, value in filters:
        key = normalize_name(name)
        if key not in compiler.facets:
            raise compiler.error(unknown("facet", name, "in --filter", compiler.facets), None)
        node = FacetValue(key, value, False, 0, 0, -1)
        by_facet.setdefault(key, []).append(node)
    per_facet: list[Node] = [
        nodes[0] if len(nodes) == 1 else Boolean((), tuple(nodes), (), 0, 0)
        for nodes in by_facet.values()
    ]
    if not per_facet:
        return None
    return per_facet[0] if len(per_facet) == 1 else Boolean(tuple(per_facet), (), (), 0, 0)


def _nothing_to_search(compiler: _Compiler, typed: str) -> QueryError:
    words = [fold(w) for w in split_words(typed)]
    if words and all(w in STOP_WORDS for w in words):
        return compiler.error(
            f"query {show(typed)} has only stop words, which the index leaves out — "
            "add a word that carries meaning",
            None,
        )
    return compiler.error(
        f'query {show(typed)} has nothing to search for — type a word, a "phrase" or field:value',
        None,
    )
