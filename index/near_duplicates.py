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
of all, and verifies them on whole signatures, hashed again from stored
text for the articles in a proposed pair only (on Reuters, 2,092 of
21,577 articles are; `Update.hashed` counts them). Then it replaces the
file atomically.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import itertools
import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
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
    keys_of,
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
from pressearch.index.whoosh_internals.columns import each_value
from pressearch.models import Article, DuplicateCluster

if TYPE_CHECKING:
    import numpy as np

    from pressearch.index.minhash import Values

    Mask = np.ndarray[Any, np.dtype[np.bool_]]

# numpy is imported where text is hashed or signatures compared: asking for
# clusters from a current sidecar, or an index run that changed nothing,
# needs none of it.

SIDECAR = ".near-duplicates"
FLOOR = 0.5
# What the stored pairs and band keys depend on: a sidecar made with others is made again.
_PARAMS = {
    "format": 2,
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
# A segment's band keys are read whole when at least 1/_WHOLE_SHARE of its
# articles changed (128 bytes an article, in one read), else article by article.
_WHOLE_SHARE = 8


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
    old = read(path, _PARAMS, BANDS)
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
            run = _Run(leaves, old)
            pairs = run.pairs()
        finally:
            for leaf in leaves:
                leaf.close()
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()
    written = old is None or old.head.generation != generation or bool(run.changed or run.dropped)
    if written:
        head = Head(generation, len(run.ids), pairs)
        # All signed (as most are): the keys as they are, not a copy (128 MB at 1,000,000).
        keys = run.keys if run.signed.all() else run.keys[run.signed]
        stored = Stored(head, run.ids, run.fingerprints, run.signed, keys)
        written = write(path, _PARAMS, stored)
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

    Rows are the live articles in id order. The band keys of an unchanged
    article come from the old sidecar, a changed one's from the index's
    `band_keys` column; the signatures of the rows in proposed pairs are
    hashed from their stored text (`_signatures`).
    """

    def __init__(self, leaves: list[Any], old: Stored | None) -> None:
        import numpy as np

        self.leaves = leaves
        ids, fingerprints, leaf_of, doc_of = self._scan()
        # Rows in id order; an index holds an id once, were it twice the last would win.
        # Parallel lists and arrays, not a dict of tuples: at 1,000,000 articles
        # that dict alone held ~400 MB.
        order = sorted(range(len(ids)), key=ids.__getitem__)  # stable: equal ids in index order
        order = [
            at for k, at in enumerate(order) if k + 1 == len(order) or ids[at] != ids[order[k + 1]]
        ]
        self.ids = [ids[at] for at in order]
        del ids
        self.fingerprints = b"".join([fingerprints[at] for at in order])
        del fingerprints
        rows = np.array(order, dtype=np.int64)
        self.leaf_of, self.doc_of = leaf_of[rows], doc_of[rows]
        self.signed = np.zeros(len(self.ids), dtype=bool)
        self.keys = np.zeros((len(self.ids), BANDS), dtype=np.uint32)
        self.old = old
        self.changed: list[int] = []  # new articles, or of a new text: keys from the column
        self.hashed: dict[int, Values | None] = {}  # rows in proposed pairs, hashed
        if old is None:
            self.changed = list(range(len(self.ids)))
            self.dropped = 0
        else:
            self.dropped = old.head.articles - self._reuse(old)

    def _scan(self) -> tuple[list[str], list[bytes], Values, Values]:
        """Each live article's id, the fingerprint of its text hash, its leaf and document
        numbers (the last two as arrays), in index order.

        Reads the columns segment by segment: a look-up by id per article
        would cost a term search in every segment.
        """
        import numpy as np

        ids: list[str] = []
        fingerprints: list[bytes] = []
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
                    ids.append(raw_id.decode("utf-8"))
                    fingerprints.append(_fingerprint(raw_hash))
                    leaf_of.append(number)
                    doc_of.append(docnum)
        as_array = np.frombuffer
        return ids, fingerprints, as_array(leaf_of, np.uint32), as_array(doc_of, np.uint32)

    def _where(self, row: int) -> tuple[int, int]:
        """The leaf and document numbers of row `row`."""
        return int(self.leaf_of[row]), int(self.doc_of[row])

    def _reuse(self, old: Stored) -> int:
        """Take the old keys of the articles whose text is unchanged; the rest are `changed`.

        Returns how many of the old articles are still live.
        """
        import numpy as np

        before = {ident: row for row, ident in enumerate(old.ids)}
        live, same, same_before = 0, [], []
        for row, ident in enumerate(self.ids):
            old_row = before.get(ident)
            if old_row is not None:
                live += 1
                at, here = old_row * FINGERPRINT_BYTES, row * FINGERPRINT_BYTES
                fingerprint = self.fingerprints[here : here + FINGERPRINT_BYTES]
                if old.fingerprints[at : at + FINGERPRINT_BYTES] == fingerprint:
                    same.append(row)
                    same_before.append(old_row)
                    continue
            self.changed.append(row)
        if same:
            rows, old_rows = np.array(same), np.array(same_before)
            signed = old.signed[old_rows]
            key_rows = np.cumsum(old.signed) - 1  # an old row's row in old.keys, when signed
            self.signed[rows[signed]] = True
            self.keys[rows[signed]] = old.keys[key_rows[old_rows[signed]]]
        return live

    def _article(self, row: int) -> Article:
        number, docnum = self._where(row)
        return _stored(self.leaves[number], docnum)

    def _read_keys(self, rows: list[int]) -> None:
        """The band keys of `rows` from the index's column, where indexing put them.

        A segment without the column holds only articles too short to sign.
        """
        by_leaf: dict[int, list[int]] = {}
        for row in rows:
            by_leaf.setdefault(int(self.leaf_of[row]), []).append(row)
        for number, leaf_rows in by_leaf.items():
            leaf = self.leaves[number]
            if not leaf.has_column("band_keys"):
                continue
            column: Sequence[bytes]
            if len(leaf_rows) * _WHOLE_SHARE >= leaf.doc_count_all():  # a first build: all
                column = list(each_value(leaf, "band_keys"))
            else:
                column = leaf.column_reader("band_keys", translate=False)
            for row in leaf_rows:
                keys = keys_of(column[int(self.doc_of[row])])
                if keys is not None:
                    self.signed[row] = True
                    self.keys[row] = keys

    def pairs(self) -> tuple[Pair, ...]:
        """Take the changed articles' keys; then the kept pairs: old ones between unchanged, new.

        Short articles (no signature) pair only with their identical copies,
        chained in id order so that each set of copies is one cluster; those
        chains are made anew every time, so a removed copy never breaks a set.
        """
        import numpy as np

        self._read_keys(self.changed)
        asking = np.zeros(len(self.ids), dtype=bool)
        asking[self.changed] = True
        stable = {self.ids[row] for row in np.flatnonzero(self.signed & ~asking).tolist()}
        old_pairs = self.old.head.pairs if self.old else ()
        kept = [pair for pair in old_pairs if pair.a in stable and pair.b in stable]
        kept.extend(self._verified(_candidates(self.keys, self.signed, asking & self.signed)))
        short: dict[bytes, list[str]] = {}
        for row in np.flatnonzero(~self.signed).tolist():
            at = row * FINGERPRINT_BYTES
            fingerprint = self.fingerprints[at : at + FINGERPRINT_BYTES]
            short.setdefault(fingerprint, []).append(self.ids[row])
        for copies in short.values():  # in id order, as rows are
            kept.extend(Pair(a, b, 1.0) for a, b in itertools.pairwise(copies))
        kept.sort(key=lambda pair: (pair.a, pair.b))
        return tuple(kept)

    def _verified(self, candidates: list[tuple[int, int]]) -> Iterator[Pair]:
        """The proposed pairs (rows, lower first) with a band of equal values and at least FLOOR."""
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
                    yield Pair(self.ids[a], self.ids[b], estimate)

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


def _candidates(keys: Values, signed: Mask, asking: Mask) -> list[tuple[int, int]]:
    """Row pairs (lower first, sorted) of signed rows with an `asking` row and an equal band key.

    Per band, the rows sharing a key with an asking row are sorted by key,
    and only keys held by two rows or more make pairs: the banding of
    datasketch's `MinHashLSH(params=(BANDS, ROWS))`, over all rows at once
    in numpy (its in-memory index costs 0.35 ms an insertion).
    """
    import numpy as np

    rows = np.flatnonzero(signed)
    asked = np.flatnonzero(asking)
    found: set[tuple[int, int]] = set()
    for band in range(BANDS) if len(asked) else ():
        column = keys[:, band]
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
