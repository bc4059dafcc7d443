"""How matching articles are scored: DFR InB2 over weighted fields, each word saturated once.

Model: divergence from randomness (Amati & van Rijsbergen, 2002), InB2
with normalisation 2, in per-field form as BM25F does for BM25 (Macdonald
et al., 2005): a word's frequency in each field (headline, body, quotes,
speaker) times the field's weight (`index.schema.TEXT_FIELDS`, stored in
the index as the field boost) times that field's length normalisation,
log2(1 + C * average length / length), summed over the fields, is the
word's normalised frequency tfn, saturated once: weight * tfn / (tfn + 1).
So a word found in headline and body counts once, more for being in the
headline, not twice. The word's weight is
log2((N + 1) / (df + 0.5)) * (F + 1) / df: an inverse document frequency
times the Bernoulli after-effect, where F is the word's weighted frequency
in the whole index, so a word that recurs within the articles that use it
(a topic) weighs more than one scattered once over as many articles. df is
the word's largest document frequency over the text fields, so that a word
is not rarer for appearing in a short field. A term searched in one field
(`headline:europol`, a wildcard's words, a phrase) gets the same formula
over that one field. A query's words add up, each times its boost (a word
typed twice counts twice: `search.query`). Why InB2 and not BM25: README,
"Ranking quality".

Within one index segment a word is scored term at a time: each field's
postings are read a block at a time, their normalised frequencies summed
per article in a dict (field lengths from the segment's length column,
read once), and the saturated scores handed on as a sorted list
(`search.scored.ScoredList`), which Ands and Ors of such lists combine as
lists, and other matchers step through, instead of a union of four posting
readers per article. A phrase in each field (`preloaded_phrases`) is
matched the same way, decoding positions only for articles that have all
its words, and so are a wildcard's words in each field
(`preloaded_term_trees`). Each gives exactly the matches and scores of
Whoosh's own matchers, which still do the work elsewhere (several segments
at once, a search that needs the matched terms): `_FieldFrequency` scores a
posting with its weighted, length-normalised frequency, a union of the word's
field matchers adds those up, and `_Saturated` wraps the union.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from functools import lru_cache, partial
from itertools import compress
from math import log2
from typing import Any

from whoosh import matching, query, scoring

from pressearch.index.reader import segment_cached
from pressearch.index.whoosh_internals import length_bytes, length_of_byte, posting_blocks
from pressearch.search.arrays import as_arrays, field_shares, saturated, use_arrays
from pressearch.search.kept_sums import COMMON_POSTINGS, kept_sums
from pressearch.search.scored import ScoredList, scored
from pressearch.search.statistics import (
    estimated_size,
    prefetch_words,
    term_stats,
    word_statistics,
)
from pressearch.vocabulary import TEXT_FIELDS

# Normalisation 2's parameter, at the model's default: tuning it on CISI and
# Cranfield (`python -m bench.models`) gains about one standard error, no
# more, and a c below 0.75 puts NPL's short documents under the reference.
C = 1.0


def term_weight(doc_count: int, doc_frequency: int, frequency: float) -> float:
    """InB2's weight of a word found in `doc_frequency` of `doc_count` articles,
    `frequency` times in all (field weights included); positive, 0 for no article."""
    if doc_frequency <= 0:
        return 0.0
    return log2((doc_count + 1) / (doc_frequency + 0.5)) * (frequency + 1) / doc_frequency


def length_factor(length: int, average: float) -> float:
    """Normalisation 2: what one occurrence counts in a field of `length` words."""
    return log2(1 + C * average / max(length, 1))


def _average_length(searcher: Any, fieldname: str) -> float:
    # Once per top searcher: Whoosh sums the field's length over the segments each time.
    parent = searcher.get_parent()
    return segment_cached(
        parent,
        ("average length", fieldname),
        lambda: float(parent.avg_field_length(fieldname) or 1.0),
    )


class PressInB2F(scoring.WeightingModel):  # type: ignore[misc]
    """InB2 of one term in one field, with the word's statistics over all text fields."""

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        # Whoosh caches this per term as the term's "idf"; here it is the whole weight.
        parent = searcher.get_parent()
        if fieldname in TEXT_FIELDS:
            df, frequency = word_statistics(parent, text)
        else:
            df = parent.doc_frequency(fieldname, text)
            frequency = parent.frequency(fieldname, text)
        return term_weight(parent.doc_count_all(), df, frequency)

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _InB2Scorer(searcher, fieldname, text)


