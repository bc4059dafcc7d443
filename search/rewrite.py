"""Two rewrites of the Whoosh query `compile` builds, each in place.

Model: in a match-any query a compound word is also searched as its parts
(`add_compound_parts`: articles that write "three dimensional" apart match
too, the compound as written ranking first); clauses repeated side by side
merge into one boosted by the count (`merge_repeats`: the same matches, the
repeat counted as a query-term frequency); `unwrapped` drops an Or of one.
"""

from __future__ import annotations

import copy
from typing import Any

from whoosh import query

from pressearch.search.scoring import WordInFields

# With match="any", a compound word (three-dimensional) is also searched as
# its parts; the compound itself, which implies them all, keeps this share of
# its weight so that articles with it as written come first.
COMPOUND_WEIGHT = 0.5


def unwrapped(q: query.Query) -> query.Query:
    """An Or of one clause as that clause."""
    if isinstance(q, query.Or) and len(q.subqueries) == 1:
        return q.subqueries[0]
    return q


def add_compound_parts(schema: Any, q: query.Query) -> query.Query:
    """Beside each compound word OR'd in `q`, its parts as words of their own, in place.

    The index holds a compound (three-dimensional, COVID-19) whole and as its
    parts, a query word only whole. In natural-language queries (match="any")
    the parts also find articles that write the words apart ("three
    dimensional"); the compound keeps `COMPOUND_WEIGHT` of its boost.
    One-letter parts (the "g" of "e.g") carry no topic and are left out.
    """
    for child in q.children():
        add_compound_parts(schema, child)
    if not isinstance(q, query.Or):
        return q
    clauses: list[query.Query] = []
    for sub in q.subqueries:
        clauses.append(sub)
        parts = _compound_parts(schema, sub) if isinstance(sub, WordInFields) else []
        if parts:
            clauses.extend(part.with_boost(sub.boost) for part in parts)
            sub.boost *= COMPOUND_WEIGHT
    q.subqueries = clauses
    return q


def _compound_parts(schema: Any, word: WordInFields) -> list[WordInFields]:
    """The parts of compound `word`, each searched in the word's fields; [] if none."""
    per_field: list[list[query.Term]] = []
    for term in word.subqueries:
        if not isinstance(term, query.Term):
            return []
        # Index-mode analysis of the compound: the compound, then its parts.
        terms = list(schema[term.fieldname].process_text(term.text))[1:]
        per_field.append([query.Term(term.fieldname, t) for t in terms if len(t) > 1])
    if not per_field or any(len(terms) != len(per_field[0]) for terms in per_field):
        return []
    return [WordInFields(list(terms)) for terms in zip(*per_field, strict=True)]


def merge_repeats(q: query.Query) -> None:
    """Merge clauses repeated side by side into one whose boost is their sum, in place.

    A word a long query repeats ("... information ... information ...")
    counts as often as it was typed, as one clause boosted by the count
    (the query-term frequency of BM25 and DFR models). The matches are the
    same either way.
    """
    for child in q.children():
        merge_repeats(child)
    if not isinstance(q, (query.And, query.Or)):
        return
    # Clauses are compared at boost 1 (a clause's hash holds its boost); the
    # sums are set once the comparing is done, so no key changes in the dict.
    first: dict[query.Query, int] = {}
    kept: list[query.Query] = []
    boosts: list[float] = []
    for sub in q.subqueries:
        key = sub if sub.boost == 1.0 else _at_boost_one(sub)
        i = first.setdefault(key, len(kept))
        if i == len(kept):
            kept.append(sub)
            boosts.append(sub.boost)
        else:
            boosts[i] += sub.boost
    for sub, boost in zip(kept, boosts, strict=True):
        sub.boost = boost
    q.subqueries = kept


def _at_boost_one(q: query.Query) -> query.Query:
    """`q` at boost 1, to compare with: a shallow copy (Whoosh's `with_boost` copies
    the whole tree: a fifth of compiling a query)."""
    same = copy.copy(q)
    same.boost = 1.0
    return same
