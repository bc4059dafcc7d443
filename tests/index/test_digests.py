"""The compact digest set answers as a Python set of the same digests does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch.index.digests import SIZE, Digests, digest, digests_of

# Digests that share beginnings, and end in NUL bytes (numpy's fixed-width
# bytes drop them when read back), among random ones.
_DIGEST = st.one_of(
    st.binary(min_size=SIZE, max_size=SIZE),
    st.tuples(st.sampled_from([b"\0", b"a", b"\xff"]), st.integers(0, SIZE)).map(
        lambda t: t[0] * (SIZE - t[1]) + b"\0" * t[1]
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    batches=st.lists(st.lists(_DIGEST, max_size=12), max_size=6),
    probes=st.lists(_DIGEST, max_size=12),
)
def test_the_set_is_a_set(batches: list[list[bytes]], probes: list[bytes]) -> None:
    digests, reference = Digests(), set()
    for batch in batches:
        for one in batch:
            digests.add(one)
            reference.add(one)
        # Before and after settling, whatever was added (twice, or in an earlier batch).
        for wanted in (batch, probes, list(reference)):
            assert digests.among(wanted) == reference.intersection(wanted)
            assert [d in digests for d in wanted] == [d in reference for d in wanted]
        assert len(digests) == len(reference)
        assert digests.among(batch) == set(batch)
        other = Digests(digests_of(b"".join(probes)))
        assert digests.common(other) == len(reference.intersection(probes))
        assert len(other) == len(set(probes))


def test_an_id_has_one_digest_of_its_size() -> None:
    assert digest("a/1") == digest("a/1")
    assert digest("a/1") != digest("a/2")
    assert {len(digest(i)) for i in ("", "x", "é" * 300, "\ud800")} == {SIZE}
