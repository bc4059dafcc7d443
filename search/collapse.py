"""Identical articles as one hit: which matches are copies of one another.

Model: the indexer stores with each article a hash of its normalised text
(`index.schema.text_hash`: headline, body and quotes, whitespace collapsed
and case folded), in a column. Two matches are copies when their hashes are
equal and not empty; nothing else makes them so, so an article that differs
in one word is never folded into another. A search that collapses shows the
best-ranked copy of each set as the hit and names the other matching copies
on it; totals count such a set once, and facet counts count it once under
every value any of its copies has (so a value's count is the number of hits
that filtering on it leaves).

Near-duplicates (`SearchRequest.collapse == "near"`) widen the sets: two
matches are also copies when they are in one near-duplicate cluster at
`NEAR_THRESHOLD` (`index.near_duplicates.clusters` over the pairs kept at
index time, by article id), and the sets are the connected groups of both
relations, so a syndicated copy and an identical copy of the update fold
into one hit with the release. Clusters are connected over the whole
archive: two matches joined through an article the query does not match are
still one set, as `pressearch duplicates` lists them. Everything else
(best-ranked copy shown, totals and facets) is as for identical copies.

Reading keys (`CopyKeys`, one per index reader): a query's matches are
looked up one by one in the segments' columns (Whoosh's multi-segment
column reader misplaces documents when a segment lacks the column), each
read where it lies (`whoosh_internals.columns`: not a segment's whole
table of lengths and offsets first), until
the documents looked up add up to the index's size; then the column is
read whole, once (`whole_values`), into a table of the documents whose key
another document shares, which answers every later query with a dictionary
lookup per match. So a one-off query reads no more than its matches, and a
long-lived reader pays at most twice what reading the column at once would
have cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import compress, count
from typing import Any

from pressearch.index.whoosh_internals.columns import column_values, read_values, whole_values

TEXT_HASH = "text_hash"
ID = "id"
# The similarity at which `near` folds articles: the default of `pressearch
# duplicates` and `Archive.near_duplicates`, so a search folds what they list.
NEAR_THRESHOLD = 0.8

# Docnum → every matching docnum of its set of copies (itself included), in docnum order.
Copies = dict[int, tuple[int, ...]]


class CopyKeys:
    """The keys that make documents of one index reader copies: text hashes, near clusters."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._hashes = _KeyColumn(reader, TEXT_HASH, lambda raw: raw or None)
        self._clusters: _KeyColumn | None = None

    def identical(self, docnums: Iterable[int]) -> Copies:
        """The sets of identical articles among `docnums` (only sets of two or more)."""
        # Most matches have no copy: each key's hash keeps only its first
        # holder, and a list is made only for a hash met again (a list and a
        # key per match cost 60 MB at 264,000 matches); the few documents
        # met again are then grouped by their keys, as hashes can collide.
        first: dict[int, int] = {}
        candidates: dict[int, list[int]] = {}
        for docnum, key in self._hashes.keyed(docnums):
            holder = first.setdefault(hash(key), docnum)
            if holder != docnum:
                candidates.setdefault(holder, [holder]).append(docnum)
        del first
        groups: list[list[int]] = []
        for members in candidates.values():
            by_key: dict[Hashable, list[int]] = {}
            for docnum, key in self._hashes.keyed(members):
                by_key.setdefault(key, []).append(docnum)
            groups += by_key.values()
        return _sets(groups)

    def near(self, docnums: Iterable[int], cluster_of: dict[str, int]) -> Copies:
        """The sets of identical or near-identical articles among `docnums` (two or more).

        `cluster_of` maps each clustered article id to its cluster's number
        (`near_clusters`); it is read once, so it must be the same mapping
        at every call. A set is a connected group of matches joined by an
        equal text hash or a shared cluster.
        """
        if self._clusters is None:
            self._clusters = _KeyColumn(
                self._reader, ID, lambda raw: cluster_of.get(raw.decode("utf-8"))
            )
        wanted = list(docnums)
        parent = {docnum: docnum for docnum in wanted}

        def root(docnum: int) -> int:
            while parent[docnum] != docnum:
                parent[docnum] = parent[parent[docnum]]  # path halving keeps the trees flat
                docnum = parent[docnum]
            return docnum

        first: dict[tuple[str, Hashable], int] = {}  # (relation, key) → the first match with it
        keyed = [
            *((docnum, ("hash", key)) for docnum, key in self._hashes.keyed(wanted)),
            *((docnum, ("cluster", key)) for docnum, key in self._clusters.keyed(wanted)),
        ]
        for docnum, relation in keyed:
            other = first.setdefault(relation, docnum)
            parent[root(docnum)] = root(other)
        groups: dict[int, list[int]] = {}
        for docnum in wanted:
            groups.setdefault(root(docnum), []).append(docnum)
        return _sets(groups.values())


