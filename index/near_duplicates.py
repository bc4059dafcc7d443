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
it replaces the file atomically, written a part at a time too. An update
holds no memory by the article: its rows, the changed articles' keys and
each band's keys sorted are tables in temporary files
(`index.near_duplicates_update`); at 1,000,000 articles it peaks at
83–85 MB, where arrays held 150 MB and ids as strings 402 MB (849 MB over
an old sidecar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
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
)
from pressearch.index.near_duplicates_file import Head, Pair, read, read_head, write
from pressearch.index.near_duplicates_update import Run, stored_article
from pressearch.index.reader import (
    UNREADABLE,
    latest_generation,
    open_index,
    read_error,
)
from pressearch.index.whoosh_internals import segment_of, unmapped_segment_reader
from pressearch.models import Article, DuplicateCluster

if TYPE_CHECKING:
    from pressearch.index.minhash import Values

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
                run = Run(leaves, old, FLOOR)
                try:
                    pairs = run.pairs()
                    written = (
                        old is None
                        or old.head.generation != generation
                        or bool(run.changed_count or run.dropped)
                    )
                    if written:
                        head = Head(generation, len(run.table), pairs)
                        written = write(path, _PARAMS, head, run.signed_count, run.body(), BANDS)
                finally:
                    run.close()
        finally:
            for leaf in leaves:
                leaf.close()
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()
    return Update(
        generation=generation,
        changed=run.changed_count,
        reused=len(run.table) - run.changed_count,
        dropped=run.dropped,
        pairs=pairs,
        written=written,
        hashed=len(run.hashed),
    )


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
        ident: stored_article(leaf, docnum)
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
