"""Snippets: the fragments of an article's body and quotes that show why it matched.

Model: the query tree is reduced to what it can highlight in each field
(`query_terms`): words as the field analyses them, word patterns (wildcards,
fuzzy words) and phrases; parts under NOT, facet values and dates are left
out. A text is re-analysed with its field's own analyzer, so every word
carries its indexed forms, position and character span, and matches exactly
when the index would match it: no searcher is needed. A phrase matches only
where its words occur within its slop, as the engine reads it
(`search.query.slop`: Lucene's moves, either order), and each run of
adjacent phrase words is one match. Fragments are windows of about
`fragment_chars` around the matches, widened to word boundaries; the best
windows win (most distinct query terms, then most matches), are shown in
document order (body, then quotes in order), and never overlap. Text stays
plain: whitespace runs become one space, a fragment cut from a longer text
gets a leading and/or trailing "…", and matches are (start, end) code-point
offsets into the snippet's own text.

A compound (`COVID-19`) is one word in the index, indexed whole and as its
parts; a query for one part (`covid`) highlights just that part (`COVID`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress, count
from operator import not_
from typing import Any, NamedTuple

from whoosh.support.levenshtein import damerau_levenshtein

from pressearch.index.schema import WORD_PATTERN, build_schema, fold, split_words
from pressearch.models import Article, Snippet, Span
from pressearch.search.query.phrases import phrase_words
from pressearch.search.query.slop import matched_positions
from pressearch.search.query.tree import Fuzzy, Node, Phrase, Wildcard, Word, positive_leaves
from pressearch.vocabulary import DEFAULT_SEARCH_FIELDS, URL_FIELD, index_field

# A fragment boundary moves at most this far to avoid cutting a word; beyond
# it (a long URL, say) the word is cut.
_WORD_REACH = 20
_ELLIPSIS = "…"
# Whitespace that display collapses to one space: runs, and single line breaks or tabs.
_COLLAPSE = re.compile(r"\s{2,}|[\t\n\r\f\v]")
# What joins the parts of a compound word (see index.schema.WORD_PATTERN).
_PART = re.compile(r"[^-.'’]+")
# A word as the analyzer cuts it, and where one may start: not inside a word,
# nor after a joiner that follows a word character (WORD_PATTERN's joiners).
_WORD = re.compile(WORD_PATTERN)
_WORD_START = re.compile(r"(?<!\w)(?<!\w[-.'’])")
# Whitespace as str.isspace has it (for str patterns `\s` is that, code point for
# code point), and the last of it before where a search ends.
_SPACE = re.compile(r"\s")
_LAST_SPACE = re.compile(r"\s\S*\Z")


# Words whose matches a query's terms keep (`FieldTerms.found`).
_WORDS_KEPT = 50_000

# Fuzzy words share their first letter with the word typed, as the engine's do.
_FUZZY_PREFIX = 1


@dataclass(frozen=True)
class WordPattern:
    """A query word that stands for many words: a wildcard or a fuzzy word.

    `test` is tried on a word's indexed forms and on its folded surface form,
    so that `arrest*` and `arested~` both find `arrested`; every word it
    passes starts with `prefix` (the letters before a wildcard, the first
    letter of a fuzzy word), so a word whose forms and surface do not is
    never tried.
    """

    label: str
    test: Callable[[str], bool] = field(compare=False)
    prefix: str = field(default="", compare=False)


@dataclass(frozen=True)
class PhraseTerms:
    """A phrase: indexed words within `slop` moves of each other (0: side by side, in order)."""

    words: tuple[str, ...]
    slop: int = 0

    @property
    def label(self) -> str:
        return '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class FieldTerms:
    """Everything a query highlights in one field.

    `found` keeps, per field, for words of the texts highlighted so far (as
    written), where in them the words and patterns match: a word's matches
    depend on its text alone, and the hits of one query repeat most of their
    words. With patterns it keeps every word (nothing for most), as testing
    one costs more than looking it up; with words alone, only the words that
    match.
    """

    words: frozenset[str] = frozenset()
    patterns: tuple[WordPattern, ...] = ()
    phrases: tuple[PhraseTerms, ...] = ()
    found: dict[str, dict[str, tuple[tuple[int, int, str], ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )


def query_terms(tree: Node) -> dict[str, FieldTerms]:
    """What the query `tree` highlights, per index field: its positive words, patterns, phrases."""
    words: dict[str, set[str]] = {}
    patterns: dict[str, list[WordPattern]] = {}
    phrases: dict[str, list[PhraseTerms]] = {}
    for field_name, leaf in positive_leaves(tree):
        if field_name == URL_FIELD:
            continue
        names = DEFAULT_SEARCH_FIELDS if field_name is None else (index_field(field_name),)
        for name in names:
            if isinstance(leaf, (Word, Phrase)):
                analysed = _query_words(name, leaf.text, isinstance(leaf, Phrase))
                if isinstance(leaf, Phrase) and len(analysed) > 1:
                    phrases.setdefault(name, []).append(PhraseTerms(analysed, leaf.slop))
                else:
                    words.setdefault(name, set()).update(analysed)
            elif isinstance(leaf, Wildcard):
                patterns.setdefault(name, []).append(_wildcard_pattern(leaf.pattern))
            elif isinstance(leaf, Fuzzy):
                patterns.setdefault(name, []).append(_fuzzy_pattern(leaf.text, leaf.distance))
    return {
        name: FieldTerms(
            frozenset(words.get(name, ())),
            tuple(dict.fromkeys(patterns.get(name, ()))),
            tuple(dict.fromkeys(phrases.get(name, ()))),
        )
        for name in {*words, *patterns, *phrases}
    }


def make_snippets(
    article: Article,
    terms: Mapping[str, FieldTerms],
    *,
    max_fragments: int = 3,
    fragment_chars: int = 200,
) -> list[Snippet]:
    """Up to `max_fragments` highlighted fragments from the article's body and quotes.

    `terms` is what to highlight per field (`query_terms`). A quote whose
    speaker the query names (`speaker:`) is shown first, from its start. With
    no match in body or quotes (the query matched the headline or a facet),
    the result is the body's opening fragment without matches, so every hit
    shows some text.
    """
    parts = [("body", article.body, None)] + [("quotes", q.text, q.speaker) for q in article.quotes]
    parts = [part for part in parts if part[1].strip()]
    if not parts:
        return []
    texts = [(name, text) for name, text, _ in parts]
    found = [_find(name, text, terms.get(name)) for name, text in texts]
    spoken = [
        i
        for i, (_, _, speaker) in enumerate(parts)
        if speaker and _find("speaker", speaker, terms.get("speaker"))
    ][:max_fragments]
    if spoken:
        others = [i for i in range(len(texts)) if i not in spoken]
        rest = _choose(
            [texts[i] for i in others],
            [found[i] for i in others],
            max_fragments - len(spoken),
            fragment_chars,
        )
        opening = [(i, *_opening(texts[i][1], fragment_chars)) for i in spoken]
        picked = sorted([*opening, *((others[t], start, end) for t, start, end in rest)])
        return [
            _snippet(texts[i][0], texts[i][1], start, end, found[i]) for i, start, end in picked
        ]
    chosen = _choose(texts, found, max_fragments, fragment_chars)
    if not chosen:
        name, text = texts[0]
        return [_snippet(name, text, *_opening(text, fragment_chars), [])]
    return [_snippet(texts[i][0], texts[i][1], start, end, found[i]) for i, start, end in chosen]


def _opening(text: str, size: int) -> Span:
    """The first `size` characters of `text` or so, ending on a word boundary."""
    return _trim(text, 0, _word_end(text, min(len(text), size)))


def highlight_headline(article: Article, terms: Mapping[str, FieldTerms]) -> Snippet:
    """The whole headline, with the spans that match the query's headline terms."""
    headline = article.headline
    matches = _find("headline", headline, terms.get("headline"))
    return Snippet("headline", headline, tuple((start, end) for start, end, _ in matches))


