"""The near-duplicate sidecar on disk: a line of JSON for the pairs, then a checked binary body.

Model: the file holds what an update of the pairs needs besides the index
itself: for every live article (by the digest of its id, sorted), a
fingerprint of its text hash, whether it has a signature, and if so its
`BANDS` LSH band keys (32-bit, see `index.near_duplicates`); and the kept
pairs. It holds no signature: verifying a proposed pair needs two whole
signatures, and an update hashes the few articles of proposed pairs again
from their stored text, rather than keep 512 bytes an article for them.
The keys of a new or changed article come from the index's `band_keys`
column, where indexing put them (`index.minhash.column_value`). So an
article costs 161 bytes (16 + 16 + 1 + 128).

    line 1   JSON: {"format", "params", "generation", "articles",
             "signed", "pairs": [[a, b, similarity], ...],
             "body": {"bytes", "blake2b"}}
    body     ids: the 16-byte digest of each id (`index.digests.digest`), ascending;
             fingerprints: 16 bytes an article;
             signed: one byte an article, 0 or 1;
             keys: band by band, a little-endian uint32 a signed article.

Band by band, and ids as digests, so that an update never holds the whole
file: it reads the digests, fingerprints and flags (33 bytes an article),
and then one band's keys at a time, which is all that proposing pairs
(`index.near_duplicates._candidates`) looks at at once; and it writes the
file the same way. With ids as strings and keys article by article, an
update of a 1,000,000-article index held 849 MB at its peak (measured).

`duplicates` reads only the first line (`read_head`); an update reads the
body too (`read`), and takes it only when its length and BLAKE2b digest
are the ones the first line states and every part has the size the
counts give. Anything else (a missing, torn, damaged, hostile or older
file) reads as None, and the caller starts over from the index, which has
it all: nothing in the file is ever executed or unpickled. It is written
whole to a temporary name and renamed (`write`), so a reader sees the old
file or the new one; a reader keeps the file it checked open, and reads
its bands from it. Its name starts with a dot: the index's cleanup
(`index.store.remove_work_folders`, Whoosh's removal of replaced
segments) and its foreign-file check leave such names alone, and `check`
looks only at segments, so it lives and goes with the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import numpy as np

    Keys = np.ndarray[Any, np.dtype[np.uint32]]
    Mask = np.ndarray[Any, np.dtype[np.bool_]]
    Ids = np.ndarray[Any, np.dtype[np.bytes_]]

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
    """The whole file: per article (by id digest, ascending) its fingerprint, whether
    signed, and band keys.

    `ids` and `fingerprints` are arrays of 16-byte strings (`index.digests`);
    `band(b)` gives band `b`'s keys of the signed articles, in their order.
    """

    head: Head
    ids: Ids
    fingerprints: Ids
    signed: Mask
    band: Callable[[int], Keys]


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


@contextlib.contextmanager
def read(path: Path, params: dict[str, Any], bands: int) -> Iterator[Stored | None]:
    """The sidecar at `path`, checked, its bands read as asked while the block lasts;
    None when it is not a whole one made with `params`."""
    try:
        lines = _open(path)
    except _DAMAGE:
        yield None
        return
    with lines:
        try:
            stored = _checked(lines, params, bands)
        except _DAMAGE:
            stored = None
        yield stored


# Bytes read at once while the body's digest is checked.
_CHUNK = 1 << 22


def _checked(lines: BinaryIO, params: dict[str, Any], bands: int) -> Stored | None:
    """The sidecar open as `lines`, when its body is whole and has the digest and the
    sizes its head states: its per-article parts read, its bands left in the file."""
    import numpy as np

    from pressearch.index.digests import SIZE, digests_of

    head, signed_count, size, digest = _head(json.loads(lines.readline()), params)
    start = lines.tell()
    n = head.articles
    rows = n * (SIZE + FINGERPRINT_BYTES + 1)
    if os.fstat(lines.fileno()).st_size - start != size or size != rows + 4 * bands * signed_count:
        return None  # torn, or a size that is not the file's or the counts'
    per_article = lines.read(rows)
    hashed = hashlib.blake2b(per_article, digest_size=16)
    for chunk in iter(lambda: lines.read(_CHUNK), b""):
        hashed.update(chunk)
    if len(per_article) != rows or hashed.hexdigest() != digest:
        return None
    parts = memoryview(per_article)  # views of the bytes read, not copies of them
    ids = digests_of(parts[: n * SIZE])
    fingerprints = digests_of(parts[n * SIZE : n * (SIZE + FINGERPRINT_BYTES)])
    flags = np.frombuffer(per_article, dtype=np.uint8, offset=n * (SIZE + FINGERPRINT_BYTES))
    if not bool((ids[1:] > ids[:-1]).all()):
        return None  # not sorted, or an id twice
    if flags.max(initial=0) > 1 or int(np.count_nonzero(flags)) != signed_count:
        return None
    fd, keys_at, band_bytes = lines.fileno(), start + rows, 4 * signed_count

    def band(number: int) -> Keys:
        raw = os.pread(fd, band_bytes, keys_at + number * band_bytes)
        if len(raw) != band_bytes:
            raise OSError(f"{lines.name}: shortened while it was read")
        keys: Keys = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
        return keys

    return Stored(head, ids, fingerprints, flags.astype(bool), band)


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


def write(path: Path, params: dict[str, Any], stored: Stored, bands: int) -> bool:
    """Replace the sidecar at `path` with `stored`, atomically; False when it cannot be written.

    The body is written a part at a time (the keys a band at a time, from
    `stored.band`), and its digest, which the first line states, is filled
    in last: the first line's length does not depend on it.
    """
    import numpy as np

    from pressearch.index.digests import SIZE

    signed_count = int(np.count_nonzero(stored.signed))
    body_bytes = len(stored.ids) * (SIZE + FINGERPRINT_BYTES + 1) + 4 * bands * signed_count
    placeholder = "0" * 32
    head = {
        "format": FORMAT,
        "params": params,
        "generation": stored.head.generation,
        "articles": stored.head.articles,
        "signed": signed_count,
        "pairs": [[pair.a, pair.b, pair.similarity] for pair in stored.head.pairs],
        "body": {"bytes": body_bytes, "blake2b": placeholder},
    }
    line = json.dumps(head, separators=(",", ":")).encode("ascii") + b"\n"
    digest_at = line.rindex(placeholder.encode("ascii"))  # the last field: the digest
    # One temporary name per process (two updates at once each rename a whole
    # file; the last one stays), readable as the index's other files are.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        try:
            with open(temp, "wb") as out:
                out.write(line)
                hashed, size = hashlib.blake2b(digest_size=16), 0
                for piece in _body(stored, bands):
                    hashed.update(piece)
                    size += len(piece)
                    out.write(piece)
                if size != body_bytes:
                    raise ValueError(f"{path}: the body is not the size its parts give")
                out.seek(digest_at)
                out.write(hashed.hexdigest().encode("ascii"))
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.unlink(path.with_name(_OLD_SIDECAR))  # 15 MB on a 20,000-article archive
    return True


def _body(stored: Stored, bands: int) -> Iterator[bytes]:
    """The file's body in parts: ids, fingerprints, signed flags, then each band's keys."""
    import numpy as np

    yield stored.ids.tobytes()
    yield stored.fingerprints.tobytes()
    yield stored.signed.astype(np.uint8).tobytes()
    for number in range(bands):
        yield stored.band(number).astype("<u4").tobytes()
