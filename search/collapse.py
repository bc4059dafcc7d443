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

Near-duplicates (`SearchRequest.collapse == "near"`) widen the sets: two
matches are also copies when they are in one near-duplicate cluster at
`NEAR_THRESHOLD` (`index.near_duplicates.clusters` over the pairs kept at
index time, by article id), and the sets are the connected groups of both
relations, so a syndicated copy and an identical copy of the update fold
into one hit with the release. Clusters are connected over the whole
archive: two matches joined through an article the query does not match are
still one set, as `pressearch duplicates` lists them. Everything else
(best-ranked copy shown, totals and facets) is as for identical copies.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

TEXT_HASH = "text_hash"
ID = "id"
# The similarity at which `near` folds articles: the default of `pressearch
# duplicates` and `Archive.near_duplicates`, so a search folds what they list.
NEAR_THRESHOLD = 0.8

# Docnum → every matching docnum of its set of copies (itself included), in docnum order.
Copies = dict[int, tuple[int, ...]]


def find_copies(reader: Any, docnums: Iterable[int]) -> Copies:
    """The sets of identical articles among `docnums` (only sets of two or more)."""
    by_hash: dict[bytes, list[int]] = {}
    for docnum, value in _column(reader, docnums, TEXT_HASH):
        if value:
            by_hash.setdefault(value, []).append(docnum)
    copies: Copies = {}
    for members in by_hash.values():
        if len(members) > 1:
            group = tuple(sorted(members))
            for docnum in group:
                copies[docnum] = group
    return copies


def find_near_copies(reader: Any, docnums: Iterable[int], cluster_of: Mapping[str, int]) -> Copies:
    """The sets of identical or near-identical articles among `docnums` (two or more).

    `cluster_of` maps each clustered article id to its cluster's number
    (`near_clusters`). A set is a connected group of matches joined by an
    equal text hash or a shared cluster.
    """
    wanted = list(docnums)
    parent = {docnum: docnum for docnum in wanted}

    def root(docnum: int) -> int:
        while parent[docnum] != docnum:
            parent[docnum] = parent[parent[docnum]]  # path halving keeps the trees flat
            docnum = parent[docnum]
        return docnum

    first: dict[tuple[str, object], int] = {}  # (relation, key) → the first match with it
    keyed = [
        *(
            (docnum, ("hash", value))
            for docnum, value in _column(reader, wanted, TEXT_HASH)
            if value
        ),
        *(
            (docnum, ("cluster", cluster_of[ident]))
            for docnum, ident in _ids(reader, wanted)
            if ident in cluster_of
        ),
    ]
    for docnum, key in keyed:
        other = first.setdefault(key, docnum)
        parent[root(docnum)] = root(other)
    groups: dict[int, list[int]] = {}
    for docnum in wanted:
        groups.setdefault(root(docnum), []).append(docnum)
    copies: Copies = {}
    for members in groups.values():
        if len(members) > 1:
            group = tuple(sorted(members))
            for docnum in group:
                copies[docnum] = group
    return copies


def near_clusters(clustered: Iterable[tuple[float, Sequence[str]]]) -> dict[str, int]:
    """Each article id of `clustered` (`index.near_duplicates.clusters`) → its cluster's number."""
    return {ident: number for number, (_, ids) in enumerate(clustered) for ident in ids}


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


def _ids(reader: Any, docnums: Iterable[int]) -> Iterable[tuple[int, str]]:
    for docnum, raw in _column(reader, docnums, ID):
        yield docnum, raw.decode("utf-8")


def _column(reader: Any, docnums: Iterable[int], name: str) -> Iterable[tuple[int, bytes]]:
    """(docnum, raw value of column `name`) for each of `docnums` whose segment has the column."""
    leaves = list(reader.leaf_readers())
    starts = [offset for _, offset in leaves]
    columns = [
        leaf.column_reader(name, translate=False) if leaf.has_column(name) else None
        for leaf, _ in leaves
    ]
    for docnum in docnums:
        i = bisect_right(starts, docnum) - 1
        column = columns[i]
        if column is not None:
            yield docnum, column[docnum - starts[i]]