# -- The query: which words highlight -----------------------------------------------------


def _query_words(name: str, text: str, phrase: bool) -> tuple[str, ...]:
    """`text` as field `name` analyses a query (folded, stemmed; stop words as
    `phrase_words` keeps them)."""
    field = _schema()[name]
    if phrase:
        return tuple(phrase_words(field.analyzer, text))
    return tuple(field.process_text(text, mode="query"))


def _wildcard_pattern(pattern: str) -> WordPattern:
    folded = fold(pattern)
    regex = re.compile(
        "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in folded),
        re.DOTALL,
    )
    literal = re.split(r"[*?]", folded, maxsplit=1)[0]
    return WordPattern(pattern, lambda word: regex.fullmatch(word) is not None, literal)


def _fuzzy_pattern(text: str, distance: int) -> WordPattern:
    typed = fold(text)
    head = typed[:_FUZZY_PREFIX]

    def test(word: str) -> bool:
        return (
            word.startswith(head)
            and abs(len(word) - len(typed)) <= distance
            and damerau_levenshtein(word, typed, limit=distance) <= distance
        )

    return WordPattern(f"{text}~{distance}", test, head)


# -- The text: analysed words and their matches -----------------------------------------


class _Word(NamedTuple):
    """One position of an analysed text: indexed forms (whole word first) and span."""

    pos: int
    start: int
    end: int
    forms: tuple[str, ...]


