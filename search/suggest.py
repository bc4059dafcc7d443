"""Did you mean: respell the words that look misspelt in a query that finds little.

Model: a noisy channel over the archive's own words. Each word the query
searches in the default fields (a bare word, or a word of a bare phrase; not
a field's value, a wildcard, a fuzzy word, a date or a part under NOT) may
be respelled into the words within one edit of it (Damerau-Levenshtein; two
for words of six letters or more) or one respelling of a common English
confusion (ph/f, c/k, s/z), found in the unstemmed spelling fields of
headline and body. A word scores ln(1 + its frequency) − `EDIT_COST` per
edit, so a typo of a frequent word beats a rarer word just as close, and an
edit must be paid for by a word about 20 times as frequent.

When a suggestion is looked for (the engine asks when a query finds fewer
than three articles): only for the words that look misspelt, those the
archive does not hold and those a respelling within reach outscores (`_beats`:
a word about 20 times as frequent one edit away, 400 times two edits away).
A word the archive holds is respelled only into such a word: by the
model's own measure anything else is not a likelier spelling of what was
typed but another query, and one that found more articles used to be
offered for ordinary words that just rarely go together ("pace session"
became "pact session"). A query whose words are all held and outscored by
nothing near them gets no suggestion, and nothing is counted for it. A word
more frequent than a twentieth of the most a word can be counted (once per
article and spelling field, `_doubtful`) is settled by its own frequency,
one lookup, without reading the words near it.

Whole corrected queries are then tried best first, and each is counted
against the index: the suggestion is the one with the best ln(articles
found) plus the scores of its words, so words that go together ("mobile
phone") win over words that are each frequent ("mobil one"), and of two
spellings that find the same articles (the stem of "mobil" is that of
"mobile") the far more frequent one wins. It must find more articles than
the query as typed.

Work is bounded so that a query that finds nothing costs about what a
normal one does: candidates come from the words that share the first three
letters (one seek in each spelling field of each segment, which reads their
frequencies on the way), the first three letters are edited only when no
word there is within reach (a lookup in every segment per respelling: the
costly part, done for no word before every word has its cheap candidates),
at most `MAX_WORDS` words, `PER_WORD` candidates each and `MAX_TRIES`
counted queries are looked at, and the search stops after `BUDGET_S` seconds
of this thread's CPU time with the best suggestion found by then. CPU time,
not the clock: on a busy machine a query waits for the processor without
working, and must get the same suggestion as on an idle one.

The words of a prefix are kept per segment reader (the `PREFIXES_KEPT` most
recently read prefixes of each field): a segment never changes, and the
queries of one process (batch, the web app) share prefixes, so a later
query reads only the prefixes no earlier one did. Edit distances are
computed on what two words do not share at their start and end: the
candidates share their first letters, and a shared prefix or suffix changes
no optimal-string-alignment distance.
"""

from __future__ import annotations

import heapq
import math
import re
import string
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from pressearch.index.reader import segment_cached
from pressearch.index.schema import fold
from pressearch.index.whoosh_internals import prefix_weights
from pressearch.search.query.tree import Node, Phrase, Word, positive_leaves

SPELL_FIELDS = ("spell_headline", "spell_body")
# The price of one edit, in log units of frequency (or of articles found).
EDIT_COST = math.log(20)
# Seconds of suggestion work (CPU time) for one query (a normal query on
# 21,000 Reuters articles takes 5–20 ms).
BUDGET_S = 0.015
MAX_WORDS = 10
PER_WORD = 3
MAX_TRIES = 6
# Prefixes whose words are kept per segment reader and spelling field: some
# hundred words each, so a few MB for a large archive at most.
PREFIXES_KEPT = 256

