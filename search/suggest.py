"""Did you mean: respell the words of a query that finds little.

Model: every bare word of the query (not a field name, operator, wildcard,
fuzzy term or part of a date) that the archive does not contain is replaced
by the closest word the archive does contain (the unstemmed spelling fields
of headline and body, edit distance ≤ 2, most frequent wins). The corrected
query is offered only when it is different and finds more articles.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pressearch.errors import QueryError
from pressearch.index.schema import fold
from pressearch.models import SearchRequest
from pressearch.search.query import compile_query

_SPELL_FIELDS = ("spell_headline", "spell_body")
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})
# A bare word: not preceded by a field colon, date or wildcard syntax.
_WORD = re.compile(r"(?<![\w:*?~.\-/])([^\W\d_][\w'’]*)(?![\w:*?~(\[])")
_MIN_LENGTH = 4
# Bounds on the work: Whoosh builds a Levenshtein automaton per word, which
# costs ~25 ms for a short word and grows with its length (a 20,000-letter
# word took 30 s); a query with more unknown words than this is no typo.
_MAX_LENGTH = 30
_MAX_WORDS = 10


def suggest(searcher: Any, request: SearchRequest, found: int) -> str | None:
    """A corrected query string that finds more than `found` articles, or None."""
    reader = searcher.reader()
    text = request.text
    changed = False
    pieces: list[str] = []
    last = 0
    tried = 0
    for match in _WORD.finditer(text):
        word = match.group(1)
        if word in _OPERATORS or not _MIN_LENGTH <= len(word) <= _MAX_LENGTH:
            continue
        if _inside_field_value(text, match):
            continue
        if tried == _MAX_WORDS:
            break
        tried += 1
        better = _respell(reader, fold(word))
        if better and better != fold(word):
            pieces.append(text[last : match.start(1)])
            pieces.append(better)
            last = match.end(1)
            changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    corrected = "".join(pieces)
    try:
        compiled = compile_query(replace(request, text=corrected), reader)
    except QueryError:
        return None
    q = compiled.query
    results = searcher.search(q, filter=compiled.filter, limit=1)
    return corrected if results.scored_length() and len(results) > found else None


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


def _inside_field_value(text: str, match: re.Match[str]) -> bool:
    """True when the word sits inside a quoted phrase's field value like `type:"press ..."`."""
    before = text[: match.start(1)]
    # An odd number of quotes before the word means it is inside a phrase;
    # phrases are respelled too, unless the phrase is a field's value.
    if before.count('"') % 2 == 0:
        return False
    opening = before.rfind('"')
    return opening > 0 and text[opening - 1] == ":"