def _sets(groups: Iterable[list[int]]) -> Copies:
    copies: Copies = {}
    for members in groups:
        if len(members) > 1:
            group = tuple(sorted(members))
            for docnum in group:
                copies[docnum] = group
    return copies


class _KeyColumn:
    """Each document's key from one column of a reader (None: no key), looked up as needed.

    One by one until the documents looked up add up to the index's size,
    then from a table of the whole column that keeps only keys held by two
    documents or more (a key held once can join nothing).
    """

    def __init__(self, reader: Any, name: str, key_of: Callable[[bytes], Hashable | None]) -> None:
        self._reader = reader
        self._name = name
        self._key_of = key_of
        self._size = int(reader.doc_count_all())
        self._looked_up = 0
        self._shared: dict[int, Hashable] | None = None
        self._leaves: list[tuple[int, Any]] | None = None  # (offset, column or None)

    def keyed(self, docnums: Iterable[int]) -> Iterator[tuple[int, Hashable]]:
        """(docnum, key) of each of `docnums` that has a key, in their order, one at a time."""
        wanted = docnums if isinstance(docnums, list) else list(docnums)
        if self._shared is None and self._looked_up + len(wanted) > self._size:
            self._shared = self._table()
        if self._shared is not None:
            # Most documents share no key: the few that do are found in C.
            shared = self._shared
            return ((docnum, shared[docnum]) for docnum in filter(shared.__contains__, wanted))
        self._looked_up += len(wanted)
        return self._look_up(wanted)

    def _columns(self) -> list[tuple[int, Any]]:
        # Read as asked (`column_values`): a one-off query reads its matches'
        # keys, not the segments' tables of lengths and offsets.
        if self._leaves is None:
            self._leaves = [
                (offset, column_values(leaf, self._name))
                for leaf, offset in self._reader.leaf_readers()
            ]
        return self._leaves

    def _look_up(self, docnums: list[int]) -> Iterator[tuple[int, Hashable]]:
        key_of = self._key_of
        for docnum, raw in zip(docnums, read_values(self._columns(), docnums), strict=True):
            if raw is not None and (key := key_of(raw)) is not None:
                yield docnum, key

    def _table(self) -> dict[int, Hashable]:
        # Each segment's column read at once, and its keys counted and picked
        # in C (map, Counter, compress): a million articles' text hashes
        # 1.4-2.6 s -> 0.6 s, read a document at a time before.
        segments: list[tuple[int, list[Hashable | None]]] = []
        held: Counter[Hashable | None] = Counter()
        for leaf, offset in self._reader.leaf_readers():
            values = whole_values(leaf, self._name)
            if values is not None:
                keys = list(map(self._key_of, values))
                held.update(keys)
                segments.append((offset, keys))
        shared = {key for key, times in held.items() if times > 1 and key is not None}
        table: dict[int, Hashable] = {}
        for offset, keys in segments:
            kept = list(map(shared.__contains__, keys))
            table.update(zip(compress(count(offset), kept), compress(keys, kept), strict=True))
        return table


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
