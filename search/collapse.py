"""Identical articles as one hit: which matches are copies of one another.

Model: the indexer stores with each article a hash of its normalised text
(`index.schema.text_hash`: headline, body and quotes, whitespace collapsed
and case folded), in a column. Two matches are copies when their hashes are
equal and not empty; nothing else makes them so, so an article that differs
in one word is never folded into another. A search that collapses shows the
best-ranked copy of each set as the hit and names the other matching copies
on it; totals count such a set once, and facet counts count it once under
every value any of its copies has (so a value's count is the number of hits
that filtering on it leaves). Hashes are read only for the matching
documents, per segment (Whoosh's multi-segment column reader misplaces
documents when a segment lacks the column).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

TEXT_HASH = "text_hash"

# Docnum → every matching docnum of its set of copies (itself included), in docnum order.
Copies = dict[int, tuple[int, ...]]


def find_copies(reader: Any, docnums: Iterable[int]) -> Copies:
    """The sets of identical articles among `docnums` (only sets of two or more)."""
    by_hash: dict[bytes, list[int]] = {}
    for docnum, value in _hashes(reader, docnums):
        if value:
            by_hash.setdefault(value, []).append(docnum)
    copies: Copies = {}
    for members in by_hash.values():
        if len(members) > 1:
            group = tuple(sorted(members))
            for docnum in group:
                copies[docnum] = group
    return copies


def extra_copies(copies: Copies) -> int:
    """How many matches collapsing leaves out: all but one of each set."""
    return len(copies) - len(set(copies.values()))


def collapsed(ranked: Sequence[tuple[int, float]], copies: Copies) -> list[tuple[int, float]]:
    """`ranked` with only the first (best-ranked) of each set of copies."""
    seen: set[tuple[int, ...]] = set()
    out: list[tuple[int, float]] = []
    for docnum, score in ranked:
        group = copies.get(docnum)
        if group is not None:
            if group in seen:
                continue
            seen.add(group)
        out.append((docnum, score))
    return out


def one_per_set(docnums: Iterable[int], copies: Copies) -> list[int]:
    """`docnums` with only the lowest docnum of each set of copies."""
    return [d for d in docnums if d not in copies or copies[d][0] == d]


def _hashes(reader: Any, docnums: Iterable[int]) -> Iterable[tuple[int, bytes]]:
    leaves = list(reader.leaf_readers())
    starts = [offset for _, offset in leaves]
    columns = [
        leaf.column_reader(TEXT_HASH, translate=False) if leaf.has_column(TEXT_HASH) else None
        for leaf, _ in leaves
    ]
    for docnum in docnums:
        i = bisect_right(starts, docnum) - 1
        column = columns[i]
        if column is not None:
            yield docnum, column[docnum - starts[i]]