class _InB2Scorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        self.word_weight = searcher.get_parent().idf(fieldname, text)
        self.average = _average_length(searcher, fieldname)
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        return _saturate(self.word_weight, weight * length_factor(length, self.average))


def _saturate(weight: float, tfn: float) -> float:
    return float(weight * tfn / (tfn + 1))


class _FieldFrequency(scoring.WeightingModel):  # type: ignore[misc]
    """Scores a posting with its weighted, length-normalised frequency (no word weight)."""

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return _FrequencyScorer(searcher, fieldname, text)


class _FrequencyScorer(scoring.WeightLengthScorer):  # type: ignore[misc]
    def __init__(self, searcher: Any, fieldname: str, text: str) -> None:
        self.average = _average_length(searcher, fieldname)
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        return float(weight * length_factor(length, self.average))


class _Saturated(matching.WrappingMatcher):  # type: ignore[misc]
    """Turns the summed field frequencies of its child into the word's score."""

    def __init__(self, child: Any, word_weight: float, boost: float = 1.0) -> None:
        super().__init__(child, boost=boost)
        self.word_weight = word_weight
        # Saturation is increasing, so a bound on tfn bounds the score. Kept:
        # collectors ask for it at every replace(), and the child's bound only
        # loosens as its parts run out.
        self._max_quality = float(boost * _saturate(word_weight, child.max_quality()))

    def copy(self) -> _Saturated:
        return _Saturated(self.child.copy(), self.word_weight, self.boost)

    def _replacement(self, newchild: Any) -> _Saturated:
        return _Saturated(newchild, self.word_weight, self.boost)

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
        return float(self.boost * _saturate(self.word_weight, self.child.block_quality()))

    def score(self) -> float:
        return float(self.boost * _saturate(self.word_weight, self.child.score()))


