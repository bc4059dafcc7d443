"""MinHash in bulk: the very values datasketch gives, whatever the text and however it is batched.

The near-duplicate pairs stored in an index's sidecar, and every estimate
shown, come from these values; `index.minhash` computes them many
articles at once, and must never drift from datasketch's
`MinHash(num_perm=128, seed=1, scheme="affine32").update_batch`.
"""

from __future__ import annotations

import random

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


def test_the_permutations_are_datasketchs() -> None:
    a, b = minhash.permutations()
    sketch = MinHash(num_perm=minhash.NUM_PERM, seed=minhash.SEED, scheme="affine32")
    assert (sketch.permutations[0] == a).all()
    assert (sketch.permutations[1] == b).all()


def test_bulk_signatures_are_datasketchs_across_slices_and_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small slices and batches, so that articles run across both; stubs
    # (no signature) and long articles among them.
    monkeypatch.setattr(minhash, "_SLICE", 64)
    monkeypatch.setattr(minhash, "_BATCH", 300)
    rng = random.Random(7)
    articles = [article(n, rng.choice([0, 3, 8, 40, 150, 700]), rng) for n in range(60)]
    bulk = list(minhash.signatures(articles))
    assert len(bulk) == len(articles)
    assert any(values is None for values in bulk)
    for one, values in zip(articles, bulk, strict=True):
        assert same(values, reference(one)), one.id


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
