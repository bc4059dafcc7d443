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

Band keys: for locality-sensitive hashing the signature is cut into `BANDS`
bands of `ROWS` values, and each band is mixed into one 32-bit key
(`band_keys`); articles with an equal key in some band are proposed as a
pair (`index.near_duplicates`). They are computed where the article is
indexed, in the indexing workers (`index.segments.document_fields` stores
`column_value` in the index's `band_keys` column, 128 bytes an article):
so the hashing runs in parallel with the rest of indexing, and the
near-duplicate update after a run reads keys instead of hashing text. The
whole signature (512 bytes) is not stored: the few articles in a proposed
pair are hashed again from their stored text to verify it.

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

datasketch's MinHash is imported when the first signature is asked for,
and without the rest of datasketch (`_minhash_class`): the package's
`__init__` imports all its sketches, and its LSH imports SciPy, 55 MB and
0.55 s of CPU per process (measured), paid by every indexing worker for a
class whose module needs numpy alone.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import operator
import re
import sys
import types
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
BANDS, ROWS = 32, 4
# Odd 64-bit constants that mix a band's ROWS values into one key.
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)

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
    sketch = _blank().copy()  # its own hash values; the permutations are shared
    for article in articles:
        found = _shingles(text_of(article))
        yield _sign(sketch, found) if len(found) >= MIN_SHINGLES else None


def _sign(sketch: MinHash, found: set[bytes]) -> Values:
    """The MinHash values of shingles `found`, computed on `sketch` (cleared first)."""
    import numpy as np

    sha1 = hashlib.sha1
    # sha1_hash32 of each shingle: the first 4 of its digest's 20 bytes, little endian
    # (joining whole digests costs less than slicing each).
    digests = b"".join([sha1(shingle).digest() for shingle in found])
    sketch.clear()
    sketch.update_batch(np.frombuffer(digests, dtype="<u4")[::5].tolist())
    values: Values = sketch.digest()
    return values


@functools.cache
def _column_sketch() -> MinHash:
    """`column_value`'s sketch: used whole within one call, so one per process serves."""
    return _blank().copy()


@functools.cache
def _blank() -> MinHash:
    """An empty sketch of our parameters, taking `sha1_hash32` values as they are."""
    # operator.index: the integer itself (3x cheaper a call than int, ~0.2 s on Reuters).
    return _minhash_class()(
        num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=operator.index
    )


def _minhash_class() -> type[MinHash]:
    """datasketch's MinHash class, with as little of datasketch imported as can be.

    When datasketch is not imported yet, its `minhash` module is imported
    under a stand-in for the package, whose `__init__` (all the sketches,
    SciPy) is not run; asking the stand-in for anything else (PEP 562's
    module `__getattr__`) imports the real package then, which takes the
    modules already imported as they are, so there is one MinHash class.
    """
    if "datasketch" not in sys.modules:
        spec = importlib.util.find_spec("datasketch")
        if spec is not None and spec.submodule_search_locations is not None:
            stand_in = types.ModuleType("datasketch", "datasketch, its modules imported one by one")
            stand_in.__path__ = list(spec.submodule_search_locations)
            setattr(stand_in, "__getattr__", _whole_datasketch)  # noqa: B010 (PEP 562)
            sys.modules["datasketch"] = stand_in
    found: type[MinHash] = importlib.import_module("datasketch.minhash").MinHash
    return found


def _whole_datasketch(name: str) -> Any:
    """Attribute `name` of the datasketch package, imported whole now in place of the
    stand-in (`_minhash_class`); the stand-in then answers as the package does."""
    stand_in = sys.modules.pop("datasketch")
    try:
        package = importlib.import_module("datasketch")
    except BaseException:
        sys.modules["datasketch"] = stand_in
        raise
    # The modules imported under the stand-in are attributes of it, not of the package.
    for key, value in vars(stand_in).items():
        if isinstance(value, types.ModuleType) and not hasattr(package, key):
            setattr(package, key, value)
    del stand_in.__dict__["__getattr__"]
    stand_in.__dict__.update(vars(package))
    return getattr(package, name)


def band_keys(matrix: Values) -> Values:
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


def column_value(article: Article) -> bytes:
    """The article's band keys as the index's column holds them: BANDS little-endian
    uint32, or empty when it is too short to sign."""
    found = _shingles(text_of(article))
    if len(found) < MIN_SHINGLES:
        return b""
    # On a sketch of its own, not through `signatures`: a copied sketch and a
    # generator per article cost ~10% of the hashing (measured on Reuters).
    values = _sign(_column_sketch(), found)
    return band_keys(values.reshape(1, NUM_PERM)).astype("<u4").tobytes()


def keys_of(value: bytes) -> Values | None:
    """The band keys of a `column_value`, or None for an article with none.

    A value of any other length than BANDS keys (only damage makes one) is
    taken as none too: the article is then paired with no other.
    """
    import numpy as np

    if len(value) != BANDS * 4:
        return None
    keys: Values = np.frombuffer(value, dtype="<u4").astype(np.uint32)
    return keys
