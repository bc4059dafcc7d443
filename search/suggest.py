"""Did you mean: respell the words of a query that finds little.

Model: every word the query tree searches in the default fields (a bare
word, or a word of a bare phrase; not a field's value, a wildcard, a fuzzy
word, a date or a part under NOT) that the archive does not contain is
replaced, at its place in the typed text, by the closest word the archive
does contain (the unstemmed spelling fields of headline and body, edit
distance ≤ 2, most frequent wins). The corrected query is offered only when
it is different and finds more articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pressearch.errors import QueryError
from pressearch.index.schema import fold
from pressearch.models import SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.query.tree import Node, Phrase, Word, positive_leaves

_SPELL_FIELDS = ("spell_headline", "spell_body")
# A word worth respelling: letters first, then letters, digits or apostrophes.
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_MIN_LENGTH = 4
# Bounds on the work: Whoosh builds a Levenshtein automaton per word, which
# costs ~25 ms for a short word and grows with its length (a 20,000-letter
# word took 30 s); a query with more unknown words than this is no typo.
_MAX_LENGTH = 30
_MAX_WORDS = 10


def suggest(searcher: Any, request: SearchRequest, tree: Node, found: int) -> str | None:
    """A corrected query string that finds more than `found` articles, or None."""
    reader = searcher.reader()
    text = request.text
    changes: list[tuple[int, int, str]] = []
    for tried, (start, end) in enumerate(_bare_words(text, tree)):
        if tried == _MAX_WORDS:
            break
        word = fold(text[start:end])
        better = _respell(reader, word)
        if better and better != word:
            changes.append((start, end, better))
    if not changes:
        return None
    corrected = text
    for start, end, better in sorted(changes, reverse=True):
        corrected = corrected[:start] + better + corrected[end:]
    try:
        compiled = compile_query(replace(request, text=corrected), reader)
    except QueryError:
        return None
    results = searcher.search(compiled.query, filter=compiled.filter, limit=1)
    return corrected if results.scored_length() and len(results) > found else None


def _bare_words(text: str, tree: Node) -> Iterator[tuple[int, int]]:
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
    return iter(sorted(spans))


def _respell(reader: Any, word: str) -> str | None:
    """The best-known spelling of `word`, or None when it is already known."""
    fields = [f for f in _SPELL_FIELDS if f in reader.indexed_field_names()]
    if any(reader.frequency(f, word) for f in fields):
        return None
    best: tuple[float, str] | None = None
    for field in fields:
        for candidate in reader.corrector(field).suggest(word, limit=3, maxdist=2):
            freq = sum(reader.frequency(f, candidate) for f in fields)
            if best is None or freq > best[0]:
                best = (freq, candidate)
    return best[1] if best else None
