"""Lucene's classic query parser tests that apply to a text index, in our own words.

Each case is a query, what Lucene's classic parser makes of it (written in
Lucene's own notation: `+x` must, `-x` must not, `x` should, parentheses for
a nested query), and, where pressearch reads it differently on purpose, our
reading and why. The cases follow the groups of Lucene's parser test suite
(simple queries, punctuation and slop, numbers, wildcards and fuzzy terms,
escapes, boosts, errors, precedence); cases about analyzers, locales, term
ranges over text, regular expressions and query classes pressearch does not
have are left out (see `LEFT_OUT`).

Words stand as typed: analysis (case, stemming, stop words) happens in the
index and is tested elsewhere. `ERROR` means the parser refuses the query.
Lucene's default operator is OR; pressearch's is AND unless the search asks
for `--match any`, so cases are read with match "any" unless they say
otherwise (`MATCH_ALL_CASES` shows the default).
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "ERROR"


@dataclass(frozen=True)
class Case:
    query: str
    lucene: str
    ours: str | None = None  # None: the same as Lucene's
    why: str = ""
    match: str = "any"

    @property
    def expected(self) -> str:
        return self.lucene if self.ours is None else self.ours


_PRECEDENCE = (
    "NOT > AND > OR > side by side: an explicit OR groups its neighbours, where Lucene "
    "makes AND's neighbours required and OR's optional (README and `pressearch syntax`)"
)
_NOT_ALONE = "a query of only excluded parts matches every other article; Lucene's matches nothing"
_BANG = '"!" is NOT only when it touches its clause, so that "Yahoo!" and "wow !" stay text'
_FUZZY = "a bare ~ is one edit (Lucene: two); ~1 and ~2 are the only distances allowed"
_ESCAPED_NAME = (
    "a field name is letters, digits, _ and - touching its colon; an escape inside it makes "
    "the whole a word (shown with its colons escaped)"
)

CASES: tuple[Case, ...] = (
    # --- Simple queries -----------------------------------------------------------------
    Case("term term term", "term term term"),
    Case("a AND b", "+a +b"),
    Case("(a AND b)", "+a +b"),
    Case("c OR (a AND b)", "c (+a +b)"),
    Case("a AND NOT b", "+a -b"),
    Case("a AND -b", "+a -b"),
    Case("a AND !b", "+a -b"),
    Case("a && b", "+a +b"),
    Case("a && !b", "+a -b"),
    Case("a && ! b", "+a -b", "(+a +!) b", _BANG),
    Case("a OR b", "a b"),
    Case("a || b", "a b"),
    Case("a OR !b", "a -b", "a (-b)", _PRECEDENCE),
    Case("a OR -b", "a -b", "a (-b)", _PRECEDENCE),
    Case("a OR ! b", "a -b", "(a !) b", _BANG),
    Case("+term -term term", "+term -term term"),
    Case("foo:term AND field:anotherTerm", "+foo:term +field:anotherTerm"),
    Case('term AND "phrase phrase"', '+term +"phrase phrase"'),
    Case('"hello there"', '"hello there"'),
    Case("germ term^2", "germ term^2"),
    Case("(term)^2", "term^2"),
    Case("(germ term)^2", "(germ term)^2"),
    Case("term^2.5", "term^2.5"),
    Case('"germ term"^2', '"germ term"^2'),
    Case("(foo OR bar) AND (baz OR boo)", "+(foo bar) +(baz boo)"),
    Case("((a OR b) AND NOT c) OR d", "(+(a b) -c) d"),
    Case('+(apple "steve jobs") -(foo bar baz)', '+(apple "steve jobs") -(foo bar baz)'),
    Case(
        '+title:(dog OR cat) -author:"bob dole"',
        '+(title:dog title:cat) -author:"bob dole"',
        '+(headline:dog headline:cat) -author:"bob dole"',
        "title is our alias of headline; author is no field here, so it is read as a facet "
        "(the compiler rejects it unless the archive has such a label)",
    ),
    Case("NOT foo", "-foo", None, _NOT_ALONE),
    Case("-foo", "-foo", None, _NOT_ALONE),
    # --- Fields with a space after the colon (Elasticsearch, tantivy) ---------------------
    Case("headline: europol", "headline:europol"),
    Case("headline: (fraud OR scam)", "headline:fraud headline:scam"),
    Case("-headline:(a OR b) c", "-(headline:a headline:b) c"),
    Case("!body:x y", "-body:x y"),
    # --- Phrases and slop ---------------------------------------------------------------
    Case('"term germ"~2', '"term germ"~2'),
    Case('"term germ"~2 flork', '"term germ"~2 flork'),
    Case('"term"~2', "term"),
    Case('"term germ"~2^2', '"term germ"~2^2'),
    Case('"term germ"~', '"term germ"', ERROR, "a slop needs its number of moves"),
    # --- Numbers and punctuation ----------------------------------------------------------
    Case("3", "3"),
    Case("term 1.0 1 2", "term 1.0 1 2"),
    Case("term term1 term2", "term term1 term2"),
    Case("COVID-19 a-b", "COVID-19 a-b"),
    # --- Wildcards and fuzzy terms -------------------------------------------------------
    Case("term*", "term*"),
    Case("term*^2", "term*^2"),
    Case("term~", "term~2", "term~1", _FUZZY),
    Case("term~1", "term~1"),
    Case("term~2", "term~2"),
    Case("term~^3", "term~2^3", "term~1^3", _FUZZY),
    Case("term^3~", "term~2^3", "term~1^3", _FUZZY),
    Case("term~1.1", "term~1", ERROR, "a fractional distance is an error, not a rounded one"),
    Case("term*germ", "term*germ"),
    Case("term*germ^3", "term*germ^3"),
    Case("te?m", "te?m"),
    # --- Escapes --------------------------------------------------------------------------
    Case(r"a\-b:c", "field a-b, word c", r"a-b\:c", _ESCAPED_NAME),
    Case(r"a\:b:c", "field a:b, word c", r"a\:b\:c", _ESCAPED_NAME),
    Case(r"a:b\-c", "a:b-c"),
    Case(r"\+blah", "+blah"),
    Case(r"\(blah", "(blah"),
    Case(r"\!blah", "!blah"),
    Case(r"\~blah", "~blah"),
    Case(r"blah\*", "blah*", "blah*", "a word, not a pattern (shown alike)"),
    Case(r"a\\b", "a\\b"),
    Case(r'"a \"b c\" d"', '"a "b c" d"'),
    Case("XY\\", ERROR),
    # --- Boosts ---------------------------------------------------------------------------
    Case("hello^2.0", "hello^2"),
    Case('"hello"^2.0', "hello^2"),
    Case("x^-1", ERROR),
    Case("x^abc", ERROR),
    Case("(sub query)^5.0^2.0 plus more", ERROR),
    # --- Errors ---------------------------------------------------------------------------
    Case('"some phrase', ERROR),
    Case("(foo bar", ERROR),
    Case("foo bar))", ERROR),
    Case("field:term:with:colon some more terms", ERROR),
    Case("secret AND illegal) AND access:confidential", ERROR),
    Case("+-x", ERROR),
    Case("--body:x", ERROR),
    Case("a AND", ERROR),
    Case("OR a", ERROR),
    Case("field:[a OR b]", ERROR),
    Case("[a TO b]", "[a TO b]", ERROR, "ranges work on date, year and month only"),
    Case("*term", ERROR, None, "a leading wildcard is refused (Lucene's default too)"),
    # --- Precedence -----------------------------------------------------------------------
    Case("A AND B OR C AND D", "+A +B +C +D", "(+A +B) (+C +D)", _PRECEDENCE),
    Case("a OR b AND c", "a +b +c", "a (+b +c)", _PRECEDENCE),
    Case("a b OR c", "a b c", "a (b c)", "words side by side bind loosest"),
)

# The default: words side by side must all match (Lucene's default operator is OR).
MATCH_ALL_CASES: tuple[Case, ...] = (
    Case("term term term", "term term term", "+term +term +term", "default AND", "all"),
    Case("+term -term term", "+term -term term", "+term -term +term", "default AND", "all"),
    Case("a OR b c", "a b c", "+(a b) +c", _PRECEDENCE, "all"),
)

LEFT_OUT = {
    "analyzers, locales and stop-word position increments": "tested with pressearch's own analysis",
    "term ranges over text ([a TO z] on a text field)": "ranges work on date, year and month",
    "regular expressions (/[a-z]+/)": "a slash is text here (URLs, dates)",
    "*:* (match all)": "an empty query with a filter or date range matches every article",
    "date resolution and numeric fields": "dates: see the date tests",
    "span, multi-term rewrite and similarity settings": "no such settings",
}