class _Match(NamedTuple):
    start: int
    end: int
    keys: frozenset[str]  # the query terms this span stands for


@lru_cache(maxsize=1)
def _schema() -> Any:
    return build_schema()


def _analyzer(name: str) -> Any:
    return _schema()[name].analyzer


def _forms(name: str, surfaces: list[str]) -> list[tuple[str, ...]]:
    """The terms field `name` indexes each of `surfaces` (words as written) as; none for a
    word that takes no position: the forms `PressAnalyzer.word_spans` gives them.

    Looked up in one call in the analyzer's own table (`index.schema`), as
    a hit's text is read whole and only a few of its words match.
    """
    forms: list[tuple[str, ...]] = _analyzer(name).word_forms(surfaces)
    return forms


def _starts(text: str, surfaces: list[str], indices: list[int]) -> list[int]:
    """Where in `text` its words (`surfaces`, `split_words(text)`) at `indices` start.

    `indices` ascend and hold every index of a word spelt as one they hold
    (the choice follows from the words as written): then each is the first
    whole word so spelt after the one before it, and a search for its
    letters, in C, finds it.
    """
    starts = []
    end = 0
    for i in indices:
        surface = surfaces[i]
        start = text.find(surface, end)
        while not _whole_word_at(text, start, len(surface)):
            start = text.find(surface, start + 1)
        starts.append(start)
        end = start + len(surface)
    return starts


def _whole_word_at(text: str, start: int, length: int) -> bool:
    """Whether a word of `text` (as the analyzer cuts it) is `text[start:start + length]`."""
    if _WORD_START.match(text, start) is None:
        return False
    word = _WORD.match(text, start)
    return word is not None and word.end() == start + length


def _find(name: str, text: str, terms: FieldTerms | None) -> list[_Match]:
    """The merged, ordered matches of `terms` in `text` (a value of field `name`)."""
    if terms is None or not text:
        return []
    surfaces = split_words(text)
    spans: list[tuple[int, int, str]] = []
    if terms.words or terms.patterns:
        spans += _word_matches(name, text, surfaces, terms)
    if terms.phrases:
        forms = _forms(name, surfaces)
        for phrase in terms.phrases:
            spans += _phrase_matches(name, text, surfaces, forms, phrase)
    return _merge(spans)


