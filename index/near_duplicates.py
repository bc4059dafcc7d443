"""Near-duplicate articles: MinHash signatures, LSH candidates, verified pairs, in a sidecar file.

Model: two articles are near-duplicates when the Jaccard similarity of
their sets of word shingles (shared / all) is high. Each article gets a
MinHash signature of `NUM_PERM` values (`index.minhash`): the share of
equal values estimates that Jaccard similarity. Locality-sensitive
hashing (`BANDS` bands of `ROWS` values, see `_candidates`) proposes the
pairs worth comparing, so an archive is never compared pair by pair; a
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

The sidecar (`SIDECAR` in the index folder, format in
`index.near_duplicates_file`) holds the kept pairs (all that `duplicates`
reads) and, per article, a fingerprint of its text hash (the index's
`text_hash` column) and its band keys, not its signature. An update reads
the `id` and `text_hash` columns (no stored text), MinHashes only the
articles whose hash is new, drops removed ones, proposes pairs for the
changed articles from the band keys of all, and verifies them on whole
signatures: a changed article's from this run (`_Signatures`), an
unchanged one's hashed again from its stored text (the few a changed
article is proposed with: on Reuters, 2,092 of 21,577 articles are in a
proposed pair, so adding 2,197 articles hashes 20 old ones again). Then it
replaces the file atomically.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pressearch.errors import UsageError
from pressearch.index.minhash import MIN_SHINGLES, NUM_PERM, SEED, SHINGLE_WORDS, signatures
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
from pressearch.models import Article, DuplicateCluster

if TYPE_CHECKING:
    import numpy as np

    from pressearch.index.minhash import Values

    Mask = np.ndarray[Any, np.dtype[np.bool_]]

# numpy is imported where text is hashed or signatures compared: asking for
# clusters from a current sidecar, or an index run that changed nothing,
# needs none of it.

SIDECAR = ".near-duplicates"
BANDS, ROWS = 32, 4
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
    "band_key": "mix64-high32",  # see _band_keys
}
# Signatures whose band keys are computed at once (and written to the store).
_KEY_BATCH = 4096
# Candidate pairs verified at once: two signatures of 512 bytes each, 64 MB.
_VERIFY = 65536
# Bytes of a run's signatures kept in memory before they go to a temporary file.
_SPOOL = 64 * 1024 * 1024


@dataclass(frozen=True)
class Update:
    """What bringing the sidecar up to date did, and the pairs it now holds.

    `hashed`: articles MinHashed for their new or changed text; `reused`:
    articles whose text had not changed; `rehashed`: of those, the ones
    hashed again to verify a pair proposed with a changed one; `dropped`:
    articles gone from the index; `written`: whether the sidecar file was
    replaced (False when it was current, or the folder is read-only).
    """

    generation: int
    hashed: int
    reused: int
    dropped: int
    pairs: tuple[Pair, ...]
    written: bool
    rehashed: int = 0


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
        with (
            ix.reader() as reader,
            tempfile.SpooledTemporaryFile(max_size=_SPOOL, prefix="pressearch-") as spool,
        ):
            run = _Run(reader, old, _Signatures(spool))
            pairs = run.pairs()
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()
    written = old is None or old.head.generation != generation or bool(run.changed or run.dropped)
    if written:
        head = Head(generation, len(run.ids), pairs)
        stored = Stored(head, run.ids, run.fingerprints, run.signed, run.keys[run.signed])
        written = write(path, _PARAMS, stored)
    return Update(
        generation=generation,
        hashed=len(run.changed),
        reused=len(run.ids) - len(run.changed),
        dropped=run.dropped,
        pairs=pairs,
        written=written,
        rehashed=len(run.again),
    )


class _Run:
    """One update over an open reader: the live articles, which changed, their band keys, the pairs.

    Rows are the live articles in id order. The band keys of an unchanged
    article come from the old sidecar, a changed one's from its signature,
    hashed here in batches (`index.minhash.signatures`) and kept in
    `_Signatures` until its proposed pairs are verified.
    """

    def __init__(self, reader: Any, old: Stored | None, store: _Signatures) -> None:
        import numpy as np

        self.leaves = [leaf for leaf, _base in reader.leaf_readers()]
        found = dict(self._scan())  # an index holds an id once; were it twice, the last wins
        self.ids = sorted(found)
        self.fingerprints = b"".join(found[ident][0] for ident in self.ids)
        self.where = [found[ident][1:] for ident in self.ids]
        self.signed = np.zeros(len(self.ids), dtype=bool)
        self.keys = np.zeros((len(self.ids), BANDS), dtype=np.uint32)
        self.old = old
        self.store = store
        self.changed: list[int] = []  # rows to hash: new articles, or of a new text
        self.again: dict[int, Values | None] = {}  # unchanged rows hashed again
        if old is None:
            self.changed = list(range(len(self.ids)))
            self.dropped = 0
        else:
            self.dropped = old.head.articles - self._reuse(old, found)

    def _scan(self) -> Iterator[tuple[str, tuple[bytes, int, int]]]:
        """(id, (fingerprint of its text hash, leaf number, document number)) of each live article.

        Reads the columns segment by segment: a look-up by id per article
        would cost a term search in every segment.
        """
        for number, leaf in enumerate(self.leaves):
            if not leaf.has_column("id"):
                continue  # an index with no article yet
            ids = leaf.column_reader("id", translate=False)
            hashes = leaf.column_reader("text_hash", translate=False)
            deleted = leaf.has_deletions()
            for docnum, (raw_id, raw_hash) in enumerate(zip(ids, hashes, strict=True)):
                if not (deleted and leaf.is_deleted(docnum)):
                    yield raw_id.decode("utf-8"), (_fingerprint(raw_hash), number, docnum)

    def _reuse(self, old: Stored, found: dict[str, tuple[bytes, int, int]]) -> int:
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
                at = old_row * FINGERPRINT_BYTES
                if old.fingerprints[at : at + FINGERPRINT_BYTES] == found[ident][0]:
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
        number, docnum = self.where[row]
        return _stored(self.leaves[number], docnum)

    def _hash(self, rows: list[int]) -> None:
        """MinHash the articles of `rows`: their band keys here, their signatures to the store."""
        batch: list[int] = []
        values: list[Values] = []
        hashed = signatures(self._article(row) for row in rows)
        for row, signature in zip(rows, hashed, strict=True):
            if signature is not None:
                batch.append(row)
                values.append(signature)
            if len(batch) == _KEY_BATCH:
                self._keep(batch, values)
                batch, values = [], []
        if batch:
            self._keep(batch, values)

    def _keep(self, rows: list[int], values: list[Values]) -> None:
        import numpy as np

        matrix = np.stack(values)
        self.signed[rows] = True
        self.keys[rows] = _band_keys(matrix)
        self.store.write(rows, matrix)

    def pairs(self) -> tuple[Pair, ...]:
        """Hash the changed articles; then the kept pairs, old ones between unchanged ones and new.

        Short articles (no signature) pair only with their identical copies,
        chained in id order so that each set of copies is one cluster; those
        chains are made anew every time, so a removed copy never breaks a set.
        """
        import numpy as np

        self._hash(sorted(self.changed, key=self.where.__getitem__))  # in index order
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

        A changed article's is read from the store; an unchanged one's is
        hashed again from its stored text (once a run). Its text has the
        hash it had when it was signed, so it is signed again, unless the
        index's text and its `text_hash` column disagree (damage): that
        row is not usable.
        """
        import numpy as np

        again = [row for row in rows if row not in self.store and row not in self.again]
        self.again.update(zip(again, signatures(self._article(row) for row in again), strict=True))
        matrix = np.zeros((len(rows), NUM_PERM), dtype=np.uint32)
        usable = np.ones(len(rows), dtype=bool)
        from_store = [at for at, row in enumerate(rows) if row in self.store]
        matrix[from_store] = self.store.read([rows[at] for at in from_store])
        for at, row in enumerate(rows):
            if row not in self.store:
                values = self.again[row]
                if values is None:
                    usable[at] = False
                else:
                    matrix[at] = values
        return matrix, usable


