"""The digest set, in runs on disk, answers as a Python set of the same digests does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pressearch.index.digests as digests_module
import pressearch.index.sorted_tables as sorted_tables
from pressearch.index.digests import SIZE, Digests, digest, digests_of
from pressearch.index.sorted_tables import TableWriter

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


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(_DIGEST, max_size=9), max_size=8), probes=st.lists(_DIGEST))
def test_runs_merged_on_disk_answer_as_the_set(
    monkeypatch: pytest.MonkeyPatch, batches: list[list[bytes]], probes: list[bytes]
) -> None:
    # A run every two members, merged as they come; a few rows sorted in memory.
    monkeypatch.setattr(digests_module, "RECENT_MAX", 2)
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", 64)
    digests, reference = Digests(), set()
    for batch in batches:
        for one in batch:
            digests.add(one)
            reference.add(one)
        assert digests.among(probes + batch) == reference.intersection(probes + batch)
        assert len(digests) == len(reference)
    assert [d in digests for d in probes] == [d in reference for d in probes]
    assert sorted(d for chunk in digests.chunks() for d in chunk.tolist()) == sorted(
        d.rstrip(b"\0") for d in reference
    )
    digests.close()
    assert len(digests) == 0


@given(members=st.lists(_DIGEST, max_size=20))
def test_a_sorted_column_with_repeats_is_a_set(members: list[bytes]) -> None:
    writer = TableWriter(np.dtype([("d", f"S{SIZE}")]), ("d",))
    writer.append(np.array([(m,) for m in members], dtype=[("d", f"S{SIZE}")]))
    with writer.finish() as table:
        found = Digests.of_sorted(table, "d")
        assert len(found) == len(set(members))
        assert found.common(Digests(digests_of(b"".join(members)))) == len(set(members))
        assert [m in found for m in members] == [True] * len(members)