def _word_matches(
    name: str, text: str, surfaces: list[str], terms: FieldTerms
) -> Iterator[tuple[int, int, str]]:
    """(start, end, query term) of each match of `terms`' words and patterns in `text`,
    whose words are `surfaces`."""
    # A word's matches depend on its text alone (its forms are analysed from
    # it): found once per distinct word and field, as (start, end) within it.
    known = terms.found.setdefault(name, {})
    found: dict[int, tuple[tuple[int, int, str], ...]]
    if terms.patterns:
        new = set(surfaces).difference(known)
        if new:
            if len(known) + len(new) > _WORDS_KEPT:  # an export reads every hit: stay bounded
                known.clear()
                new = set(surfaces)
            _learn(name, list(new), terms, known)
        every = list(map(known.__getitem__, surfaces))
        indices = list(compress(count(), every))  # most words: no match
        found = dict(zip(indices, compress(every, every), strict=True))
    else:
        # Only a word with a query term among its forms matches: tested on every
        # word at once, in C (a hit's words are mostly new to the query, and
        # learning each one costs more than the test); `known` keeps the few that match.
        forms = _forms(name, surfaces)
        indices = list(compress(count(), map(not_, map(terms.words.isdisjoint, forms))))
        if len(known) > _WORDS_KEPT:  # an export reads every hit: stay bounded
            known.clear()
        found = {}
        for i in indices:
            surface = surfaces[i]
            if surface not in known:
                known[surface] = tuple(_matches(name, surface, forms[i], terms.words))
            found[i] = known[surface]
    for i, start in zip(indices, _starts(text, surfaces, indices), strict=True):
        for first, last, key in found[i]:
            yield start + first, start + last, key


def _learn(
    name: str,
    surfaces: list[str],
    terms: FieldTerms,
    known: dict[str, tuple[tuple[int, int, str], ...]],
) -> None:
    """Enter in `known` where in each of `surfaces` (words of field `name`) `terms`' words
    and patterns match: most words, nowhere."""
    exact = terms.words
    patterns = terms.patterns
    tested: dict[str, list[str]] = {}  # word -> labels of the patterns it matches

    def pattern_labels(word: str) -> list[str]:
        if word not in tested:
            tested[word] = [p.label for p in patterns if p.test(word)]
        return tested[word]

    forms = _forms(name, surfaces)
    known.update(dict.fromkeys(surfaces, ()))
    starts = tuple(p.prefix for p in patterns)
    for surface, its in zip(surfaces, forms, strict=True):
        if its and (not exact.isdisjoint(its) or _may_match(surface, its, starts)):
            known[surface] = tuple(_matches(name, surface, its, exact, pattern_labels))


def _matches(
    name: str,
    surface: str,
    forms: tuple[str, ...],
    exact: frozenset[str],
    pattern_labels: Callable[[str], list[str]] | None = None,
) -> Iterator[tuple[int, int, str]]:
    """(start, end, query term) within word `surface`, indexed as `forms`, of each of the
    words `exact` and of the patterns (`pattern_labels`: those a word passes) it matches."""
    word = _Word(0, 0, len(surface), forms)
    for form in forms:
        if form in exact:
            yield (*_form_span(name, surface, word, form), form)
    if pattern_labels is not None:
        for label in pattern_labels(fold(surface).removesuffix("'s")):
            yield 0, len(surface), label
        for form in forms:
            for label in pattern_labels(form):
                yield (*_form_span(name, surface, word, form), label)


def _may_match(surface: str, forms: tuple[str, ...], starts: tuple[str, ...]) -> bool:
    """Whether a word could pass a pattern: its folded surface or a form starts with
    one of the patterns' prefixes (ASCII folds as it lower-cases; other text is tried)."""
    if not surface.isascii() or surface.lower().startswith(starts):
        return True
    # A loop, not any() over a generator: this runs for every word of every hit.
    for form in forms:  # noqa: SIM110
        if form.startswith(starts):
            return True
    return False


