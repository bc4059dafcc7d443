"""Near-duplicate articles: MinHash signatures, LSH candidates, verified pairs, in a sidecar file.

Model: an article's text (headline, body and quotes) is case-folded,
stripped of accents and cut into words; its *shingles* are the runs of
`SHINGLE_WORDS` consecutive words, and two articles are near-duplicates
when the Jaccard similarity of their shingle sets (shared / all) is high.
Each article gets a MinHash signature of `NUM_PERM` values (datasketch):
the share of equal values estimates that Jaccard similarity. Locality-
sensitive hashing (`BANDS` bands of `ROWS` values, see `_candidates`)
proposes the pairs worth comparing, so an archive is never compared pair by pair;
each proposed pair is verified on the whole signatures and kept when its
estimate is at least `FLOOR`. Clusters at a threshold are the connected
components of the kept pairs at or above it (`clusters`).

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

The sidecar, `SIDECAR` in the index folder, is two lines of JSON: the
parameters, the index generation it describes and the kept pairs (all that
`duplicates` reads), then every article's text hash (the index's
`text_hash` column) and signature (what only an update reads, most of the
bytes: 0.7 KB an article). Its name starts with a dot: the
index's cleanup (`index.store.remove_work_folders`, Whoosh's removal of
replaced segments) and its foreign-file check leave such names alone, and
`check` looks only at segments, so it lives and goes with the index. An
update reads the `id` and `text_hash` columns (no stored text), MinHashes
only the articles whose hash is new, drops removed ones, re-verifies only
the pairs touching a changed article, and replaces the file atomically. The
LSH bands are not stored: they are a slice of each stored signature, rebuilt
in memory in one pass without hashing any text.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressearch.errors import UsageError
from pressearch.index.reader import (
    UNREADABLE,
    latest_generation,
    open_index,
    read_error,
)
from pressearch.models import Article, DuplicateCluster

if TYPE_CHECKING:
    import numpy as np

    Values = np.ndarray[Any, np.dtype[np.uint32]]

# numpy and datasketch (which imports scipy, ~0.4 s) are imported where text
# is hashed or signatures compared: asking for clusters from a current
# sidecar, or an index run that changed nothing, needs neither.

SIDECAR = ".near-duplicates.json"
SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS, ROWS = 32, 4
FLOOR = 0.5
MIN_SHINGLES = 5
# datasketch 2's default scheme; its signatures are not comparable with 1.x ones.
_SCHEME = "affine32"
_SEED = 1
# What the stored signatures depend on: a sidecar made with others is recomputed.
_PARAMS = {
    "format": 1,
    "shingle_words": SHINGLE_WORDS,
    "num_perm": NUM_PERM,
    "scheme": _SCHEME,
    "seed": _SEED,
    "min_shingles": MIN_SHINGLES,
    "floor": FLOOR,
}

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Pair:
    """Two articles (ids, `a` < `b`) and their estimated Jaccard similarity."""

    a: str
    b: str
    similarity: float


@dataclass(frozen=True)
class Update:
    """What bringing the sidecar up to date did, and the pairs it now holds.

    `hashed`: articles MinHashed (new or changed text); `reused`: signatures
    kept; `dropped`: articles gone from the index; `written`: whether the
    sidecar file was replaced (False when it was current, or the folder is
    read-only).
    """

    generation: int
    hashed: int
    reused: int
    dropped: int
    pairs: tuple[Pair, ...]
    written: bool


def words(text: str) -> list[str]:
    """`text` as comparable words: case-folded, accents removed, punctuation dropped."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).translate(_marks())
    return _WORD.findall(folded)


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark below U+20000 (NFKD splits accents off as these), to delete."""
    return dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))


def shingles(article: Article) -> set[bytes]:
    """The article's word shingles, over headline, body and quotes."""
    text = "\n".join((article.headline, article.body, *(q.text for q in article.quotes)))
    tokens = words(text)
    return {
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8")
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    }


def signature(article: Article) -> Values | None:
    """The article's MinHash values, or None when it is too short to compare."""
    import numpy as np
    from datasketch import MinHash

    found = shingles(article)
    if len(found) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_permutations())
    minhash.update_batch(found)
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