class _Signatures:
    """This run's signatures by row, in a spooled temporary file: memory up to `_SPOOL`, then disk.

    Only the few rows in proposed pairs are read back, while a build of a
    million articles makes 512 MB of them.
    """

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.place: dict[int, int] = {}

    def __contains__(self, row: int) -> bool:
        return row in self.place

    def write(self, rows: list[int], matrix: Values) -> None:
        self.file.seek(0, os.SEEK_END)
        self.file.write(matrix.astype("<u4").tobytes())
        for row in rows:
            self.place[row] = len(self.place)

    def read(self, rows: list[int]) -> Values:
        import numpy as np

        width = NUM_PERM * 4
        parts = []
        for row in rows:
            self.file.seek(self.place[row] * width)
            parts.append(self.file.read(width))
        values = np.frombuffer(b"".join(parts), dtype="<u4").astype(np.uint32)
        return values.reshape(len(rows), NUM_PERM)


# Odd 64-bit constants that mix a band's ROWS values into one key.
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)


def _band_keys(matrix: Values) -> Values:
    """Each row's BANDS keys: a band's ROWS values mixed into 64 bits (wrapping), the high 32.

    Equal bands give equal keys; the rare unequal bands that share a key
    only propose a pair that verification drops (it compares the values).
    """
    import numpy as np

    mix = np.array(_MIX[:ROWS], dtype=np.uint64)
    bands = matrix.reshape(len(matrix), BANDS, ROWS).astype(np.uint64)
    mixed = (bands * mix).sum(axis=2, dtype=np.uint64)
    keys: Values = (mixed >> np.uint64(32)).astype(np.uint32)
    return keys


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