class WordInFields(query.CompoundQuery):  # type: ignore[misc]
    """One word searched in several fields: matches where any of them has it.

    With `PressInB2F` its terms are scored together as one word; with
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

    def estimate_size(self, ixreader: Any) -> int:
        # Whoosh's, with each term's document frequency from `term_stats`: an
        # And or a match="any" Or asks it of every part in every segment.
        size = sum(estimated_size(sub, ixreader) for sub in self.subqueries)
        return min(size, int(ixreader.doc_count()))

    def matcher(self, searcher: Any, context: Any = None, within: Sequence[int] = ()) -> Any:
        """Its matcher; with `within` (sorted docnums of the segment), a plain word's
        scored matches may be only those among them (an And needs no others)."""
        terms = self.subqueries
        weighting = searcher.weighting if context is None else context.weighting
        fielded = isinstance(weighting, PressInB2F)
        if fielded and _preloadable_phrases(searcher, context, terms):
            return preloaded_phrases(searcher, terms, self.boost)
        if fielded and _preloadable_term_trees(searcher, context, terms):
            return preloaded_term_trees(searcher, terms, self.boost)
        if not fielded or not all(isinstance(q, query.Term) for q in terms):
            return query.Or(terms, boost=self.boost).matcher(searcher, context)
        parent = searcher.get_parent()
        weight = _word_weight(parent, {q.text for q in terms})
        if searcher.is_atomic() and all(q.boost == 1.0 for q in terms):
            return preloaded_word(searcher, terms, weight, self.boost, within)
        return union_word(searcher, context, terms, weight, self.boost)


# Per top searcher: a word's texts -> its weight. Asked once per segment,
# and the statistics are the whole index's.
_WEIGHTS: weakref.WeakKeyDictionary[Any, dict[frozenset[str], float]] = weakref.WeakKeyDictionary()


def _word_weight(parent: Any, texts: set[str]) -> float:
    """The weight of a word indexed as `texts` (stemmed, and unstemmed in names):
    that of the text found in the most articles."""
    cache = _WEIGHTS.setdefault(parent, {})
    key = frozenset(texts)
    if key not in cache:
        df, frequency = max(word_statistics(parent, text) for text in texts)
        cache[key] = term_weight(parent.doc_count_all(), df, frequency)
    return cache[key]


def union_word(
    searcher: Any, context: Any, terms: Sequence[query.Term], word_weight: float, boost: float
) -> Any:
    """A word's matcher built from Whoosh's: a union of its field postings, saturated."""
    frequency = (context or searcher.context()).set(weighting=_FieldFrequency())
    matchers = [m for m in (q.matcher(searcher, frequency) for q in terms) if m.is_active()]
    if not matchers:
        return matching.NullMatcher()
    union = matchers[0]
    for m in matchers[1:]:
        union = matching.UnionMatcher(union, m)
    return _Saturated(union, word_weight, boost)


def preloaded_word(
    searcher: Any,
    terms: Sequence[query.Term],
    word_weight: float,
    boost: float,
    within: Sequence[int] = (),
) -> Any:
    """The same scores as `union_word` for one segment, summed term at a time.

    Each sum adds the fields in the order of `terms`, as the union does, so
    the floats come out the same; the first two may be read the other way
    round (a + b is b + a), so that the field with more postings (the body)
    fills the sums and the other is added to them. With `within` (sorted
    docnums), only those documents are scored: a common word of an And
    ("reuter" in every Reuters article) costs the matches of its rarer part.
    Many postings are added in arrays (`search.arrays`: the same sums); a
    common word's sums over the whole segment may be kept for the reader's
    later queries (`search.kept_sums`: the same floats, picked).
    """
    reader = searcher.reader()
    schema = searcher.schema
    present: list[tuple[str, bytes, int]] = []
    for term in terms:
        fieldname = term.fieldname
        if fieldname not in schema or not schema[fieldname].scorable:
            return union_word(searcher, None, terms, word_weight, boost)
        try:
            text = schema[fieldname].to_bytes(term.text)
        except ValueError:
            continue
        stats = term_stats(reader, fieldname, text)
        if stats is not None:
            present.append((fieldname, text, stats[0]))
    if len(present) > 1 and present[1][2] > present[0][2]:
        present[0], present[1] = present[1], present[0]
    postings = sum(df for _, _, df in present)
    if postings >= COMMON_POSTINGS:
        key = (reader, tuple((fieldname, text) for fieldname, text, _ in present))
        whole = partial(_frequencies, searcher, present, ())
        kept = kept_sums(searcher.get_parent()).sums(key, postings, not within, whole)
        if kept is not None:
            in_arrays = use_arrays(len(within or kept))
            docnums, frequencies = kept.pick(within, in_arrays)
            return _scored(docnums, frequencies, word_weight, boost, in_arrays)
    docnums, found = _frequencies(searcher, present, within)
    return _scored(docnums, found, word_weight, boost, not isinstance(found, list))


def _frequencies(
    searcher: Any, present: list[tuple[str, bytes, int]], within: Sequence[int]
) -> tuple[Any, Any]:
    """The articles of the segment with postings of `present` ((field, term, postings) in
    the order of addition), ascending, and each one's normalised frequency (two lists, or
    two arrays when added in arrays); with `within`, only those articles."""
    reader = searcher.reader()
    parent = searcher.get_parent()
    if use_arrays(sum(df for _, _, df in present)):
        fields = []
        for fieldname, text, _ in present:
            field_docnums: list[int] = []
            field_weights: list[float] = []
            for ids, weights, _ in posting_blocks(
                reader.postings(fieldname, text), wanted=within or None
            ):
                field_docnums += ids
                field_weights += weights
            factors = _length_factors(_average_length(parent, fieldname))
            fields.append((field_docnums, field_weights, factors, _length_bytes(reader, fieldname)))
        return field_shares(reader.doc_count_all(), fields, within, deleted_docs(reader))
    wanted = frozenset(within)
    tf: dict[int, float] = {}
    for fieldname, text, _ in present:
        factors = _length_factors(_average_length(parent, fieldname))
        lengths = _length_bytes(reader, fieldname)
        first = not tf  # one posting per article: nothing to add to yet
        get = tf.get
        postings = reader.postings(fieldname, text)
        for ids, weights, _ in posting_blocks(postings, wanted=within or None):
            if wanted:  # tested and picked in C: a common word has a posting per article
                kept = list(map(wanted.__contains__, ids))
                ids, weights = list(compress(ids, kept)), list(compress(weights, kept))
            parts = [weight * factors[lengths[d]] for d, weight in zip(ids, weights, strict=True)]
            if first:
                tf.update(zip(ids, parts, strict=True))
                continue
            for docnum, part in zip(ids, parts, strict=True):
                previous = get(docnum)
                tf[docnum] = part if previous is None else previous + part
    for docnum in deleted_docs(reader):
        tf.pop(docnum, None)
    docnums = sorted(tf)
    return docnums, list(map(tf.__getitem__, docnums))


def _scored(
    docnums: Any, frequencies: Any, word_weight: float, boost: float, in_arrays: bool
) -> Any:
    """The matcher of `docnums` (a list, or an array) scored from their normalised
    `frequencies`, saturated in arrays (and kept in them: `scored.ScoredArrays`) or in
    a list."""
    if in_arrays:
        return scored(*as_arrays(docnums, saturated(frequencies, word_weight, boost)))
    # `_saturate` inlined, the same operations in the same order.
    return scored(docnums, [boost * (word_weight * t / (t + 1)) for t in frequencies])


def _preloadable_phrases(searcher: Any, context: Any, phrases: Sequence[query.Query]) -> bool:
    """Whether `preloaded_phrases` can score `phrases` in place of Whoosh's matchers."""
    # One phrase alone: Whoosh's Or is that phrase's matcher, without the Or's
    # boost; left to Whoosh so that the score stays the same.
    if len(phrases) < 2 or not searcher.is_atomic():
        return False
    if context is not None and context.needs_current:
        return False
    schema = searcher.schema
    return all(
        type(q) is query.Phrase
        and q.slop == 1
        and q.fieldname in schema
        and schema[q.fieldname].scorable
        and schema[q.fieldname].format.supports("positions")
        for q in phrases
    )