@functools.cache
def _permutations() -> Any:
    """The permutations of `_SEED`, drawn once rather than for every article."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations


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

    A sidecar of the index's latest generation is current, and only read
    (its signatures not even decoded); `force` checks every article's text
    hash anyway (after a rebuild, whose generations may start over).
    Raises what opening the index raises (IndexNotFoundError and the like).
    A folder that cannot be written is not an error: the pairs are returned
    and the work is done again by the next call that can write.
    """
    generation = latest_generation(index_dir)  # before reading: a racing commit makes it stale
    if not force:
        current = _load(index_dir / SIDECAR, signatures=False)
        if current is not None and current.generation == generation:
            return Update(generation, 0, current.articles, 0, current.pairs, written=False)
    old = _load(index_dir / SIDECAR) or _State(-1, {}, (), 0)
    present, changed = _read_changes(index_dir, old.signatures)
    signatures = {ident: old.signatures[ident] for ident in present if ident not in changed}
    for ident, (text_hash, article) in changed.items():
        signatures[ident] = _Signature(text_hash, signature(article))
    dropped = sum(1 for ident in old.signatures if ident not in present)
    pairs = _pairs(signatures, old.pairs, set(changed))
    state = _State(generation, signatures, pairs, len(signatures))
    written = old.generation != generation or bool(changed) or bool(dropped)
    if written:
        written = _save(index_dir / SIDECAR, state)
    return Update(
        generation=generation,
        hashed=len(changed),
        reused=len(signatures) - len(changed),
        dropped=dropped,
        pairs=pairs,
        written=written,
    )


@dataclass(frozen=True)
class _Signature:
    text_hash: str
    values: Values | None  # None: too short to compare


@dataclass(frozen=True)
class _State:
    generation: int
    signatures: dict[str, _Signature]  # empty when loaded without them
    pairs: tuple[Pair, ...]
    articles: int  # how many articles the signatures are of


def _read_changes(
    index_dir: Path, known: dict[str, _Signature]
) -> tuple[set[str], dict[str, tuple[str, Article]]]:
    """The ids of the index's live articles, and those whose text hash is not `known`.

    Only the columns are read for every article; the stored record (the
    text) only for the changed ones.
    """
    present: set[str] = set()
    changed: dict[str, tuple[str, Article]] = {}
    for ident, text_hash, leaf, docnum in _live_articles(index_dir, "text_hash"):
        present.add(ident)
        entry = known.get(ident)
        if entry is None or entry.text_hash != text_hash:
            changed[ident] = (text_hash, _stored(leaf, docnum))
    return present, changed


def _live_articles(index_dir: Path, column: str | None) -> Iterator[tuple[str, str, Any, int]]:
    """(id, value of `column` or "", segment reader, document number) of every live article.

    Reads the columns segment by segment: a look-up by id per article would
    cost a term search in every segment. The stored record is read from
    the segment reader and document number (`_stored`) only when needed.
    """
    ix = open_index(index_dir)
    try:
        with ix.reader() as reader:
            for leaf, _base in reader.leaf_readers():
                if not leaf.has_column("id"):
                    continue  # an index with no article yet
                ids = leaf.column_reader("id", translate=False)
                values = leaf.column_reader(column, translate=False) if column else repeat(b"")
                deleted = leaf.has_deletions()
                # Not strict: without a column, `values` is endless.
                for docnum, (raw_id, raw_value) in enumerate(zip(ids, values, strict=False)):
                    if not (deleted and leaf.is_deleted(docnum)):
                        yield raw_id.decode("utf-8"), raw_value.decode("utf-8"), leaf, docnum
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    finally:
        ix.close()


def _stored(leaf: Any, docnum: int) -> Article:
    return Article.from_dict(json.loads(leaf.stored_fields(docnum)["record"]))


def _pairs(
    signatures: dict[str, _Signature], old: Sequence[Pair], changed: set[str]
) -> tuple[Pair, ...]:
    """The kept pairs: old ones between unchanged live articles, new ones found by LSH.

    Short articles (no signature) pair only with their identical copies,
    chained in id order so that each set of copies is one cluster; those
    chains are made anew every time, so a removed copy never breaks a set.
    """
    comparable = {
        ident: entry.values for ident, entry in signatures.items() if entry.values is not None
    }
    kept = [
        pair
        for pair in old
        if pair.a in comparable
        and pair.b in comparable
        and pair.a not in changed
        and pair.b not in changed
    ]
    ids = sorted(comparable)
    asking = [row for row, ident in enumerate(ids) if ident in changed]
    if asking:
        import numpy as np

        matrix = np.stack([comparable[ident] for ident in ids])
        seen = {(pair.a, pair.b) for pair in kept}
        for one, other in sorted(_candidates(matrix, asking)):
            if (ids[one], ids[other]) not in seen:
                estimate = similarity(matrix[one], matrix[other])
                if estimate >= FLOOR:
                    kept.append(Pair(ids[one], ids[other], estimate))
    short: dict[str, list[str]] = {}
    for ident, entry in signatures.items():
        if entry.values is None:
            short.setdefault(entry.text_hash, []).append(ident)
    for copies in short.values():
        kept.extend(Pair(a, b, 1.0) for a, b in itertools.pairwise(sorted(copies)))
    kept.sort(key=lambda pair: (pair.a, pair.b))
    return tuple(kept)


