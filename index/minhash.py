"""MinHash signatures of articles, many at once: datasketch's "affine32" values, computed in bulk.

Model: an article's text (headline, body and quotes) is case-folded,
stripped of accents and cut into words (`words`); its *shingles* are the
distinct runs of `SHINGLE_WORDS` consecutive words, as UTF-8 bytes
(`shingles`). Its signature is, for each of `NUM_PERM` permutations
k, the least of `a_k * fmix32(h) + b_k` (mod 2**32) over its shingles,
where `h` is the shingle's 32-bit SHA-1 hash (its first four bytes, little
endian), `fmix32` is MurmurHash3's finaliser and (a_k, b_k) are drawn from
`np.random.RandomState(SEED)`: exactly what datasketch 2's
`MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").update_batch`
gives (a test compares them), so signatures stored by earlier versions
and the pairs found from them stay as they were. An article with fewer
than `MIN_SHINGLES` shingles gets no signature (None).

Why not datasketch itself: it builds an object per article, calls a Python
hash function per shingle and applies the permutations article by article,
and importing it (scipy) costs 0.4 s. Here the SHA-1 digests of many
articles' shingles are joined into one array, pre-mixed once and permuted
`_SLICE` shingles at a time (a slice of permuted values stays within the
CPU cache), the minimum taken per article with `np.minimum.reduceat`.
Words are found on bytes (`bytes.translate`, `split`) when the folded text
is ASCII, as most press text is: the regex over str finds the same words
at twice the cost. What is left per shingle is one join and one SHA-1 in
Python, about 60% of the time (measured on Reuters).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pressearch.models import Article

if TYPE_CHECKING:
    import numpy as np

    Values = np.ndarray[Any, np.dtype[np.uint32]]

SHINGLE_WORDS = 5
NUM_PERM = 128
MIN_SHINGLES = 5
SEED = 1
# Shingles permuted at once: 4,096 x 128 values of 4 bytes, 2 MB (measured
# fastest of 1k to 64k on Reuters: larger slices leave the cache).
_SLICE = 4096
# Shingles gathered before they are permuted: fewer, larger numpy calls.
_BATCH = 65536

_WORD = re.compile(r"\w+")
# ASCII bytes that `\w` does not match become spaces; `split` then gives the words.
_ASCII_WORDS = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128))
_ASCII_WORDS += b" " * 128


def words(text: str) -> list[str]:
    """`text` as comparable words: case-folded, accents removed, punctuation dropped."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).translate(_marks())
    return _WORD.findall(folded)


def _word_bytes(text: str) -> list[bytes]:
    """`words(text)`, each UTF-8 encoded: on bytes when the folded text is ASCII."""
    folded = text.casefold()
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_WORDS).split()
    return [word.encode("utf-8") for word in words(text)]


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark below U+20000 (NFKD splits accents off as these), to delete."""
    return dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))


def text_of(article: Article) -> str:
    """What is compared of an article: its headline, body and quotes."""
    return "\n".join((article.headline, article.body, *(q.text for q in article.quotes)))


def shingles(article: Article) -> set[bytes]:
    """The article's word shingles, over headline, body and quotes."""
    return _shingles(text_of(article))


def _shingles(text: str) -> set[bytes]:
    tokens = _word_bytes(text)
    runs = zip(*(tokens[i:] for i in range(SHINGLE_WORDS)), strict=False)  # to the shortest
    return set(map(b" ".join, runs))


def signature(article: Article) -> Values | None:
    """The article's MinHash values, or None when it is too short to compare."""
    return next(signatures([article]))


def signatures(articles: Iterable[Article]) -> Iterator[Values | None]:
    """The signature of each article (`signature`), in order, computed in batches.

    Lazy: it reads about `_BATCH` shingles' worth of articles ahead, so
    memory stays bounded whatever the number of articles.
    """
    sha1 = hashlib.sha1
    # Per signed article: its shingles' SHA-1 digests, whole (slicing each to
    # the 4 bytes used costs more than joining 20: 480 against 390 ns a shingle).
    digests: list[bytes] = []
    counts: list[int] = []  # per signed article: its number of shingles
    waiting: list[bool] = []  # per article: whether it is signed
    gathered = 0
    for article in articles:
        found = _shingles(text_of(article))
        signed = len(found) >= MIN_SHINGLES
        waiting.append(signed)
        if signed:
            digests.append(b"".join([sha1(shingle).digest() for shingle in found]))
            counts.append(len(found))
            gathered += len(found)
        if gathered >= _BATCH:
            yield from _rows(waiting, _minima(b"".join(digests), counts))
            digests, counts, waiting, gathered = [], [], [], 0
    if waiting:
        yield from _rows(waiting, _minima(b"".join(digests), counts) if counts else None)


def _rows(signed: list[bool], minima: Values | None) -> Iterator[Values | None]:
    row = 0
    for has in signed:
        if has:
            assert minima is not None
            yield minima[row]
            row += 1
        else:
            yield None


def _minima(digests: bytes, counts: list[int]) -> Values:
    """Per article (`counts` consecutive digests each), the least permuted hash per permutation."""
    import numpy as np

    a, b = permutations()
    # Each shingle's hash: the first 4 of its digest's 20 bytes, little endian.
    hashes = _fmix32(np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32))
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    out = np.empty((len(counts), NUM_PERM), dtype=np.uint32)
    for first in range(0, len(hashes), _SLICE):
        # The article running into this slice (or starting with it), and those starting in it.
        begin = int(np.searchsorted(starts, first, side="right")) - 1
        end = int(np.searchsorted(starts, first + _SLICE, side="left"))
        owners = np.arange(begin, end)
        local = np.maximum(starts[owners] - first, 0)
        # Permutations by rows: the minima are taken along contiguous memory
        # (3x faster than along columns, measured).
        permuted = np.multiply.outer(a, hashes[first : first + _SLICE])
        permuted += b[:, None]
        least = np.minimum.reduceat(permuted, local, axis=1).T
        if starts[begin] < first:  # continued from the slice before
            least[0] = np.minimum(least[0], out[begin])
        out[owners] = least
    return out


def _fmix32(values: Values) -> Values:
    """MurmurHash3's 32-bit finaliser, in place (datasketch's pre-mix of each hash)."""
    import numpy as np

    values ^= values >> np.uint32(16)
    values *= np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    values ^= values >> np.uint32(16)
    return values


@functools.cache
def permutations() -> tuple[Values, Values]:
    """(a, b) of the `NUM_PERM` permutations h -> a*h + b (mod 2**32), as datasketch draws them."""
    import numpy as np

    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b
