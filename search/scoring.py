"""How matching articles are scored: BM25F, each word saturated once across fields.

Model: a bare word is searched in several fields (headline, body, quotes,
speaker) and scored as one BM25F term (Robertson & Zaragoza, 2009): its
frequency in each field times the field's weight (`index.schema.TEXT_FIELDS`,
stored in the index as the field boost) is divided by that field's length
normalisation, 1 - B + B * length / average length; the sum over the fields,
tf, is saturated once: idf * tf * (K1 + 1) / (tf + K1). So a word found in
headline and body counts once, more for being in the headline, not twice.
The idf is Lucene's, log(1 + (N - df + 0.5) / (df + 0.5)), with df the word's
largest document frequency over the text fields, so that a word is not rarer
for appearing in a short field. A term searched in one field
(`headline:europol`, a wildcard's words, a phrase) gets the same formula over
that one field. A query's words add up, each times its boost (a word typed
twice counts twice: `search.query`).

Whoosh's own matchers do the work: `_FieldFrequency` scores a posting with its
weighted, length-normalised frequency (a per-term scorer hook), a union of the
word's field matchers adds those up, and `_Saturated` wraps the union.
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh import matching, query, scoring

from index.schema import TEXT_FIELDS

# Lucene's defaults. On CISI and Cranfield (bench.relevance) K1 1.2-1.6 with
# B 0.6-0.75 are within about a point of MAP of each other; K1 near 4 gained
# 3 points there but lost 5 on CACM and 15 on NPL, so the defaults stay.
K1 = 1.2
B = 0.75


def idf(doc_count: int, doc_frequency: int) -> float:
    """Lucene's BM25 idf: never negative, steeper than Whoosh's for rare words."""
    return log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def _word_doc_frequency(searcher: Any, text: str) -> int:
    return max(int(searcher.doc_frequency(name, text)) for name in TEXT_FIELDS)


def _length_norm(searcher: Any, fieldname: str) -> tuple[float, float]:
    """(B, average length) of `fieldname`, from the whole index."""
    return B, searcher.get_parent().avg_field_length(fieldname) or 1.0


class PressBM25F(scoring.WeightingModel):  # type: ignore[misc]
    """BM25 of one term in one field, with the word's idf over all text fields."""

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        df = (
            _word_doc_frequency(parent, text)
            if fieldname in TEXT_FIELDS
            else parent.doc_frequency(fieldname, text)
        )
        return idf(parent.doc_count_all(), df)

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _BM25Scorer(searcher, fieldname, text)


class _BM25Scorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        self.idf = searcher.get_parent().idf(fieldname, text)
        self.b, self.avgfl = _length_norm(searcher, fieldname)
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        tf = weight / (1 - self.b + self.b * length / self.avgfl)
        return _saturate(self.idf, tf)


def _saturate(idf: float, tf: float) -> float:
    return float(idf * tf * (K1 + 1) / (tf + K1))


class _FieldFrequency(scoring.WeightingModel):  # type: ignore[misc]
    """Scores a posting with its weighted, length-normalised frequency (no idf)."""

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _FrequencyScorer(searcher, fieldname, text)


class _FrequencyScorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        self.b, self.avgfl = _length_norm(searcher, fieldname)
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        return float(weight / (1 - self.b + self.b * length / self.avgfl))


class _Saturated(matching.WrappingMatcher):  # type: ignore[misc]
    """Turns the summed field frequencies of its child into the word's BM25F score."""

    def __init__(self, child: Any, idf: float, boost: float = 1.0) -> None:
        super().__init__(child, boost=boost)
        self.idf = idf
        # Saturation is increasing, so a bound on tf bounds the score. Kept:
        # collectors ask for it at every replace(), and the child's bound only
        # loosens as its parts run out.
        self._max_quality = float(boost * _saturate(idf, child.max_quality()))

    def copy(self) -> _Saturated:
        return _Saturated(self.child.copy(), self.idf, self.boost)

    def _replacement(self, newchild: Any) -> _Saturated:
        return _Saturated(newchild, self.idf, self.boost)

    def replace(self, minquality: float = 0) -> Any:
        # The child's qualities are frequencies, not scores: never prune by them.
        child = self.child.replace(0)
        if not child.is_active():
            return matching.NullMatcher()
        return self if child is self.child else self._replacement(child)

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self._max_quality

    def block_quality(self) -> float:
        return float(self.boost * _saturate(self.idf, self.child.block_quality()))

    def score(self) -> float:
        return float(self.boost * _saturate(self.idf, self.child.score()))


class WordInFields(query.CompoundQuery):  # type: ignore[misc]
    """One word searched in several fields: matches where any of them has it.

    With `PressBM25F` its terms are scored together as one BM25F term; with
    any other weighting, or when it is not a plain word in each field (a
    phrase, a wildcard's words), as an Or of its parts.
    """

    JOINT = " OR "
    intersect_merge = False

    def normalize(self) -> query.Query:
        # Unlike Or, a single remaining field keeps the class (and its scoring).
        subqueries = [q.normalize() for q in self.subqueries]
        subqueries = [q for q in subqueries if q is not query.NullQuery]
        if not subqueries:
            return query.NullQuery
        return self.__class__(subqueries, boost=self.boost)

    def requires(self) -> set[query.Query]:
        return set()

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        terms = self.subqueries
        weighting = searcher.weighting if context is None else context.weighting
        if not isinstance(weighting, PressBM25F) or not all(
            isinstance(q, query.Term) for q in terms
        ):
            return query.Or(terms, boost=self.boost).matcher(searcher, context)
        parent = searcher.get_parent()
        df = max(_word_doc_frequency(parent, text) for text in {q.text for q in terms})
        frequency = (context or searcher.context()).set(weighting=_FieldFrequency())
        matchers = [m for m in (q.matcher(searcher, frequency) for q in terms) if m.is_active()]
        if not matchers:
            return matching.NullMatcher()
        union = matchers[0]
        for m in matchers[1:]:
            union = matching.UnionMatcher(union, m)
        return _Saturated(union, idf(parent.doc_count_all(), df), self.boost)


def weighting() -> scoring.WeightingModel:
    """The weighting model every search uses."""
    return PressBM25F()
