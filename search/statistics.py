"""What the index says about a term, read once per segment reader: frequencies, presence, sizes.

Model: a query asks each of its words' statistics in every text field (to
weigh the word), then whether each field of each segment has it, then its
postings, and an And or a match="any" Or asks its parts' estimated sizes;
a term that a segment lacks would be searched for in the segment's term
dictionary each time. `term_stats` asks the dictionary once per segment
reader and term (a document frequency and a total weight, or None) and
keeps the answer, and the word's statistics over the index
(`word_statistics`) and a query's estimated size (`estimated_size`) are
sums of those, in the order Whoosh's readers sum them: the same numbers.
Many words side by side in the dictionary (a wildcard's) are found in one
walk through it per segment and field (`prefetch_words`), not a search each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh import query
from whoosh.reading import TermNotFound

from pressearch.index.reader import segment_cached
from pressearch.vocabulary import TEXT_FIELDS


def word_statistics(searcher: Any, text: str | bytes) -> tuple[int, float]:
    """(largest document frequency over the text fields, frequency summed over them).

    As the searcher's `doc_frequency` and `frequency` count them (sums over
    the segments, in their order), from `term_stats`.
    """
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    df = 0
    frequency = 0.0
    for name in TEXT_FIELDS:
        btext = searcher.schema[name].to_bytes(text)
        found = [stats for leaf in leaves if (stats := term_stats(leaf, name, btext)) is not None]
        df = max(df, sum(count for count, _ in found))
        frequency += float(sum(weight for _, weight in found))
    return df, frequency


def estimated_size(q: query.Query, reader: Any) -> int:
    """`q.estimate_size(reader)` as Whoosh computes it, for terms, phrases and Ors of
    them reading each term's document frequency from `term_stats`; any other query
    estimates itself (a `scoring.WordInFields` by this function too)."""
    if type(q) is query.Term:
        return _document_frequency(reader, q.fieldname, q.text)
    if type(q) is query.Phrase:  # Whoosh: the And of its words
        return min(_document_frequency(reader, q.fieldname, word) for word in q.words)
    if type(q) is query.Or:
        return min(
            sum(estimated_size(sub, reader) for sub in q.subqueries), int(reader.doc_count())
        )
    size: int = q.estimate_size(reader)
    return size


def _document_frequency(reader: Any, fieldname: str, text: str | bytes) -> int:
    """`reader.doc_frequency(fieldname, text)` as `Term.estimate_size` asks it."""
    if fieldname not in reader.schema:
        return 0
    field = reader.schema[fieldname]
    try:
        btext = field.to_bytes(text)
    except ValueError:
        return 0
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    return sum(stats[0] for leaf in leaves if (stats := term_stats(leaf, fieldname, btext)))


# Statistics kept per segment reader: enough for the words of many queries.
_STATISTICS_KEPT = 8192

# A term's document frequency and total weight in one segment; None: not there.
Stats = tuple[int, float] | None


def term_stats(leaf: Any, fieldname: str, btext: bytes) -> Stats:
    """(document frequency, total weight) of a term in segment `leaf`; None when it lacks it.

    Kept per segment reader: a query asks a word's statistics in every text
    field, then whether each field has it, then its postings, and a term a
    segment lacks would be searched for in its term dictionary each time.
    """
    kept = _kept(leaf)
    key = (fieldname, btext)
    if key in kept:
        return kept[key]
    stats: Stats
    try:
        info = leaf.term_info(fieldname, btext)
    except TermNotFound:
        stats = None
    else:
        stats = _stats(info)
    _keep(kept, key, stats)
    return stats


def _kept(leaf: Any) -> dict[tuple[str, bytes], Stats]:
    kept: dict[tuple[str, bytes], Stats] = segment_cached(leaf, "term statistics", dict)
    return kept


def _keep(kept: dict[tuple[str, bytes], Stats], key: tuple[str, bytes], stats: Stats) -> None:
    if len(kept) >= _STATISTICS_KEPT:
        kept.clear()
    kept[key] = stats


def _stats(info: Any) -> tuple[int, float]:
    return int(info.doc_frequency()), float(info.weight())


# A walk through a term dictionary stops after this many terms per term
# wanted: past it, the terms left are looked up one by one.
_WALK_PER_TERM = 8


def prefetch_words(searcher: Any, texts: Iterable[str | bytes]) -> None:
    """Keep the statistics of the words `texts` in every text field of every segment,
    each segment's field walked once from the first of them to the last.

    Asked again for the same words (by the next segment's matcher), does nothing.
    """
    words = frozenset(texts)
    last: list[frozenset[str | bytes]] = segment_cached(
        searcher, "prefetched words", lambda: [frozenset()]
    )
    if last[0] == words:
        return
    last[0] = words
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    for name in TEXT_FIELDS:
        field = searcher.schema[name]
        btexts = sorted({field.to_bytes(text) for text in words})
        for leaf in leaves:
            _walk(leaf, name, btexts)


def _walk(leaf: Any, fieldname: str, btexts: list[bytes]) -> None:
    """`term_stats` of the sorted `btexts` of one field, kept, from one walk where it pays."""
    kept = _kept(leaf)
    wanted = [btext for btext in btexts if (fieldname, btext) not in kept]
    if len(wanted) < 2:
        return  # one search is all a walk would cost
    steps = _WALK_PER_TERM * len(wanted)
    i = 0
    try:
        for text, info in leaf.iter_field(fieldname, wanted[0]):
            while i < len(wanted) and wanted[i] < text:
                _keep(kept, (fieldname, wanted[i]), None)  # walked past: not there
                i += 1
            if i == len(wanted):
                return
            if text == wanted[i]:
                _keep(kept, (fieldname, text), _stats(info))
                i += 1
            steps -= 1
            if not steps:
                return  # the rest one by one
    except TermNotFound:
        return  # a field this segment does not index
    for btext in wanted[i:]:  # past the field's last term
        _keep(kept, (fieldname, btext), None)
