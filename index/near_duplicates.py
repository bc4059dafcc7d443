"""Near-duplicate articles: MinHash signatures, LSH candidates, verified pairs, in a sidecar file.

Model: two articles are near-duplicates when the Jaccard similarity of
their sets of word shingles (shared / all) is high. Each article gets a
MinHash signature of `NUM_PERM` values (`index.minhash`): the share of
equal values estimates that Jaccard similarity. Locality-sensitive
hashing (`BANDS` bands of `ROWS` values, each band mixed into a 32-bit
key, `index.minhash.band_keys`; see `_candidates`) proposes the pairs
worth comparing, so an archive is never compared pair by pair; a
proposed pair is kept when it has a band of equal values and its whole
signatures estimate at least `FLOOR`. Clusters at a threshold are the
connected components of the kept pairs at or above it (`clusters`).

Why these numbers:

- `SHINGLE_WORDS = 5`: five words in a row rarely recur in two different
  press releases (a phrase like "the operation was coordinated by" does, but
  not enough of them to matter), while one edited word, a corrected number
  or a changed boilerplate line, costs only the five shingles that cover it,
  so a 300-word release with one number changed keeps a similarity above
  0.95. Three-word shingles let articles on the same topic look alike;
  eight-word ones make every small edit cost eight.
- `NUM_PERM = 128`: the estimate's standard error is sqrt(J(1-J)/128),
  0.035 at J = 0.8, fine enough to tell a copy (0.9 and above) from a
  rewrite (0.5 and below); 256 would halve no decision we make and double
  the hashing.
- `BANDS, ROWS = 32, 4`: a pair is proposed with probability
  1 - (1 - J^4)^32: 0.87 at J = 0.5, 0.999 at 0.7, 1.0 at 0.8, 0.003 at
  0.1. So every threshold from `FLOOR` up is served by the pairs kept once,
  and unrelated articles are almost never compared.
- Articles with fewer than `MIN_SHINGLES` shingles (a stub, a one-line
  notice) get no signature: their few shingles say nothing reliable, and an
  empty set would look like every other empty set. Those of identical text
  (the same `text_hash`) still pair, at similarity 1: identical articles
  are copies however short.

Where the work is done: an article's band keys are computed when it is
indexed, in the indexing workers, in parallel with the rest of indexing,
and kept in the index's `band_keys` column (`index.minhash.column_value`,
128 bytes an article, empty for one too short to sign); segment merges
copy the column. The sidecar (`SIDECAR` in the index folder, format in
`index.near_duplicates_file`) holds the kept pairs (all that `duplicates`
reads) and, per article, a fingerprint of its text hash (the index's
`text_hash` column) and its band keys, not its signature. An update after
an index run reads the `id` and `text_hash` columns (no stored text),
takes the band keys of the articles whose hash is new from the
`band_keys` column (no hashing), the others' from the sidecar, drops
removed articles, proposes pairs for the changed ones from the band keys
of all, a band at a time, and verifies them on whole signatures, hashed
again from stored text for the articles in a proposed pair only (on
Reuters, 2,092 of 21,577 articles are; `Update.hashed` counts them). Then
it replaces the file atomically, written a band at a time too: an update
never holds every article's keys (see `_Run`).
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import itertools
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressearch.errors import UsageError
from pressearch.index.minhash import (
    BANDS,
    MIN_SHINGLES,
    NUM_PERM,
    ROWS,
    SEED,
    SHINGLE_WORDS,
    signatures,
)
from pressearch.index.near_duplicates_file import (
    FINGERPRINT_BYTES,
    Head,
    Pair,
    Stored,
    read,
    read_head,
    write,
)
from pressearch.index.reader import (
    UNREADABLE,
    latest_generation,
    open_index,
    read_error,
)
from pressearch.index.whoosh_internals import segment_of, unmapped_segment_reader
from pressearch.index.whoosh_internals.columns import column_values, each_value, joined_values
from pressearch.models import Article, DuplicateCluster

if TYPE_CHECKING:
    import numpy as np

    from pressearch.index.minhash import Values

    Mask = np.ndarray[Any, np.dtype[np.bool_]]
    Keys = np.ndarray[Any, np.dtype[np.uint32]]
    Ids = np.ndarray[Any, np.dtype[np.bytes_]]
    Rows = np.ndarray[Any, np.dtype[np.integer[Any]]]

# numpy is imported where text is hashed or signatures compared: asking for
# clusters from a current sidecar, or an index run that changed nothing,
# needs none of it.

SIDECAR = ".near-duplicates"
FLOOR = 0.5
# What the stored pairs and band keys depend on: a sidecar made with others is made again.
_PARAMS = {
    "format": 3,
    "shingle_words": SHINGLE_WORDS,
    "num_perm": NUM_PERM,
    "scheme": "affine32",  # datasketch 2's, see index.minhash
    "seed": SEED,
    "min_shingles": MIN_SHINGLES,
    "floor": FLOOR,
    "bands": BANDS,
    "rows": ROWS,
    "band_key": "mix64-high32",  # see index.minhash.band_keys
}
# Candidate pairs verified at once: two signatures of 512 bytes each, 64 MB.
_VERIFY = 65536


@dataclass(frozen=True)
class Update:
    """What bringing the sidecar up to date did, and the pairs it now holds.

    `changed`: articles new or of a new text (their band keys read from
    the index); `reused`: articles whose text had not changed; `hashed`:
    articles MinHashed from their stored text, to verify the pairs proposed
    with a changed one (both sides); `dropped`: articles gone from the
    index; `written`: whether the sidecar file was replaced (False when it
    was current, or the folder is read-only).
    """

    generation: int
    changed: int
    reused: int
    dropped: int
    pairs: tuple[Pair, ...]
    written: bool
    hashed: int = 0


def similarity(one: Values, other: Values) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal values."""
    import numpy as np

    return float(np.count_nonzero(one == other)) / NUM_PERM