def preloaded_phrases(searcher: Any, phrases: Sequence[query.Phrase], boost: float) -> Any:
    """One segment's matches of phrases (one per field, words side by side), scored as Whoosh does.

    Whoosh's phrase matcher intersects the words' postings and decodes the
    positions of every article in the intersection, a call chain per
    posting; here the postings are read a block at a time into dicts, the
    intersection is a set operation, and positions are decoded only for the
    articles that have every word. The score is Whoosh's: the sum of each
    word's score in the field (`_InB2Scorer`, summed in the same binary
    tree), times the phrase's boost, summed over the fields, times `boost`.
    """
    reader = searcher.reader()
    parent = searcher.get_parent()
    deleted = deleted_docs(reader)
    total: dict[int, float] = {}
    for phrase in phrases:
        found = _phrase_scores(reader, parent, phrase, deleted)
        for docnum, score in found.items():
            previous = total.get(docnum)
            total[docnum] = score if previous is None else previous + score
    if not total:
        return matching.NullMatcher()
    docnums = sorted(total)
    scores = [total[d] * boost for d in docnums] if boost != 1.0 else [total[d] for d in docnums]
    return ScoredList(docnums, scores)


def _phrase_scores(
    reader: Any, parent: Any, phrase: query.Phrase, deleted: frozenset[int]
) -> dict[int, float]:
    fieldname = phrase.fieldname
    field = reader.schema[fieldname]
    words: list[bytes] = []
    frequencies: list[int] = []
    for word in phrase.words:
        try:
            text = field.to_bytes(word)
        except ValueError:
            return {}
        stats = term_stats(reader, fieldname, text)
        if stats is None:
            return {}
        words.append(text)
        frequencies.append(stats[0])
    # Rarest word first: the others keep only the articles it has.
    order = sorted(range(len(words)), key=frequencies.__getitem__)
    postings: list[dict[int, tuple[float, Any]]] = [{} for _ in words]
    keep: set[int] | None = None
    for i in order:
        found = postings[i]
        blocks = posting_blocks(
            reader.postings(fieldname, words[i]), True, None if keep is None else sorted(keep)
        )
        for ids, weights, values in blocks:
            for docnum, weight, value in zip(ids, weights, values, strict=True):
                if keep is None or docnum in keep:
                    found[docnum] = (weight, value)
        keep = set(found)
    candidates = (keep or set()) - deleted
    if not candidates:
        return {}
    positions = field.format.decoder("positions")
    factors = _length_factors(_average_length(parent, fieldname))
    lengths = _length_bytes(reader, fieldname)
    word_weights = [parent.idf(fieldname, text) for text in words]
    out: dict[int, float] = {}
    for docnum in candidates:
        starts = set(positions(postings[0][docnum][1]))
        for k in range(1, len(words)):
            starts.intersection_update(p - k for p in positions(postings[k][docnum][1]))
            if not starts:
                break
        if not starts:
            continue
        factor = factors[lengths[docnum]]
        parts = []
        for i, word_weight in enumerate(word_weights):
            tfn = postings[i][docnum][0] * factor
            parts.append(float(word_weight * tfn / (tfn + 1)))
        score = _tree_sum(parts)
        out[docnum] = score * phrase.boost if phrase.boost != 1.0 else score
    return out