# Odd 64-bit constants that mix a band's ROWS values into one key.
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)


def _candidates(matrix: Values, asking: list[int]) -> set[tuple[int, int]]:
    """Row pairs (lower first) of `matrix` with an `asking` row and an equal band.

    Each band's values become one 64-bit key (the products wrap modulo
    2**64): equal bands give equal keys, and the rare unequal bands that
    collide only add a candidate that verification drops. The banding of
    datasketch's `MinHashLSH(params=(BANDS, ROWS))`, over the whole matrix at
    once: its in-memory index costs 0.35 ms an insertion, so re-inserting
    20,000 stored signatures to place ten changed ones took 7.5 s.
    """
    import numpy as np

    mix = np.array(_MIX[:ROWS], dtype=np.uint64)
    bands = matrix.reshape(len(matrix), BANDS, ROWS).astype(np.uint64)
    keys = (bands * mix).sum(axis=2, dtype=np.uint64)
    found: set[tuple[int, int]] = set()
    for band in range(BANDS):
        column = keys[:, band]
        asked: dict[int, list[int]] = {}
        for row in asking:
            asked.setdefault(int(column[row]), []).append(row)
        hits = np.isin(column, np.fromiter(asked, dtype=np.uint64, count=len(asked)))
        for row in np.flatnonzero(hits).tolist():
            for other in asked[int(column[row])]:
                if other != row:
                    found.add((min(row, other), max(row, other)))
    return found


def _load(path: Path, *, signatures: bool = True) -> _State | None:
    """The sidecar's state, or None when it is missing, unreadable or of other parameters.

    Without `signatures`, only its first line is read: the pairs.
    """
    try:
        with open(path, "rb") as lines:
            head = json.loads(lines.readline())
            if not isinstance(head, dict) or head.get("params") != _PARAMS:
                return None
            pairs = tuple(Pair(str(a), str(b), float(s)) for a, b, s in head["pairs"])
            decoded = {}
            if signatures:
                decoded = {
                    str(ident): _Signature(str(text_hash), _decode(sig))
                    for ident, (text_hash, sig) in json.loads(lines.readline()).items()
                }
        return _State(int(head["generation"]), decoded, pairs, int(head["articles"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # Missing, damaged or written by other code: start over, the index has it all.
        return None


def _decode(text: object) -> Values | None:
    if text is None:
        return None
    import numpy as np

    values = np.frombuffer(base64.b64decode(str(text), validate=True), dtype="<u4")
    if len(values) != NUM_PERM:
        raise ValueError("a signature of the wrong length")
    return values.astype(np.uint32)


def _encode(values: Values | None) -> str | None:
    if values is None:
        return None
    return base64.b64encode(values.astype("<u4").tobytes()).decode("ascii")


def _save(path: Path, state: _State) -> bool:
    """Replace the sidecar with `state` atomically; False when the folder cannot be written."""
    # Two lines: what `duplicates` reads (the pairs), then what only an update
    # reads (the signatures, most of the bytes).
    head = {
        "params": _PARAMS,
        "generation": state.generation,
        "articles": len(state.signatures),
        "pairs": [[pair.a, pair.b, pair.similarity] for pair in state.pairs],
    }
    articles = {
        ident: [entry.text_hash, _encode(entry.values)]
        for ident, entry in sorted(state.signatures.items())
    }
    # One temporary name per process (two updates at once each rename a whole
    # file; the last one stays), readable as the index's other files are.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "w", encoding="utf-8") as out:
            for line in (head, articles):
                out.write(json.dumps(line, separators=(",", ":")) + "\n")
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False
    return True


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
        for ident, _, leaf, docnum in _live_articles(index_dir, None)
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