def check_threshold(threshold: float) -> None:
    """UsageError unless `threshold` is one the kept pairs can answer (FLOOR to 1)."""
    if not FLOOR <= threshold <= 1:
        raise UsageError(
            f"the near-duplicate threshold must be between {FLOOR} and 1, not {threshold:g}"
        )


def clusters(pairs: Iterable[Pair], threshold: float) -> list[tuple[float, list[str]]]:
    """The connected components of the pairs at or above `threshold`.

    Each is (the lowest similarity among the pairs that join it, its ids
    sorted); largest first, then most similar, then by first id.
    """
    check_threshold(threshold)
    parent: dict[str, str] = {}

    def root(ident: str) -> str:
        while parent.setdefault(ident, ident) != ident:
            parent[ident] = parent[parent[ident]]  # path halving keeps the trees flat
            ident = parent[ident]
        return ident

    kept = [pair for pair in pairs if pair.similarity >= threshold]
    for pair in kept:
        parent[root(pair.a)] = root(pair.b)
    members: dict[str, list[str]] = {}
    weakest: dict[str, float] = {}
    for ident in parent:
        members.setdefault(root(ident), []).append(ident)
    for pair in kept:
        top = root(pair.a)
        weakest[top] = min(weakest.get(top, 1.0), pair.similarity)
    found = [(weakest[top], sorted(ids)) for top, ids in members.items()]
    found.sort(key=lambda c: (-len(c[1]), -c[0], c[1][0]))
    return found


def current_pairs(index_dir: Path) -> tuple[Pair, ...]:
    """The kept pairs of the index at `index_dir`, updating the sidecar first when stale."""
    return update(index_dir).pairs


