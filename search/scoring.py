"""How matching articles are scored: BM25F with per-field weights.

Model: (draft for experiments)
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh import matching, query, scoring

from index.schema import TEXT_FIELDS

K1 = 1.2
B = 0.75
FIELD_B: dict[str, float] = {}
IDF = "lucene"  # or "whoosh"
SHARED_IDF = True
# query-time field weight multipliers applied to tf (index-time boost divided out)
FIELD_WEIGHTS: dict[str, float] | None = None
TRUE_BM25F = True
DELTA = 0.0
DOC_NORM = False


IDF_POWER = 1.0


def _idf(n: int, df: int) -> float:
    if IDF == "lucene":
        return float(log(1 + (n - df + 0.5) / (df + 0.5)) ** IDF_POWER)
    return log(n / (df + 1)) + 1


def _field_scale(searcher: Any, fieldname: str) -> float:
    if FIELD_WEIGHTS is None:
        return 1.0
    boost = searcher.schema[fieldname].format.field_boost or 1.0
    return FIELD_WEIGHTS.get(fieldname, 1.0) / boost


class PressBM25F(scoring.WeightingModel):  # type: ignore[misc]
    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = parent.doc_count_all()
        if SHARED_IDF and fieldname in TEXT_FIELDS:
            df = max(parent.doc_frequency(f, text) for f in TEXT_FIELDS)
        else:
            df = parent.doc_frequency(fieldname, text)
        return _idf(n, df)

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return PressScorer(searcher, fieldname, text)


class PressScorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        self.avgfl = parent.avg_field_length(fieldname) or 1
        self.b = FIELD_B.get(fieldname, B)
        self.k1 = K1
        self.scale = _field_scale(searcher, fieldname)
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        tf = weight * self.scale
        norm = self.k1 * ((1 - self.b) + self.b * length / self.avgfl)
        return float(self.idf * (tf * (self.k1 + 1) / (tf + norm) + DELTA))


class _FieldTf(scoring.WeightingModel):  # type: ignore[misc]
    """Scores a posting by its weighted, length-normalised term frequency."""

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _TfScorer(searcher, fieldname, text)


class _TfScorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        parent = searcher.get_parent()
        self.avgfl = parent.avg_field_length(fieldname) or 1
        self.b = FIELD_B.get(fieldname, B)
        self.scale = _field_scale(searcher, fieldname)
        self.setup(searcher, fieldname, text)

        if DOC_NORM:
            self.fields = [f for f in TEXT_FIELDS if f in searcher.schema]
            self.avgdl = sum(parent.avg_field_length(f) or 0 for f in self.fields) or 1
            self.dl = lambda d: sum(searcher.doc_field_length(d, f, 0) or 0 for f in self.fields)

    def score(self, matcher: Any) -> float:
        if not DOC_NORM:
            return self._score(matcher.weight(), self.dfl(matcher.id()))
        return float(matcher.weight() * self.scale / ((1 - self.b) + self.b * self.dl(matcher.id()) / self.avgdl))

    def _score(self, weight: float, length: int) -> float:
        return float(weight * self.scale / ((1 - self.b) + self.b * length / self.avgfl))


class _Saturate(matching.WrappingMatcher):  # type: ignore[misc]
    def __init__(self, child: Any, idf: float, boost: float = 1.0) -> None:
        super().__init__(child, boost=boost)
        self.idf = idf

    def copy(self) -> _Saturate:
        return _Saturate(self.child.copy(), self.idf, self.boost)

    def _replacement(self, newchild: Any) -> _Saturate:
        return _Saturate(newchild, self.idf, self.boost)

    def replace(self, minquality: float = 0) -> Any:
        r = self.child.replace(0)
        if not r.is_active():
            return matching.NullMatcher()
        return self if r is self.child else self._replacement(r)

    def supports_block_quality(self) -> bool:
        return False

    def _sat(self, tf: float) -> float:
        return float(self.boost * self.idf * (tf * (K1 + 1) / (tf + K1) + DELTA))

    def max_quality(self) -> float:
        return self._sat(self.child.max_quality())

    def block_quality(self) -> float:
        return self._sat(self.child.block_quality())

    def score(self) -> float:
        return self._sat(self.child.score())


class WordInFields(query.CompoundQuery):  # type: ignore[misc]
    """One word searched in several fields, scored as one BM25F term."""

    JOINT = " OR "
    intersect_merge = False

    def normalize(self) -> query.Query:
        subs = [s.normalize() for s in self.subqueries]
        subs = [s for s in subs if s is not query.NullQuery]
        if not subs:
            return query.NullQuery
        return self.__class__(subs, boost=self.boost)

    def requires(self) -> set[Any]:
        return set()

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        subs = self.subqueries
        if not TRUE_BM25F or not all(isinstance(s, query.Term) for s in subs):
            return query.Or(subs, boost=self.boost).matcher(searcher, context)
        if context is not None and context.weighting is None:
            return query.Or(subs, boost=self.boost).matcher(searcher, context)
        parent = searcher.get_parent()
        df = max(parent.doc_frequency(s.fieldname, s.text) for s in subs)
        if not df:
            return matching.NullMatcher()
        idf = _idf(parent.doc_count_all(), df)
        ctx = (context or searcher.context()).set(weighting=_FieldTf())
        ms = [s.matcher(searcher, ctx) for s in subs]
        ms = [m for m in ms if m.is_active()]
        if not ms:
            return matching.NullMatcher()
        m = ms[0]
        for other in ms[1:]:
            m = matching.UnionMatcher(m, other)
        return _Saturate(m, idf, self.boost)


def weighting() -> scoring.WeightingModel:
    """The weighting model every search uses."""
    return PressBM25F()


COORD_P = 0.0


class _CoordSum(matching.Matcher):  # type: ignore[misc]
    """Experiment: sum of sub-matchers x (matched weight / total weight) ** p."""

    def __init__(self, subs: list[Any], weights: list[float], total: float) -> None:
        self.subs = subs
        self.weights = weights
        self.total = total
        self._id: int | None = None
        self._find()

    def _find(self) -> None:
        ids = [m.id() for m in self.subs if m.is_active()]
        self._id = min(ids) if ids else None

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id  # type: ignore[return-value]

    def supports_block_quality(self) -> bool:
        return False

    def next(self) -> None:
        cur = self._id
        for m in self.subs:
            if m.is_active() and m.id() == cur:
                m.next()
        self._find()

    def skip_to(self, target: int) -> None:
        for m in self.subs:
            if m.is_active() and m.id() < target:
                m.skip_to(target)
        self._find()

    def score(self) -> float:
        cur = self._id
        s = 0.0
        w = 0.0
        for m, wt in zip(self.subs, self.weights):
            if m.is_active() and m.id() == cur:
                s += m.score()
                w += wt
        return s * (w / self.total) ** COORD_P

    def replace(self, minquality: float = 0) -> Any:
        return self

    def copy(self) -> Any:
        return _CoordSum([m.copy() for m in self.subs], self.weights, self.total)

    def matching_terms(self, id: Any = None) -> Any:
        for m in self.subs:
            if m.is_active() and m.id() == self._id:
                yield from m.matching_terms(id)

    def children(self) -> list[Any]:
        return self.subs

    def term_matchers(self) -> Any:
        for m in self.subs:
            yield from m.term_matchers()


class CoordOr(query.Or):  # type: ignore[misc]
    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if not COORD_P or (context is not None and context.weighting is None):
            return query.Or(self.subqueries, boost=self.boost).matcher(searcher, context)
        subs = [(q.matcher(searcher, context), q.boost) for q in self.subqueries]
        total = sum(b for _, b in subs) or 1.0
        subs = [(m, b) for m, b in subs if m.is_active()]
        if not subs:
            return matching.NullMatcher()
        m = _CoordSum([m for m, _ in subs], [b for _, b in subs], total)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1 else m
