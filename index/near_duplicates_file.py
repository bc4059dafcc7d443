"""The near-duplicate sidecar on disk: a line of JSON for the pairs, then a checked binary body.

Model: the file holds what an update of the pairs needs besides the index
itself: for every live article (by id, sorted), a fingerprint of its text
hash, whether it has a signature, and if so its `BANDS` LSH band keys
(32-bit, see `index.near_duplicates`); and the kept pairs. It holds no
signature: verifying a proposed pair needs two whole signatures, and an
update hashes the few articles of proposed pairs again from their stored
text, rather than keep 512 bytes an article for them. The keys of a new or
changed article come from the index's `band_keys` column, where indexing
put them (`index.minhash.column_value`). So an article costs
about 160 bytes (16 + 1 + 128 and its id) against the 735 of the JSON
format before it.

    line 1   JSON: {"format", "params", "generation", "articles",
             "signed", "pairs": [[a, b, similarity], ...],
             "body": {"bytes", "blake2b"}}
    body     ids: a JSON array of strings, sorted, then a newline;
             fingerprints: 16 bytes an article;
             signed: one byte an article, 0 or 1;
             keys: BANDS little-endian uint32 a signed article.

`duplicates` reads only the first line (`read_head`); an update reads the
body too (`read`), and takes it only when its length and BLAKE2b digest
are the ones the first line states and every part has the size the
counts give. Anything else (a missing, torn, damaged, hostile or older
file) reads as None, and the caller starts over from the index, which has
it all: nothing in the file is ever executed or unpickled. It is written
whole to a temporary name and renamed (`write`), so a reader sees the old
file or the new one. Its name starts with a dot: the index's cleanup
(`index.store.remove_work_folders`, Whoosh's removal of replaced
segments) and its foreign-file check leave such names alone, and `check`
looks only at segments, so it lives and goes with the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import numpy as np

    Keys = np.ndarray[Any, np.dtype[np.uint32]]
    Mask = np.ndarray[Any, np.dtype[np.bool_]]

FORMAT = "pressearch near-duplicates"
FINGERPRINT_BYTES = 16
# The JSON sidecar of earlier versions (signatures as base64): replaced, and removed, by `write`.
_OLD_SIDECAR = ".near-duplicates.json"
# The errors a damaged or hostile file can raise while it is parsed.
_DAMAGE = (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


@dataclass(frozen=True)
class Pair:
    """Two articles (ids, `a` < `b`) and their estimated Jaccard similarity."""

    a: str
    b: str
    similarity: float


@dataclass(frozen=True)
class Head:
    """The first line: what the file describes, and the pairs."""

    generation: int
    articles: int
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Stored:
    """The whole file: per article (ids sorted) its fingerprint, whether signed, and band keys.

    `keys` has a row per signed article, in id order.
    """

    head: Head
    ids: list[str]
    fingerprints: bytes
    signed: Mask
    keys: Keys


def read_head(path: Path, params: dict[str, Any]) -> Head | None:
    """The first line of the sidecar at `path`, or None when it is not one made with `params`."""
    try:
        with _open(path) as lines:
            return _head(json.loads(lines.readline()), params)[0]
    except _DAMAGE:
        return None


def _open(path: Path) -> BinaryIO:
    """`path` open for reading; OSError unless it is a regular file (a FIFO would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def read(path: Path, params: dict[str, Any], bands: int) -> Stored | None:
    """The whole sidecar at `path`, checked; None when it is not a whole one made with `params`."""
    import numpy as np

    try:
        with _open(path) as lines:
            head, signed_count, size, digest = _head(json.loads(lines.readline()), params)
            if os.fstat(lines.fileno()).st_size - lines.tell() != size:
                return None  # torn, or a size that is not the file's
            body = lines.read(size)
        if len(body) != size or hashlib.blake2b(body, digest_size=16).hexdigest() != digest:
            return None
        end = body.index(b"\n")
        ids = json.loads(body[:end])
        if not (isinstance(ids, list) and len(ids) == head.articles):
            return None
        if not all(isinstance(ident, str) for ident in ids):
            return None
        if any(one >= other for one, other in itertools.pairwise(ids)):
            return None  # not sorted, or an id twice
        n = head.articles
        fingerprints = body[end + 1 : end + 1 + n * FINGERPRINT_BYTES]
        flags = np.frombuffer(body, dtype=np.uint8, count=n, offset=end + 1 + len(fingerprints))
        keys = np.frombuffer(body, dtype="<u4", offset=end + 1 + len(fingerprints) + n)
        if len(fingerprints) != n * FINGERPRINT_BYTES or flags.max(initial=0) > 1:
            return None
        if int(flags.sum()) != signed_count or keys.size != signed_count * bands:
            return None
        signed = flags.astype(bool)
        return Stored(head, ids, fingerprints, signed, keys.astype(np.uint32).reshape(-1, bands))
    except _DAMAGE:
        return None


def _head(line: object, params: dict[str, Any]) -> tuple[Head, int, int, str]:
    """The head, the number of signed articles, the body's size and digest; else ValueError."""
    if not (isinstance(line, dict) and line.get("format") == FORMAT):
        raise ValueError("not a near-duplicate sidecar")
    if line.get("params") != params:
        raise ValueError("made with other parameters")
    pairs = []
    for a, b, similarity in line["pairs"]:
        if not (isinstance(a, str) and isinstance(b, str) and a < b):
            raise ValueError("a pair that is not two ids in order")
        if not 0 <= float(similarity) <= 1:
            raise ValueError("a similarity out of range")
        pairs.append(Pair(a, b, float(similarity)))
    numbers = (line["generation"], line["articles"], line["signed"], line["body"]["bytes"])
    if not all(type(number) is int for number in numbers) or min(numbers) < -1:
        raise ValueError("a count that is not one")
    generation, articles, signed, size = numbers
    if min(articles, signed, size) < 0:
        raise ValueError("a negative count")
    digest = line["body"]["blake2b"]
    if not isinstance(digest, str):
        raise ValueError("no digest")
    return Head(generation, articles, tuple(pairs)), signed, size, digest


def write(path: Path, params: dict[str, Any], stored: Stored) -> bool:
    """Replace the sidecar at `path` with `stored`, atomically; False when it cannot be written.

    The body is made twice, a piece at a time: once for its length and
    digest (which the first line states), once to write it. Made whole, it
    and its parts held ~600 MB at 1,000,000 articles.
    """
    import numpy as np

    digest, size = hashlib.blake2b(digest_size=16), 0
    for piece in _body(stored):
        digest.update(piece)
        size += len(piece)
    head = {
        "format": FORMAT,
        "params": params,
        "generation": stored.head.generation,
        "articles": stored.head.articles,
        "signed": int(np.count_nonzero(stored.signed)),
        "pairs": [[pair.a, pair.b, pair.similarity] for pair in stored.head.pairs],
        "body": {"bytes": size, "blake2b": digest.hexdigest()},
    }
    # One temporary name per process (two updates at once each rename a whole
    # file; the last one stays), readable as the index's other files are.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as out:
            out.write(json.dumps(head, separators=(",", ":")).encode("ascii") + b"\n")
            for piece in _body(stored):
                out.write(piece)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False
    with contextlib.suppress(OSError):
        os.unlink(path.with_name(_OLD_SIDECAR))  # 15 MB on a 20,000-article archive
    return True


# Articles a piece of the body holds.
_PIECE = 65536


def _body(stored: Stored) -> Iterator[bytes]:
    """The file's body in pieces: ids (the JSON array `json.dumps` makes, in slices),
    fingerprints, signed flags, keys."""
    import numpy as np

    ids = stored.ids
    yield b"["
    for start in range(0, len(ids), _PIECE):
        comma = b"," if start else b""
        yield comma + json.dumps(ids[start : start + _PIECE], separators=(",", ":"))[1:-1].encode(
            "ascii"
        )
    yield b"]\n"
    yield stored.fingerprints
    yield stored.signed.astype(np.uint8).tobytes()
    for start in range(0, len(stored.keys), _PIECE):
        yield stored.keys[start : start + _PIECE].astype("<u4").tobytes()