def update(index_dir: Path, *, force: bool = False) -> Update:
    """Bring the sidecar of the index at `index_dir` up to date with the index.

    A sidecar of the index's latest generation is current, and only its
    first line is read; `force` checks every article's text hash anyway
    (after a rebuild, whose generations may start over). Raises what
    opening the index raises (IndexNotFoundError and the like). A folder
    that cannot be written is not an error: the pairs are returned and the
    work is done again by the next call that can write.
    """
    generation = latest_generation(index_dir)  # before reading: a racing commit makes it stale
    path = index_dir / SIDECAR
    if not force:
        head = read_head(path, _PARAMS)
        if head is not None and head.generation == generation:
            return Update(generation, 0, head.articles, 0, head.pairs, written=False)
    ix = open_index(index_dir)
    try:
        with ix.reader() as reader:
            # Read, not mapped: this reads a few columns of every article, and
            # their mapped pages would count in this process's memory (at
            # 1,000,000 articles, ~500 MB more at the peak).
            segments = [segment_of(leaf) for leaf, _base in reader.leaf_readers()]
            leaves = [
                unmapped_segment_reader(str(index_dir), ix.schema, segment)
                for segment in segments
                if segment is not None
            ]
        try:
            with read(path, _PARAMS, BANDS) as old:
                run = _Run(leaves, old)
                pairs = run.pairs()
                written = (
                    old is None
                    or old.head.generation != generation
                    or bool(len(run.changed) or run.dropped)
                )
                if written:
                    head = Head(generation, len(run.ids), pairs)
                    stored = Stored(head, run.ids, run.fingerprints, run.signed, run.signed_band)
                    written = write(path, _PARAMS, stored, BANDS)
        finally:
            for leaf in leaves:
                leaf.close()
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()
    return Update(
        generation=generation,
        changed=len(run.changed),
        reused=len(run.ids) - len(run.changed),
        dropped=run.dropped,
        pairs=pairs,
        written=written,
        hashed=len(run.hashed),
    )