def _preloadable_term_trees(searcher: Any, context: Any, parts: Sequence[query.Query]) -> bool:
    """Whether `preloaded_term_trees` can score `parts` (not all of them plain terms)."""
    if len(parts) < 2 or not searcher.is_atomic():
        return False
    if context is not None and context.needs_current:
        return False
    schema = searcher.schema

    def plain(q: query.Query) -> bool:
        if type(q) is query.Term:
            return bool(q.fieldname in schema and schema[q.fieldname].scorable)
        return (
            type(q) is query.Or
            and bool(q.subqueries)
            and not q.scale
            and not q.minmatch
            and all(plain(sub) for sub in q.subqueries)
        )

    return all(plain(q) for q in parts) and not all(type(q) is query.Term for q in parts)


def preloaded_term_trees(searcher: Any, parts: Sequence[query.Query], boost: float) -> Any:
    """One segment's matches of Ors of terms (a wildcard's words per field), scored as Whoosh does.

    Each term is scored on its own (`_InB2Scorer`) and an Or adds up its
    parts, times its boost, as Whoosh's Or matchers do (up to the order of
    the float additions); like Whoosh, an Or of one part is that part,
    without the Or's boost. The postings are read a block at a time.
    """
    reader = searcher.reader()
    parent = searcher.get_parent()
    # Every term's weight needs its statistics in every field and segment.
    prefetch_words(parent, {text for _, text in query.Or(list(parts)).all_terms()})

    def scores(q: query.Query) -> dict[int, float]:
        if type(q) is query.Term:
            return _term_scores(reader, parent, q)
        subs = q.subqueries
        if len(subs) == 1:
            return scores(subs[0])
        total: dict[int, float] = {}
        for sub in subs:
            for docnum, score in scores(sub).items():
                previous = total.get(docnum)
                total[docnum] = score if previous is None else previous + score
        if q.boost != 1.0:
            total = {docnum: score * q.boost for docnum, score in total.items()}
        return total

    found = scores(query.Or(list(parts), boost=boost))
    for docnum in deleted_docs(reader):
        found.pop(docnum, None)
    if not found:
        return matching.NullMatcher()
    docnums = sorted(found)
    return ScoredList(docnums, [found[d] for d in docnums])


def _term_scores(reader: Any, parent: Any, term: query.Term) -> dict[int, float]:
    """The score of one term in one field for each document of the segment that has it."""
    fieldname = term.fieldname
    try:
        text = reader.schema[fieldname].to_bytes(term.text)
    except ValueError:
        return {}
    if term_stats(reader, fieldname, text) is None:
        return {}
    factors = _length_factors(_average_length(parent, fieldname))
    lengths = _length_bytes(reader, fieldname)
    weight_of_term = parent.idf(fieldname, text)
    out: dict[int, float] = {}
    for ids, weights, _ in posting_blocks(reader.postings(fieldname, text)):
        for docnum, weight in zip(ids, weights, strict=True):
            tfn = weight * factors[lengths[docnum]]
            out[docnum] = float(weight_of_term * tfn / (tfn + 1))
    if term.boost != 1.0:
        out = {docnum: score * term.boost for docnum, score in out.items()}
    return out


def _tree_sum(parts: list[float]) -> float:
    """The sum in the order of Whoosh's binary tree of intersections (`make_binary_tree`)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


@lru_cache(maxsize=64)
def _length_factors(average: float) -> list[float]:
    """`length_factor` for each length byte (lengths are stored as one byte)."""
    return [length_factor(length_of_byte(b), average) for b in range(256)]


def _length_bytes(reader: Any, fieldname: str) -> bytes:
    """Each document's length byte of `fieldname` in segment `reader`, read at once."""
    return segment_cached(
        reader, ("length bytes", fieldname), partial(length_bytes, reader, fieldname)
    )


def deleted_docs(reader: Any) -> frozenset[int]:
    """The deleted documents of segment `reader`."""

    def build() -> frozenset[int]:
        if not reader.has_deletions():
            return frozenset()
        return frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))

    return segment_cached(reader, "deleted", build)


def weighting() -> scoring.WeightingModel:
    """The weighting model every search uses."""
    return PressInB2F()
