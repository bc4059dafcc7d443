"""Wildcard and fuzzy words → the index terms they stand for, bounded.

Model: a pattern (`cyber*`, `organi?ation`) or a misspelling (`cybercrme~`)
is compared with the words as written: each text field with a spelling
lexicon (headline, body) keeps its words unstemmed there, and the words
found are then analysed into the field's own (stemmed) terms. A field
without one (quotes, speaker, role, url) is searched in its own lexicon. A
pattern needs `MIN_WILDCARD_PREFIX` letters before its first wildcard, a
fuzzy word `MIN_FUZZY_LENGTH` letters and shares its first letter with the
words found; either may stand for at most `MAX_EXPANSIONS` words, or the
query is refused with a message: no query may cost minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from pressearch.errors import QueryError
from pressearch.index.reader import segment_cached
from pressearch.search.query.messages import show, thousands
from pressearch.vocabulary import TEXT_FIELDS

MAX_EXPANSIONS = 1_000  # words one wildcard or fuzzy term may expand to
MIN_WILDCARD_PREFIX = 2  # letters before the first * or ? (facet values aside)
MIN_FUZZY_LENGTH = 4
# Fuzzy terms must share this many leading letters with the word typed
# (Whoosh's prefixlength): misspellings rarely touch the first letter, and
# it cuts the words to compare ~25-fold.
FUZZY_PREFIX_LENGTH = 1
WILDCARDS = "*?"

Error = Callable[[str, int], QueryError]


def glob(pattern: str) -> re.Pattern[str]:
    """A regular expression for a pattern with * (any letters) and ? (one)."""
    return re.compile(
        "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern),
        re.DOTALL,
    )


def check_pattern(pattern: str, position: int, facet: bool, error: Error) -> None:
    """Refuse a pattern that would match everything, or (outside facets) too much."""
    if not pattern.strip(WILDCARDS):
        raise error(
            f"a lone {show(pattern)} at position {position} would match everything — "
            "add letters to it (cyber*)",
            position,
        )
    if facet:
        return  # facet lexicons are small: any pattern is cheap
    literal = min(i for i, ch in enumerate(pattern) if ch in WILDCARDS)
    if literal < MIN_WILDCARD_PREFIX:
        raise error(
            f"wildcard {show(pattern)} at position {position} needs at least "
            f"{MIN_WILDCARD_PREFIX} letters before the first * or ? — e.g. cyber*",
            position,
        )


def too_many(kind: str, typed: str, position: int, error: Error) -> QueryError:
    return error(
        f"{kind} {show(typed)} at position {position} matches more than "
        f"{thousands(MAX_EXPANSIONS)} words — add letters to narrow it",
        position,
    )


def indexed_fields(reader: Any) -> frozenset[str]:
    """The fields `reader` holds terms of, listed once per reader (a union over segments)."""
    return segment_cached(
        reader, "indexed field names", lambda: frozenset(reader.indexed_field_names())
    )


class Expander:
    """The lexicons of one index reader, read for wildcard and fuzzy words."""

    def __init__(self, reader: Any, error: Error) -> None:
        self.reader = reader
        self.schema = reader.schema
        self.indexed = indexed_fields(reader)
        self.error = error

    def wildcard(self, fieldname: str, pattern: str, position: int) -> tuple[set[str], str]:
        """(terms of `fieldname` matching `pattern`, the pattern folded as the field folds)."""
        folded = self.fold_only(fieldname, pattern)
        literal = folded[: min(i for i, ch in enumerate(folded) if ch in WILDCARDS)]
        regex = glob(folded)
        lexicon, analyse = self.surface_lexicon(fieldname)
        found: list[str] = []
        if lexicon in self.indexed:
            words = (b.decode("utf-8") for b in self.reader.expand_prefix(lexicon, literal))
            found = list(islice((w for w in words if regex.fullmatch(w)), MAX_EXPANSIONS + 1))
        if len(found) > MAX_EXPANSIONS:
            raise too_many("wildcard", pattern, position, self.error)
        terms = self.as_terms(fieldname, found, analyse)
        if folded.endswith("*") and not analyse and fieldname in TEXT_FIELDS:
            # A stemmed lexicon: police* must also find "police" itself, kept as "polic".
            stem = self.analyse(fieldname, literal)
            if stem is not None and (fieldname, stem) in self.reader:
                terms.add(stem)
        return terms, folded

    def fuzzy(
        self, fieldname: str, text: str, distance: int, shown: str, position: int
    ) -> tuple[set[str], str]:
        """(terms of `fieldname` within `distance` edits of `text`, `text` as the field keeps
        it)."""
        folded = self.fold_only(fieldname, text)
        if len(folded) < MIN_FUZZY_LENGTH:
            raise self.error(
                f"{show(shown)} at position {position} is too short for fuzzy "
                f"matching (at least {MIN_FUZZY_LENGTH} letters) — write the word exactly",
                position,
            )
        exact = self.analyse(fieldname, text) or folded
        lexicon, analyse = self.surface_lexicon(fieldname)
        found: list[str] = []
        if lexicon in self.indexed:
            probe = folded if analyse else exact
            candidates = self.within(lexicon, probe, distance, FUZZY_PREFIX_LENGTH)
            found = list(islice(candidates, MAX_EXPANSIONS + 1))
        if len(found) > MAX_EXPANSIONS:
            raise too_many("fuzzy word", shown, position, self.error)
        return self.as_terms(fieldname, found, analyse), exact

    def as_terms(self, fieldname: str, found: list[str], analyse: bool) -> set[str]:
        if not analyse:
            return set(found)
        return {t for word in found if (t := self.analyse(fieldname, word)) is not None}

    def surface_lexicon(self, fieldname: str) -> tuple[str, bool]:
        """Where to look up words typed with wildcards or ~ for `fieldname`.

        The field's spelling lexicon holds its words unstemmed (headline,
        body): patterns and misspellings compare with what was written, then
        the words found are analysed into the field's terms (True).
        Otherwise the field's own lexicon is used as it is (False).
        """
        spelling = self.schema[fieldname].spelling_fieldname(fieldname)
        if spelling != fieldname and spelling in self.indexed:
            return spelling, True
        return fieldname, False

    def analyse(self, fieldname: str, text: str) -> str | None:
        """`text` as the index stores it in `fieldname`, if it is one term."""
        tokens = list(self.schema[fieldname].process_text(text, mode="query"))
        return tokens[0] if len(tokens) == 1 else None

    def fold_only(self, fieldname: str, text: str) -> str:
        """`text` folded as the field folds it, without stemming or splitting."""
        field = self.schema[fieldname]
        return next(iter(field.process_text(text, mode="query", tokenize=False)), text)

    def within(self, lexicon: str, probe: str, maxdist: int, prefix: int) -> Iterator[str]:
        """Words of `lexicon` within `maxdist` Damerau-Levenshtein edits of `probe`.

        Not `reader.terms_within`: on a one-segment index its automaton
        misses transpositions, on a multi-segment one it counts them, so
        results would change as an index grows segments.
        """
        for btext in self.reader.expand_prefix(lexicon, probe[:prefix]):
            word = btext.decode("utf-8")
            if abs(len(word) - len(probe)) <= maxdist and (
                damerau_levenshtein(word, probe, limit=maxdist) <= maxdist
            ):
                yield word