class _Run:
    """One update over an open reader: the live articles, which changed, their band keys, the pairs.

    Rows are the live articles in the order of their ids' digests
    (`index.digests`), and each row's id digest, text fingerprint, segment
    and document number are arrays. The band keys are never all in memory:
    `band` makes one band's column, the keys of an unchanged article from
    the old sidecar, a changed one's from the index's `band_keys` column.
    The signatures of the rows in proposed pairs are hashed from their
    stored text (`_signatures`), and an id is read as a string only for an
    article in a pair. At its peak an update holds ~125 bytes an article
    (measured at 1,000,000 articles: 165 MB, 185 MB over an old sidecar),
    where ids as strings, a dict to match them with the old sidecar's and
    every article's keys at once held 400 MB (849 MB over an old sidecar).
    """

    def __init__(self, leaves: list[Any], old: Stored | None) -> None:
        import numpy as np

        self.leaves = leaves
        ids, fingerprints, leaf_of, doc_of = self._scan()
        # An index holds an id once; were it twice, the last in index order would win.
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = ids[1:] != ids[:-1]
        if not last.all():
            order, ids = order[last], ids[last]
        self.ids: Ids = ids
        self.fingerprints: Ids = fingerprints[order]
        self.leaf_of, self.doc_of = leaf_of[order], doc_of[order]
        del ids, fingerprints, leaf_of, doc_of
        self.signed: Mask = np.zeros(len(self.ids), dtype=bool)
        self.old = old
        # The rows whose keys are the old sidecar's, and their rows among its signed ones.
        self._reused = np.empty(0, dtype=np.int64)
        self._old_key_rows = np.empty(0, dtype=np.int64)
        if old is None:
            changed = np.ones(len(self.ids), dtype=bool)
            self.dropped = 0
        else:
            changed, live = self._reuse(old)
            self.dropped = old.head.articles - live
        # New articles, or of a new text: keys from the column.
        self.changed: Rows = np.flatnonzero(changed)
        self._changed_keys = self._find_changed_keys()
        self.hashed: dict[int, Values | None] = {}  # rows in proposed pairs, hashed
        self._id_columns: dict[int, Sequence[bytes]] = {}

    def _scan(self) -> tuple[Ids, Ids, Rows, Rows]:
        """Each live article's id digest, the fingerprint of its text hash, its leaf and
        document numbers, in index order.

        Reads the columns segment by segment: a look-up by id per article
        would cost a term search in every segment.
        """
        import numpy as np

        from pressearch.index.digests import SIZE, digests_of

        ids, fingerprints = bytearray(), bytearray()
        leaf_of, doc_of = array("I"), array("I")
        for number, leaf in enumerate(self.leaves):
            if not leaf.has_column("id"):
                continue  # an index with no article yet
            # Each column read at once: a read call per article costs ~20 times more.
            column_ids = each_value(leaf, "id")
            hashes = each_value(leaf, "text_hash")
            deleted = leaf.has_deletions()
            for docnum, (raw_id, raw_hash) in enumerate(zip(column_ids, hashes, strict=True)):
                if not (deleted and leaf.is_deleted(docnum)):
                    ids += hashlib.blake2b(raw_id, digest_size=SIZE).digest()
                    fingerprints += _fingerprint(raw_hash)
                    leaf_of.append(number)
                    doc_of.append(docnum)
        numbers = (np.frombuffer(leaf_of, np.uint32), np.frombuffer(doc_of, np.uint32))
        return digests_of(ids), digests_of(fingerprints), *numbers

    def _where(self, row: int) -> tuple[int, int]:
        """The leaf and document numbers of row `row`."""
        return int(self.leaf_of[row]), int(self.doc_of[row])

    def _id(self, row: int) -> str:
        """The id of row `row`, read from its segment's column."""
        number, docnum = self._where(row)
        column = self._id_columns.get(number)
        if column is None:
            column = column_values(self.leaves[number], "id")
            assert column is not None  # the scan found the row in this column
            self._id_columns[number] = column
        return column[docnum].decode("utf-8")

    def _reuse(self, old: Stored) -> tuple[Mask, int]:
        """Take the old keys of the articles whose text is unchanged; mark the rest.

        Returns which rows changed, and how many of the old articles are still live.
        """
        import numpy as np

        at = np.searchsorted(old.ids, self.ids)
        inside = at < len(old.ids)
        found = np.zeros(len(self.ids), dtype=bool)
        found[inside] = old.ids[at[inside]] == self.ids[inside]
        same = found.copy()
        same[found] = old.fingerprints[at[found]] == self.fingerprints[found]
        rows = np.flatnonzero(same)
        old_rows = at[rows]
        signed = old.signed[old_rows]
        self._reused = rows[signed]
        self.signed[self._reused] = True
        key_rows = np.cumsum(old.signed) - 1  # an old row's row among the signed ones
        self._old_key_rows = key_rows[old_rows[signed]]
        return ~same, int(np.count_nonzero(found))

    def _find_changed_keys(self) -> list[tuple[int, Rows, Rows]]:
        """Where the changed rows' band keys lie in the index's column, segment by segment:
        (leaf number, the rows signed, the byte each one's keys start at); marks those rows
        signed. The others are too short to sign, or damaged: such an article pairs
        with none."""
        import numpy as np

        found = []
        numbers = self.leaf_of[self.changed]
        for number in np.unique(numbers).tolist():
            joined = joined_values(self.leaves[number], "band_keys")
            if joined is None:  # a segment without it holds only articles too short
                continue
            rows = self.changed[numbers == number]
            lengths = np.asarray(joined[0], dtype=np.int64)
            docs = self.doc_of[rows]
            signed = lengths[docs] == BANDS * 4
            self.signed[rows[signed]] = True
            starts = (np.cumsum(lengths) - lengths)[docs[signed]]
            found.append((number, rows[signed], starts))
        return found

    def band(self, number: int) -> Keys:
        """Band `number`'s key of every row (0 for a row not signed)."""
        import numpy as np

        column = np.zeros(len(self.ids), dtype=np.uint32)
        if self.old is not None and len(self._reused):
            column[self._reused] = self.old.band(number)[self._old_key_rows]
        for leaf_number, rows, starts in self._changed_keys:
            joined = joined_values(self.leaves[leaf_number], "band_keys") if len(rows) else None
            if joined is None:
                continue
            data = np.frombuffer(joined[1], dtype=np.uint8)
            at = starts + 4 * number
            column[rows] = data[at[:, None] + np.arange(4)].view("<u4").ravel()
        return column

    def signed_band(self, number: int) -> Keys:
        """Band `number`'s keys of the signed rows, in their order (as the sidecar holds them)."""
        return self.band(number)[self.signed]

    def _article(self, row: int) -> Article:
        number, docnum = self._where(row)
        return _stored(self.leaves[number], docnum)

    def pairs(self) -> tuple[Pair, ...]:
        """The kept pairs: old ones between unchanged articles, and new ones.

        Short articles (no signature) pair only with their identical copies,
        chained in id order so that each set of copies is one cluster; those
        chains are made anew every time, so a removed copy never breaks a set.
        """
        import numpy as np

        asking = np.zeros(len(self.ids), dtype=bool)
        asking[self.changed] = True
        old_pairs = self.old.head.pairs if self.old else ()
        kept = [
            pair
            for pair, both in zip(
                old_pairs, self._rows_in(old_pairs, self.signed & ~asking), strict=True
            )
            if both
        ]
        kept.extend(self._verified(_candidates(self.band, self.signed, asking & self.signed)))
        unsigned = np.flatnonzero(~self.signed)
        prints = self.fingerprints[unsigned]
        by_print = np.argsort(prints, kind="stable")
        unsigned, prints = unsigned[by_print], prints[by_print]
        starts = np.flatnonzero(np.r_[True, prints[1:] != prints[:-1]])
        ends = np.r_[starts[1:], len(prints)]
        copies = ends - starts > 1
        for start, end in zip(starts[copies].tolist(), ends[copies].tolist(), strict=True):
            ids = sorted(self._id(row) for row in unsigned[start:end].tolist())
            kept.extend(Pair(a, b, 1.0) for a, b in itertools.pairwise(ids))
        kept.sort(key=lambda pair: (pair.a, pair.b))
        return tuple(kept)

    def _rows_in(self, pairs: Sequence[Pair], rows: Mask) -> list[bool]:
        """Whether both articles of each of `pairs` are live rows among `rows`."""
        import numpy as np

        from pressearch.index.digests import digest, digests_of

        if not pairs:
            return []
        ends = digests_of(b"".join(digest(pair.a) + digest(pair.b) for pair in pairs))
        at = np.searchsorted(self.ids, ends)
        inside = at < len(self.ids)
        held = np.zeros(len(ends), dtype=bool)
        held[inside] = (self.ids[at[inside]] == ends[inside]) & rows[at[inside]]
        both: list[bool] = (held[0::2] & held[1::2]).tolist()
        return both

    def _verified(self, candidates: list[tuple[int, int]]) -> Iterator[Pair]:
        """The proposed pairs (rows) with a band of equal values and at least FLOOR."""
        import numpy as np

        for first in range(0, len(candidates), _VERIFY):
            chunk = candidates[first : first + _VERIFY]
            rows = sorted({row for pair in chunk for row in pair})
            matrix, usable = self._signatures(rows)
            place = {row: at for at, row in enumerate(rows)}
            one = np.array([place[a] for a, _ in chunk])
            other = np.array([place[b] for _, b in chunk])
            equal = matrix[one] == matrix[other]
            banded = equal.reshape(len(chunk), BANDS, ROWS).all(axis=2).any(axis=1)
            banded &= usable[one] & usable[other]
            counts = np.count_nonzero(equal, axis=1)
            for (a, b), band, count in zip(chunk, banded.tolist(), counts.tolist(), strict=True):
                estimate = count / NUM_PERM
                if band and estimate >= FLOOR:
                    first_id, second_id = sorted((self._id(a), self._id(b)))
                    yield Pair(first_id, second_id, estimate)

    def _signatures(self, rows: list[int]) -> tuple[Values, Mask]:
        """The signatures of `rows`, and which are usable.

        Each is hashed from the article's stored text, once a run, in index
        order (stored fields are read in file order). That text is the one
        indexing took the band keys from, so its signature has those keys,
        unless the index's text and its columns disagree (damage): a row
        then too short to sign is not usable.
        """
        import numpy as np

        fresh = sorted((row for row in set(rows) if row not in self.hashed), key=self._where)
        self.hashed.update(zip(fresh, signatures(self._article(row) for row in fresh), strict=True))
        matrix = np.zeros((len(rows), NUM_PERM), dtype=np.uint32)
        usable = np.ones(len(rows), dtype=bool)
        for at, row in enumerate(rows):
            values = self.hashed[row]
            if values is None:
                usable[at] = False
            else:
                matrix[at] = values
        return matrix, usable


