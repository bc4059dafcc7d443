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

Band by band, and ids as digests in order, so that an update never holds
the file: it reads the articles' parts (`Stored.rows`) and a band's keys
(`Stored.band`) a range of articles at a time, in id order, as it walks
the index's articles in that order (`index.near_duplicates._Run`); and it
writes the file a part at a time. With ids as strings and keys article by
article, an update of a 1,000,000-article index held 849 MB at its peak
(measured).

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
from collections.abc import Callable, Iterable, Iterator
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
    """A checked file, read a part at a time while it is open (see `read`).

    `rows(start, stop)` gives those articles' id digests and fingerprints
    (arrays of 16-byte strings, `index.digests`) and signed flags;
    `band(b, start, stop)` band `b`'s keys of the signed articles `start`
    to `stop` (counted among the signed ones).
    """

    head: Head
    signed_count: int
    rows: Callable[[int, int], tuple[Ids, Ids, Mask]]
    band: Callable[[int, int, int], Keys]


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


# Bytes read at once while the body is checked.
_CHUNK = 1 << 22


def _checked(lines: BinaryIO, params: dict[str, Any], bands: int) -> Stored | None:
    """The sidecar open as `lines`, when its body is whole and has the digest and the
    sizes its head states, its ids ascending and its flags 0 or 1: its parts left in
    the file, read as asked."""
    import numpy as np

    from pressearch.index.digests import SIZE, digests_of

    head, signed_count, size, digest = _head(json.loads(lines.readline()), params)
    start = lines.tell()
    n = head.articles
    rows = n * (SIZE + FINGERPRINT_BYTES + 1)
    if os.fstat(lines.fileno()).st_size - start != size or size != rows + 4 * bands * signed_count:
        return None  # torn, or a size that is not the file's or the counts'
    hashed = hashlib.blake2b(digest_size=16)
    last = b""  # the id digest before the part read, to check the order across parts
    flagged = 0
    # Whole ids and whole flags a part at a time: the parts' sizes are multiples of both.
    step = _CHUNK - _CHUNK % SIZE
    for at in range(0, size, step):
        part = lines.read(min(step, size - at))
        if not part:
            return None
        hashed.update(part)
        ids_part = part[: max(0, n * SIZE - at)]
        if ids_part:
            ids = digests_of(last + ids_part) if last else digests_of(ids_part)
            if not bool((ids[1:] > ids[:-1]).all()):
                return None  # not sorted, or an id twice
            last = ids_part[-SIZE:]
        flags_from, flags_to = n * (SIZE + FINGERPRINT_BYTES), rows
        if at < flags_to and at + len(part) > flags_from:
            flags = np.frombuffer(part, dtype=np.uint8)[
                max(0, flags_from - at) : max(0, min(len(part), flags_to - at))
            ]
            if flags.max(initial=0) > 1:
                return None
            flagged += int(np.count_nonzero(flags))
    if hashed.hexdigest() != digest or flagged != signed_count:
        return None
    fd, keys_at, band_bytes = lines.fileno(), start + rows, 4 * signed_count

    def pread(length: int, offset: int) -> bytes:
        raw = os.pread(fd, length, offset)
        if len(raw) != length:
            raise OSError(f"{lines.name}: shortened while it was read")
        return raw

    def read_rows(first: int, stop: int) -> tuple[Ids, Ids, Mask]:
        count = stop - first
        ids = digests_of(pread(count * SIZE, start + first * SIZE))
        fingerprints = digests_of(pread(count * SIZE, start + n * SIZE + first * SIZE))
        flags = pread(count, start + n * (SIZE + FINGERPRINT_BYTES) + first)
        return ids, fingerprints, np.frombuffer(flags, dtype=np.uint8).astype(bool)

    def band(number: int, first: int, stop: int) -> Keys:
        raw = pread(4 * (stop - first), keys_at + number * band_bytes + 4 * first)
        keys: Keys = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
        return keys

    return Stored(head, signed_count, read_rows, band)


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


def write(
    path: Path,
    params: dict[str, Any],
    head: Head,
    signed_count: int,
    body: Iterable[bytes],
    bands: int,
) -> bool:
    """Replace the sidecar at `path` with one of `head` and `body`, atomically; False when
    it cannot be written.

    `body` gives the parts in the file's order (all ids, all fingerprints,
    all flags, then each band's keys), a piece at a time; the digest, which
    the first line states, is filled in last: the first line's length does
    not depend on it.
    """
    from pressearch.index.digests import SIZE

    body_bytes = head.articles * (SIZE + FINGERPRINT_BYTES + 1) + 4 * bands * signed_count
    placeholder = "0" * 32
    line_fields = {
        "format": FORMAT,
        "params": params,
        "generation": head.generation,
        "articles": head.articles,
        "signed": signed_count,
        "pairs": [[pair.a, pair.b, pair.similarity] for pair in head.pairs],
        "body": {"bytes": body_bytes, "blake2b": placeholder},
    }
    line = json.dumps(line_fields, separators=(",", ":")).encode("ascii") + b"\n"
    digest_at = line.rindex(placeholder.encode("ascii"))  # the last field: the digest
    # One temporary name per process (two updates at once each rename a whole
    # file; the last one stays), readable as the index's other files are.
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        try:
            with open(temp, "wb") as out:
                out.write(line)
                hashed, size = hashlib.blake2b(digest_size=16), 0
                for piece in body:
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