def _form_span(name: str, text: str, word: _Word, form: str) -> Span:
    """The span of indexed form `form` of `word`: all of it, or the compound part it is."""
    if form == word.forms[0]:
        return word.start, word.end
    analyzer = _analyzer(name)
    for part in _PART.finditer(text, word.start, word.end):
        if any(t.text == form for t in analyzer(part.group())):
            return part.start(), part.end()
    return word.start, word.end


def _phrase_matches(
    name: str,
    text: str,
    surfaces: list[str],
    forms: list[tuple[str, ...]],
    phrase: PhraseTerms,
) -> list[tuple[int, int, str]]:
    """Each run of adjacent words taking part in an occurrence of `phrase` in `text`, whose
    words are `surfaces`, indexed as `forms`."""
    wanted = set(phrase.words)
    where: dict[str, list[int]] = {w: [] for w in wanted}  # word -> positions, ascending
    by_pos: dict[int, _Word] = {}
    # Most words are not one of the phrase's.
    indices = list(compress(count(), map(not_, map(wanted.isdisjoint, forms))))
    # A word with no forms takes no position: count the others (most texts have none).
    taken = None if all(forms) else list(accumulate(map(bool, forms)))
    for i, start in zip(indices, _starts(text, surfaces, indices), strict=True):
        pos = i if taken is None else taken[i] - 1
        word = _Word(pos, start, start + len(surfaces[i]), forms[i])
        for form in word.forms:
            if form in wanted:
                where[form].append(word.pos)
                by_pos[word.pos] = word
    taking_part = matched_positions(phrase.words, [where[w] for w in phrase.words], phrase.slop)
    spans: dict[int, Span] = {}
    for i, positions in enumerate(taking_part):
        for p in positions:
            start, end = _form_span(name, text, by_pos[p], phrase.words[i])
            old = spans.get(p, (start, end))
            spans[p] = (min(start, old[0]), max(end, old[1]))
    runs: list[tuple[int, int, str]] = []
    last = None
    for p in sorted(spans):
        start, end = spans[p]
        if last is not None and p == last + 1:
            runs[-1] = (runs[-1][0], end, phrase.label)
        else:
            runs.append((start, end, phrase.label))
        last = p
    return runs


def _merge(spans: list[tuple[int, int, str]]) -> list[_Match]:
    """Overlapping spans become one match that stands for all their terms."""
    merged: list[_Match] = []
    for start, end, key in sorted(spans):
        if merged and start < merged[-1].end:
            last = merged[-1]
            merged[-1] = _Match(last.start, max(last.end, end), last.keys | {key})
        else:
            merged.append(_Match(start, end, frozenset((key,))))
    return merged


# -- Fragments ---------------------------------------------------------------------------


class _Window(NamedTuple):
    text: int  # index into the article's texts
    start: int
    end: int
    keys: frozenset[str]
    total: int  # matches inside


def _choose(
    texts: list[tuple[str, str]], found: list[list[_Match]], limit: int, size: int
) -> list[tuple[int, int, int]]:
    """(text index, start, end) of the best non-overlapping windows, in document order.

    Greedy: each round takes the window showing the most query terms not yet
    shown, then the most distinct terms, then the most matches, earliest first.
    """
    candidates: list[_Window] = []
    for t, (matches, (_, text)) in enumerate(zip(found, texts, strict=True)):
        starts = [m.start for m in matches]
        ends = [m.end for m in matches]
        last = 0
        for i, first in enumerate(matches):
            # The longest run of matches from `first` that fits in one window.
            last = max(last, i)
            while last + 1 < len(matches) and ends[last + 1] - first.start <= size:
                last += 1
            start, end = _window(text, first.start, ends[last], size, starts, ends)
            inside = matches[bisect_left(starts, start) : bisect_right(ends, end)]
            keys = frozenset().union(*(m.keys for m in inside))
            candidates.append(_Window(t, start, end, keys, len(inside)))
    chosen: list[_Window] = []
    shown: frozenset[str] = frozenset()
    while len(chosen) < limit and candidates:
        best = max(
            candidates,
            key=lambda w: (len(w.keys - shown), len(w.keys), w.total, -w.text, -w.start),
        )
        chosen.append(best)
        shown |= best.keys
        candidates = [w for w in candidates if not _overlap(w, best)]  # what is still free
    return sorted((w.text, w.start, w.end) for w in chosen)


