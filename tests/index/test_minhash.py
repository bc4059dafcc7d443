"""MinHash signatures: datasketch's, with its default hash function, whatever the text.

The near-duplicate pairs stored in an index's sidecar, and every estimate
shown, come from these values; `index.minhash` computes them with
datasketch's MinHash (the shingles' SHA-1 hashes computed all at once and
handed over as integers), and must never drift from datasketch's
`MinHash(num_perm=128, seed=1, scheme="affine32").update_batch` of the shingles.
"""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.index import minhash
from pressearch.models import Article, Quote

WORDS = "police raid arrested network customs europol drug cocaine port seized the a of".split()


def reference(article: Article) -> np.ndarray | None:
    """The signature as datasketch computes it, shingle by shingle."""
    found = minhash.shingles(article)
    if len(found) < minhash.MIN_SHINGLES:
        return None
    sketch = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme="affine32")
    sketch.update_batch(found)
    return np.asarray(sketch.hashvalues, dtype=np.uint32)


def article(number: int, words: int, rng: random.Random) -> Article:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return Article(
        id=str(number),
        path=f"{number}.md",
        headline=f"Headline {number}",
        body=text,
        quotes=(Quote(text="«Ça va», dit Müller"),) if number % 3 == 0 else (),
    )


def same(one: np.ndarray | None, other: np.ndarray | None) -> bool:
    if one is None or other is None:
        return one is None and other is None
    return bool((one == other).all())


def test_the_signatures_are_datasketchs() -> None:
    # Stubs (no signature) and long articles among them; every signature is
    # compared once all are made (none is overwritten by the next).
    rng = random.Random(7)
    articles = [article(n, rng.choice([0, 3, 8, 40, 150, 700]), rng) for n in range(60)]
    made = list(minhash.signatures(articles))
    assert len(made) == len(articles)
    assert any(values is None for values in made)
    for one, values in zip(articles, made, strict=True):
        assert same(values, reference(one)), one.id
        assert values is None or values.dtype == np.uint32


def test_the_sketch_is_datasketchs(monkeypatch: pytest.MonkeyPatch) -> None:
    sketch = minhash._blank()
    assert isinstance(sketch, MinHash)
    assert (sketch.scheme, sketch.seed, len(sketch)) == ("affine32", minhash.SEED, minhash.NUM_PERM)
    default = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme="affine32")
    assert (sketch.permutations == default.permutations).all()
    # Every signature comes out of MinHash.update_batch, one call per signed article.
    calls: list[int] = []
    update_batch = MinHash.update_batch

    def spy(self: MinHash, values: list[int]) -> None:
        calls.append(len(values))
        update_batch(self, values)

    monkeypatch.setattr(MinHash, "update_batch", spy)
    rng = random.Random(5)
    articles = [article(n, words, rng) for n, words in enumerate([0, 50, 3, 120])]
    made = list(minhash.signatures(articles))
    assert [values is None for values in made] == [True, False, True, False]
    assert calls == [len(minhash.shingles(articles[1])), len(minhash.shingles(articles[3]))]


def test_one_signature_is_the_bulk_one() -> None:
    rng = random.Random(3)
    one = article(1, 200, rng)
    assert same(minhash.signature(one), reference(one))
    assert list(minhash.signatures([])) == []


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=200))
def test_the_words_found_on_bytes_are_the_words(text: str) -> None:
    # The fast path (ASCII text, on bytes) and the regex over str agree.
    assert minhash._word_bytes(text) == [word.encode("utf-8") for word in minhash.words(text)]


@pytest.mark.parametrize(
    "text",
    [
        "ASCII only: the_word, 42 and x2; end.",
        "Tab\tand\x0bvertical\x1fseparators\x7fdelete",
        "Straße ǅemal ﬁne İstanbul",  # casefold makes ASCII of some, not all
        "Ünïcödé àccents ARE dropped",
    ],
)
def test_the_words_found_on_bytes_are_the_words_for_edge_cases(text: str) -> None:
    assert minhash._word_bytes(text) == [word.encode("utf-8") for word in minhash.words(text)]


def reference_keys(values: np.ndarray) -> bytes:
    """The band keys of a signature, band by band in Python integers, as little-endian bytes."""
    keys = []
    for band in range(minhash.BANDS):
        chunk = values[band * minhash.ROWS : (band + 1) * minhash.ROWS]
        mixed = sum(int(v) * mix for v, mix in zip(chunk, minhash._MIX, strict=True)) % 2**64
        keys.append(mixed >> 32)
    return np.array(keys, dtype="<u4").tobytes()


def test_the_column_value_is_the_band_keys_of_the_signature() -> None:
    # What indexing stores per article; one sketch serves every call, so
    # stubs and long articles alternate to show nothing is left from the last.
    rng = random.Random(11)
    articles = [article(n, rng.choice([0, 3, 40, 300]), rng) for n in range(40)]
    for one in articles:
        values = reference(one)
        value = minhash.column_value(one)
        if values is None:
            assert value == b""
            assert minhash.keys_of(value) is None
        else:
            assert value == reference_keys(values)
            keys = minhash.keys_of(value)
            assert keys is not None and keys.dtype == np.uint32
            assert keys.astype("<u4").tobytes() == value
    assert minhash.keys_of(b"\0" * 12) is None  # only damage makes another length


# In a new process: this one has imported the whole of datasketch already.
_ALONE = """
import sys
from pressearch.index import minhash
from pressearch.models import Article

body = " ".join(f"word{i}" for i in range(40))
values = minhash.signature(Article(id="1", path="1.md", headline="h", body=body))
print(len(values), "scipy" in sys.modules, "datasketch.lsh" in sys.modules)
import datasketch
from datasketch import MinHash, MinHashLSH
print(MinHash is minhash._minhash_class(), datasketch.minhash.MinHash is MinHash)
print(sys.modules["datasketch"].lsh.MinHashLSH is MinHashLSH, hasattr(datasketch, "nothing"))
"""


def test_signing_imports_minhash_alone_and_datasketch_whole_later() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _ALONE], capture_output=True, text=True, check=True
    )
    signed, whole, lsh = done.stdout.splitlines()
    assert signed == f"{minhash.NUM_PERM} False False"
    assert (whole, lsh) == ("True True", "True False")