# A word worth respelling: letters first, then letters, digits or apostrophes.
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_MIN_LENGTH = 4
_MAX_LENGTH = 30
# Words at least this long may be two edits away (Elasticsearch's AUTO fuzziness).
_TWO_EDITS_FROM = 6
# Most typos leave the first letters alone (Damerau; Lucene's spell checker
# keeps the first letter): candidates are first looked for among the words
# sharing this prefix, which one seek of the lexicon lists.
_PREFIX = 3
# Respellings of common English confusions, each counted as one edit
# (Hunspell's REP table idea): fone → phone, komputer → computer.
_CONFUSIONS = (("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("s", "z"), ("z", "s"))
_LETTERS = string.ascii_lowercase

Counter = Callable[[str], int]

# The clock of the time budget: this thread's CPU time.
_clock = time.thread_time


@dataclass(frozen=True)
class _Candidate:
    word: str
    edits: int
    score: float


def suggest(
    reader: Any,
    text: str,
    tree: Node,
    found: int,
    count: Counter,
    *,
    budget_s: float = BUDGET_S,
) -> str | None:
    """A respelling of query `text` that finds more than `found` articles, or None.

    `count(text)` is the number of articles a query text finds (0 when it
    cannot be understood); `tree` is `text` parsed. Only the words that look
    misspelt (`_doubtful`) are respelled; with none, nothing is counted.
    """
    deadline = _clock() + budget_s
    fields = [f for f in SPELL_FIELDS if f in reader.indexed_field_names()]
    if not fields:
        return None
    spans = _bare_words(text, tree)[:MAX_WORDS]
    words = [fold(text[start:end]) for start, end in spans]
    lexicon = _Lexicon(reader, fields)
    # The gate: each word's own frequency, a lookup each, before any prefix is read.
    typed = {word: lexicon.frequency(word) for word in words}
    ceiling = len(fields) * int(reader.doc_count_all())
    doubtful = [word for word, frequency in typed.items() if _doubtful(frequency, ceiling)]
    near: dict[str, tuple[dict[str, int], bool]] = {}
    # Unknown words first: they are the likely typos, and the budget may end.
    # Every word gets its cheap candidates before any gets the costly ones.
    for word in sorted(doubtful, key=lambda w: typed[w] > 0):
        if near and _clock() > deadline:
            break
        near[word] = _near(lexicon, word, typed[word])
    edits = {word: respellings for word, (respellings, _) in near.items()}
    for word, (respellings, neighboured) in near.items():
        if not neighboured:  # nothing close shares its first letters: edit them
            if _clock() > deadline:
                break
            for other, distance in _early(lexicon, word, deadline).items():
                if _beats(lexicon.frequency(other), distance, typed[word]):
                    respellings[other] = distance
    options = {word: _candidates(lexicon, word, found_edits) for word, found_edits in edits.items()}
    per_span = [options.get(word) or [_Candidate(word, 0, 0.0)] for word in words]
    if not any(c.edits for candidates in per_span for c in candidates):
        return None
    # No respelling finds more articles than the archive has: once the words'
    # scores fall that far below the best found, no later choice can beat it.
    most = math.log(max(1, int(reader.doc_count())))
    best: tuple[float, str] | None = None
    for tries, choice in enumerate(_best_first(per_span)):
        if tries == MAX_TRIES or (tries and _clock() > deadline):
            break
        words_score = sum(c.score for c in choice)
        if best is not None and most + words_score <= best[0]:
            break  # choices come by falling words_score
        corrected = _respelled(text, spans, [c.word for c in choice])
        hits = count(corrected)
        if hits > found:
            score = math.log(hits) + words_score
            if best is None or score > best[0]:
                best = (score, corrected)
    return best[1] if best else None


def _doubtful(frequency: int, ceiling: int) -> bool:
    """Whether a word `frequency` times in the archive may be a typo worth respelling.

    An unknown word is; a known one only if some word could outscore it one
    edit away (the cheapest respelling), which takes a word about 20 times as
    frequent. `ceiling` is the most a word can be counted: once per article
    and spelling field (a merge keeps the counts of the articles deleted
    before it, so a count may pass it by that many). Past a twentieth of it,
    no word can, and the words near it need not be read.
    """
    return frequency == 0 or _beats(ceiling, 1, frequency)


def _beats(frequency: int, edits: int, typed: int) -> bool:
    """Whether a respelling `edits` away, `frequency` times in the archive, may replace a
    word typed `typed` times: any respelling of an unknown word, of a known one only
    a respelling that outscores it (about 20 times as frequent per edit)."""
    return typed == 0 or _score(frequency, edits) > _score(typed, 0)


def _bare_words(text: str, tree: Node) -> list[tuple[int, int]]:
    """(start, end) in `text` of each word searched in the default fields, in order."""
    spans: list[tuple[int, int]] = []
    for field, leaf in positive_leaves(tree):
        if field is not None or not isinstance(leaf, (Word, Phrase)):
            continue
        inner = (leaf.start, leaf.end) if isinstance(leaf, Word) else (leaf.start + 1, leaf.end)
        for match in _WORD.finditer(text, *inner):
            if isinstance(leaf, Word) and (match.start(), match.end()) != inner:
                continue  # part of a word with other characters (COVID-19, 12:30)
            if _MIN_LENGTH <= len(match.group()) <= _MAX_LENGTH:
                spans.append((match.start(), match.end()))
    return sorted(spans)


class _Lexicon:
    """The spelling words of the index and their frequencies, for one query.

    The words of a prefix are read together, with their frequencies, by one
    seek per segment and field (`with_prefix`, kept per segment reader by
    `_prefix_words`); a word outside every prefix read is looked up alone, a
    binary search per segment and field.
    """

    def __init__(self, reader: Any, fields: list[str]) -> None:
        self.reader = reader
        self.fields = fields
        self._leaves = [leaf for leaf, _offset in reader.leaf_readers()]
        self._prefixes: dict[str, dict[str, int]] = {}  # prefix read → its words: frequency
        self._frequency: dict[str, int] = {}  # of every word read or looked up

    def frequency(self, word: str) -> int:
        """How often the archive's headlines and bodies hold `word`."""
        if word not in self._frequency:
            if self._read(word):
                return 0
            self._frequency[word] = sum(int(self.reader.frequency(f, word)) for f in self.fields)
        return self._frequency[word]

    def with_prefix(self, prefix: str) -> dict[str, int]:
        """The words that start with `prefix`, with their frequencies (then known)."""
        if prefix not in self._prefixes:
            found: dict[str, int] = {}
            for leaf in self._leaves:
                for field in self.fields:
                    for word, weight in _prefix_words(leaf, field, prefix).items():
                        found[word] = found.get(word, 0) + weight
            self._frequency.update(found)
            self._prefixes[prefix] = found
        return self._prefixes[prefix]

    def holds(self, word: str, *, body_only: bool = False) -> bool:
        if not body_only and self._read(word):
            return any(word in words for words in self._prefixes.values())
        fields = self.fields[-1:] if body_only else self.fields
        return any((field, word) in self.reader for field in fields)

    def _read(self, word: str) -> bool:
        """Whether the words of a prefix of `word` were read (then it is among them, if held)."""
        return any(word.startswith(prefix) for prefix in self._prefixes)


def _prefix_words(leaf: Any, field: str, prefix: str) -> dict[str, int]:
    """The words of `field` in segment reader `leaf` that start with `prefix`: frequency each."""
    kept: OrderedDict[str, dict[str, int]] = segment_cached(
        leaf, ("spelling prefixes", field), OrderedDict
    )
    words = kept.get(prefix)
    if words is None:
        words = {word: int(weight) for word, weight in prefix_weights(leaf, field, prefix)}
        kept[prefix] = words
        if len(kept) > PREFIXES_KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(prefix)
    return words


def _near(lexicon: _Lexicon, word: str, typed: int) -> tuple[dict[str, int], bool]:
    """Respellings of `word` (`typed` times in the archive) sharing its first letters, or
    one confusion away, that `_beats` lets replace it: edits each; and whether any
    word is that close at all (whatever its frequency: if none, `_early` is tried)."""
    limit = 2 if len(word) >= _TWO_EDITS_FROM else 1
    # Below this frequency a word cannot replace `word` even one edit away.
    least = 0 if typed == 0 else math.floor(math.exp(EDIT_COST) * (typed + 1)) - 2
    edits: dict[str, int] = {}
    close: set[str] = set()  # the words found within reach, whatever their frequency
    for other, frequency in lexicon.with_prefix(word[:_PREFIX]).items():
        if other == word or abs(len(other) - len(word)) > limit:
            continue
        if frequency < least and close:
            continue  # too rare to replace it, and a close word is known to be there
        distance = _distance(word, other, limit)
        if distance <= limit:
            close.add(other)
            if _beats(frequency, distance, typed):
                edits[other] = distance
    for other in _confused(word):
        if other not in close:
            frequency = lexicon.frequency(other)
            if frequency:
                close.add(other)
                if _beats(frequency, 1, typed):
                    edits[other] = 1
    return edits, bool(close)


def _distance(a: str, b: str, limit: int) -> int:
    """Whoosh's `damerau_levenshtein(a, b, limit)` (over `limit`: some number over it).

    Computed on what differs once the letters `a` and `b` share at their
    start and at their end are set aside, which no optimal string alignment
    needs to edit: the words compared share at least their first three
    letters, and the table left to fill is a few letters square.
    """
    n = min(len(a), len(b))
    start = 0
    while start < n and a[start] == b[start]:
        start += 1
    end = 0
    while end < n - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if limit == 1:
        # What differs now differs at both ends: one edit is one letter
        # replaced, added or dropped, or two swapped; anything else is more.
        if len(a) <= 1 and len(b) <= 1:
            return len(a) | len(b)  # 0 for the same word
        return 1 if len(a) == len(b) == 2 and a == b[::-1] else 2
    return int(damerau_levenshtein(a, b, limit))


def _early(lexicon: _Lexicon, word: str, deadline: float) -> dict[str, int]:
    """Respellings of `word` one edit away in its first letters (when `_near` finds none)."""
    edits: dict[str, int] = {}
    # Many lookups, each a probe of every segment: the body's words only
    # (an archive's headline words are nearly all in its bodies too).
    for other in _early_edits(word):
        if _clock() > deadline:
            break
        if lexicon.holds(other, body_only=True):
            edits[other] = 1
    return edits


def _candidates(lexicon: _Lexicon, word: str, edits: dict[str, int]) -> list[_Candidate]:
    """The word itself when known, and its best `PER_WORD` respellings of `edits`, best first."""
    scored = sorted(
        (_Candidate(w, d, _score(lexicon.frequency(w), d)) for w, d in edits.items()),
        key=lambda c: (-c.score, c.word),
    )[:PER_WORD]
    known = lexicon.frequency(word)
    if known:
        scored.append(_Candidate(word, 0, _score(known, 0)))
    return sorted(scored, key=lambda c: (-c.score, c.word))


def _score(frequency: int, edits: int) -> float:
    return math.log1p(frequency) - EDIT_COST * edits


def _confused(word: str) -> Iterator[str]:
    """`word` with one common confusion respelled, at each place it occurs."""
    for typed, meant in _CONFUSIONS:
        start = word.find(typed)
        while start != -1:
            yield word[:start] + meant + word[start + len(typed) :]
            start = word.find(typed, start + 1)


def _early_edits(word: str) -> Iterator[str]:
    """The words one edit from `word` that change its first `_PREFIX` letters.

    Likeliest first, as the time budget may end the lookups: a letter
    dropped or two swapped before a letter replaced or added, and the first
    letter, the one people get wrong least, last.
    """
    seen = {word}
    places = [i for i in (1, 2, 0) if i < min(_PREFIX, len(word))]
    variants = []
    for i in places:
        head, tail = word[:i], word[i:]
        variants.append(head + tail[1:])
        if len(tail) > 1:
            variants.append(head + tail[1] + tail[0] + tail[2:])
    for i in places:
        head, tail = word[:i], word[i:]
        variants += [head + c + tail[1:] for c in _LETTERS]
        variants += [head + c + tail for c in _LETTERS]
    for variant in variants:
        if variant not in seen:
            seen.add(variant)
            yield variant


def _best_first(per_span: list[list[_Candidate]]) -> Iterator[tuple[_Candidate, ...]]:
    """Choices of one candidate per word, by falling total score, each changing a word.

    Each list is sorted best first, so the best choice is the first of each,
    and every other is reached by moving one word to its next candidate.
    """

    def total(picks: tuple[int, ...]) -> float:
        return sum(per_span[i][p].score for i, p in enumerate(picks))

    start = (0,) * len(per_span)
    heap = [(-total(start), start)]
    seen = {start}
    while heap:
        _, picks = heapq.heappop(heap)
        choice = tuple(per_span[i][p] for i, p in enumerate(picks))
        if any(c.edits for c in choice):
            yield choice
        for i, p in enumerate(picks):
            if p + 1 < len(per_span[i]):
                following = (*picks[:i], p + 1, *picks[i + 1 :])
                if following not in seen:
                    seen.add(following)
                    heapq.heappush(heap, (-total(following), following))


def _respelled(text: str, spans: list[tuple[int, int]], words: list[str]) -> str:
    out = text
    for (start, end), word in sorted(zip(spans, words, strict=True), reverse=True):
        if fold(text[start:end]) != word:
            out = out[:start] + word + out[end:]
    return out