def _overlap(a: _Window, b: _Window) -> bool:
    return a.text == b.text and a.start < b.end and b.start < a.end


def _window(
    text: str, first: int, last: int, size: int, starts: list[int], ends: list[int]
) -> Span:
    """About `size` characters around [first, last), on word boundaries, whole matches."""
    pad = max(0, size - (last - first))
    start, end = first - pad // 2, last + pad - pad // 2
    if start < 0:
        start, end = 0, min(len(text), end - start)
    if end > len(text):
        start, end = max(0, start - (end - len(text))), len(text)
    start, end = _word_start(text, start), _word_end(text, end)
    # A window edge never cuts a match (a phrase run may hold spaces).
    i = bisect_right(ends, start)
    if i < len(starts) and starts[i] < start:
        start = starts[i]
    j = bisect_left(starts, end) - 1
    if j >= 0 and ends[j] > end:
        end = ends[j]
    return _trim(text, start, end)


def _word_start(text: str, start: int) -> int:
    """The word boundary at or before `start` nearest to it, at most `_WORD_REACH` back;
    else `start` (a long word is cut)."""
    if start <= 0 or start >= len(text):
        return start
    # A boundary is an offset beside whitespace: right after the last whitespace
    # within reach, or at it when that is `start` itself.
    last = _LAST_SPACE.search(text, max(0, start - _WORD_REACH - 1), start + 1)
    if last is not None:
        return min(last.start() + 1, start)
    return 0 if start <= _WORD_REACH else start


def _word_end(text: str, end: int) -> int:
    """The word boundary at or after `end` nearest to it, at most `_WORD_REACH` on;
    else `end` (a long word is cut)."""
    if end <= 0 or end >= len(text):
        return end
    first = _SPACE.search(text, end - 1, end + _WORD_REACH + 1)
    if first is not None:
        return max(first.start(), end)
    return len(text) if len(text) <= end + _WORD_REACH else end


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _snippet(name: str, text: str, start: int, end: int, matches: list[_Match]) -> Snippet:
    """The fragment [start, end) of `text` as display text, with shifted match offsets."""
    pieces: list[str] = []
    # (old offset where a collapsed run starts, its length, characters removed before it)
    runs: list[tuple[int, int, int]] = []
    removed = 0
    cursor = start
    for ws in _COLLAPSE.finditer(text, start, end):
        pieces += [text[cursor : ws.start()], " "]
        runs.append((ws.start(), ws.end() - ws.start(), removed))
        removed += ws.end() - ws.start() - 1
        cursor = ws.end()
    pieces.append(text[cursor:end])
    lead = _ELLIPSIS if text[:start].strip() else ""
    tail = _ELLIPSIS if text[end:].strip() else ""
    run_starts = [r[0] for r in runs]

    def shift(offset: int) -> int:
        i = bisect_left(run_starts, offset) - 1
        gone = 0
        if i >= 0:
            run_start, length, before = runs[i]
            gone = before + min(length - 1, max(0, offset - run_start - 1))
        return len(lead) + offset - start - gone

    spans = tuple(
        (shift(m.start), shift(m.end)) for m in matches if start <= m.start and m.end <= end
    )
    return Snippet(name, lead + "".join(pieces) + tail, spans)