def _candidates(band: Callable[[int], Keys], signed: Mask, asking: Mask) -> list[tuple[int, int]]:
    """Row pairs (lower first, sorted) of signed rows with an `asking` row and an equal band key.

    Per band (`band(b)`: each row's key), the rows sharing a key with an
    asking row are sorted by key, and only keys held by two rows or more
    make pairs: the banding of datasketch's `MinHashLSH(params=(BANDS,
    ROWS))`, over all rows at once in numpy (its in-memory index costs 0.35
    ms an insertion), one band in memory at a time.
    """
    import numpy as np

    rows = np.flatnonzero(signed)
    asked = np.flatnonzero(asking)
    found: set[tuple[int, int]] = set()
    for number in range(BANDS) if len(asked) else ():
        column = band(number)
        hit = rows if len(asked) == len(rows) else rows[np.isin(column[rows], column[asked])]
        hit = hit[np.argsort(column[hit], kind="stable")]  # by key, then by row
        hit_keys = column[hit]
        same = hit_keys[1:] == hit_keys[:-1]
        shared = np.zeros(len(hit), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        hit, hit_keys = hit[shared], hit_keys[shared]
        for group in np.split(hit, np.flatnonzero(hit_keys[1:] != hit_keys[:-1]) + 1):
            members = group.tolist()
            flags = asking[group].tolist()
            for x, y in itertools.combinations(range(len(members)), 2):
                if flags[x] or flags[y]:
                    found.add((members[x], members[y]))
    return sorted(found)


def _fingerprint(text_hash: bytes) -> bytes:
    """The 16 bytes of a text hash's 32 hex digits (`index.schema.text_hash`).

    Any other value (no index of this schema holds one) is hashed to 16 bytes.
    """
    try:
        raw = binascii.unhexlify(text_hash)
    except ValueError:  # binascii.Error is one
        raw = b""
    if len(raw) == FINGERPRINT_BYTES:
        return raw
    return hashlib.blake2b(text_hash, digest_size=FINGERPRINT_BYTES).digest()


def _live_articles(index_dir: Path) -> Iterator[tuple[str, Any, int]]:
    """(id, segment reader, document number) of every live article."""
    ix = open_index(index_dir)
    try:
        with ix.reader() as reader:
            for leaf, _base in reader.leaf_readers():
                if not leaf.has_column("id"):
                    continue  # an index with no article yet
                deleted = leaf.has_deletions()
                for docnum, raw_id in enumerate(leaf.column_reader("id", translate=False)):
                    if not (deleted and leaf.is_deleted(docnum)):
                        yield raw_id.decode("utf-8"), leaf, docnum
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()


def _stored(leaf: Any, docnum: int) -> Article:
    return Article.from_dict(json.loads(leaf.stored_fields(docnum)["record"]))


def near_duplicate_clusters(index_dir: Path, threshold: float) -> list[DuplicateCluster]:
    """The clusters of near-identical articles at `threshold`, with their stored articles.

    UsageError for a threshold outside FLOOR..1. An article removed by a
    commit since the pairs were read is left out, and so is a cluster left
    with one article.
    """
    check_threshold(threshold)
    found = clusters(current_pairs(index_dir), threshold)
    if not found:
        return []
    wanted = {ident for _, ids in found for ident in ids}
    articles = {
        ident: _stored(leaf, docnum)
        for ident, leaf, docnum in _live_articles(index_dir)
        if ident in wanted
    }
    out: list[DuplicateCluster] = []
    for estimate, ids in found:
        members = sorted((articles[i] for i in ids if i in articles), key=_oldest_first)
        if len(members) > 1:
            out.append(DuplicateCluster(estimate, tuple(members)))
    return out


def _oldest_first(article: Article) -> tuple[bool, dt.date, str, str]:
    return (article.date is None, article.date or dt.date.min, article.source or "", article.id)
