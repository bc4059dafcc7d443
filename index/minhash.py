"""MinHash signatures of articles: datasketch's MinHash over our word shingles.

Model: an article's text (headline, body and quotes) is case-folded,
stripped of accents and cut into words (`words`); its *shingles* are the
distinct runs of `SHINGLE_WORDS` consecutive words, as UTF-8 bytes
(`shingles`). That tokenising is ours; the signature is datasketch's:
`MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")` updated with
the article's shingles (`update_batch`), its `NUM_PERM` values (uint32),
so signatures stored by earlier versions and the pairs found from them
stay as they were (a test compares them with datasketch's defaults). An
article with fewer than `MIN_SHINGLES` shingles gets no signature (None).

One sketch, its permutations drawn once, is cleared and updated per
article (`MinHash.bulk` makes a new object per article: slower, measured).
Its hash function is datasketch's default, `sha1_hash32` (the first four
bytes of the shingle's SHA-1, little endian), computed here for all an
article's shingles at once (their digests joined, read with numpy) and
handed to `update_batch` as integers (`hashfunc=operator.index`): calling
`sha1_hash32` per shingle made the whole about 1.2x slower (Reuters);
the tests compare every signature with datasketch's own, default hash
function and all. Words are found on bytes
(`bytes.translate`, `split`) when the folded text is ASCII, as most press
text is: the regex over str finds the same words at twice the cost.

datasketch is imported when the first signature is asked for: importing
it (scipy, through its LSH module) costs 0.4 to 0.6 s of CPU.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pressearch.models import Article

if TYPE_CHECKING:
    import numpy as np
    from datasketch import MinHash

    Values = np.ndarray[Any, np.dtype[np.uint32]]

SHINGLE_WORDS = 5
NUM_PERM = 128
MIN_SHINGLES = 5
SEED = 1

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
    """The signature of each article (`signature`), in order; lazy, one article at a time."""
    import numpy as np

    sha1 = hashlib.sha1
    sketch = _blank().copy()  # its own hash values; the permutations are shared
    for article in articles:
        found = _shingles(text_of(article))
        if len(found) < MIN_SHINGLES:
            yield None
            continue
        # sha1_hash32 of each shingle: the first 4 of its digest's 20 bytes, little endian
        # (joining whole digests costs less than slicing each).
        digests = b"".join([sha1(shingle).digest() for shingle in found])
        sketch.clear()
        sketch.update_batch(np.frombuffer(digests, dtype="<u4")[::5].tolist())
        yield sketch.digest()


@functools.cache
def _blank() -> MinHash:
    """An empty sketch of our parameters, taking `sha1_hash32` values as they are."""
    from datasketch import MinHash

    # operator.index: the integer itself (3x cheaper a call than int, ~0.2 s on Reuters).
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=operator.index)
