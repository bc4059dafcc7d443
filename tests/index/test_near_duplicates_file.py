"""The near-duplicate sidecar on disk: compact, checked, and made again when it cannot be trusted.

A sidecar holds band keys and fingerprints, not signatures; a torn,
damaged or hostile one is never believed and never raises: the next
update makes it again from the index, with the very pairs an intact one
gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressearch import Archive
from pressearch.index import minhash, sorted_tables
from pressearch.index import near_duplicates as nd
from pressearch.index import near_duplicates_file as sidecar_file
from pressearch.index import near_duplicates_update as update_run
from pressearch.index.digests import digest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "near_duplicates"


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    archive_dir = tmp_path / "archive"
    shutil.copytree(FIXTURES, archive_dir)
    index_dir = tmp_path / "index"
    with Archive.create(index_dir) as archive:
        archive.index([archive_dir])
    return index_dir


def parts(path: Path) -> tuple[dict[str, object], bytes]:
    """The sidecar's first line (parsed) and its body."""
    head, _, body = path.read_bytes().partition(b"\n")
    parsed: dict[str, object] = json.loads(head)
    return parsed, body


def rewrite(path: Path, head: dict[str, object], body: bytes) -> None:
    """Write `head` and `body`, the head stating the body's true size and digest."""
    head = {**head, "body": {"bytes": len(body), "blake2b": blake(body)}}
    path.write_bytes(json.dumps(head).encode() + b"\n" + body)


def blake(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def test_the_sidecar_holds_keys_and_fingerprints_not_signatures(index_dir: Path) -> None:
    head, body = parts(index_dir / nd.SIDECAR)
    articles = [
        update_run.stored_article(leaf, docnum) for _, leaf, docnum in nd._live_articles(index_dir)
    ]
    assert head["articles"] == head["signed"] == len(articles) == 6
    # 16 bytes of id digest, 16 of fingerprint, 1 of flag, 32 keys of 4 bytes: no
    # 512-byte signature.
    assert len(body) == 6 * (16 + 16 + 1) + 6 * 32 * 4
    assert head["body"] == {"bytes": len(body), "blake2b": blake(body)}
    by_digest = sorted(articles, key=lambda article: digest(article.id))
    assert body[: 6 * 16] == b"".join(digest(article.id) for article in by_digest)
    # The keys band by band: band b holds each article's b-th key, in id-digest order.
    keys = np.frombuffer(body[6 * 33 :], dtype="<u4").reshape(minhash.BANDS, 6)
    columns = [minhash.column_value(article) for article in by_digest]
    expected = np.frombuffer(b"".join(columns), dtype="<u4").reshape(6, minhash.BANDS)
    assert (keys == expected.T).all()


def flip_a_key_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x40
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-3])


def append(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\0")


def claim_a_huge_body(path: Path) -> None:
    head, body = parts(path)
    head["body"] = {"bytes": 10**15, "blake2b": blake(body)}
    path.write_bytes(json.dumps(head).encode() + b"\n" + body)


def unsort_the_ids(path: Path) -> None:
    head, body = parts(path)
    ids = [body[at : at + 16] for at in range(0, 6 * 16, 16)]
    rewrite(path, head, b"".join(ids[::-1]) + body[6 * 16 :])


def repeat_an_id(path: Path) -> None:
    head, body = parts(path)
    rewrite(path, head, body[:16] * 2 + body[32:])


def miscount_the_signed(path: Path) -> None:
    head, body = parts(path)
    signed = head["signed"]
    assert isinstance(signed, int)
    rewrite(path, {**head, "signed": signed - 1}, body)


def flag_two(path: Path) -> None:
    head, body = parts(path)
    at = 6 * (16 + 16)
    rewrite(path, head, body[:at] + b"\x02" + body[at + 1 :])


def lose_a_band(path: Path) -> None:
    head, body = parts(path)
    rewrite(path, head, body[: -6 * 4])


DAMAGES: list[Callable[[Path], None]] = [
    flip_a_key_byte,
    truncate,
    append,
    claim_a_huge_body,
    unsort_the_ids,
    repeat_an_id,
    miscount_the_signed,
    flag_two,
    lose_a_band,
]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda damage: damage.__name__)
def test_a_damaged_body_is_made_again_from_the_index(
    index_dir: Path, damage: Callable[[Path], None]
) -> None:
    path = index_dir / nd.SIDECAR
    intact = nd.update(index_dir, force=True).pairs
    damage(path)
    with sidecar_file.read(path, nd._PARAMS, minhash.BANDS) as stored:
        assert stored is None
    update = nd.update(index_dir, force=True)
    assert (update.changed, update.pairs, update.written) == (6, intact, True)
    with sidecar_file.read(path, nd._PARAMS, minhash.BANDS) as stored:
        assert stored is not None


HOSTILE_HEADS: list[object] = [
    "not an object",
    {"format": "something else"},
    {"format": sidecar_file.FORMAT, "params": {"format": 1}},
    {"pairs": [[1, 2, 0.9]]},
    {"pairs": [["b", "a", 0.9]]},
    {"pairs": [["a", "b", 2.0]]},
    {"pairs": "ab"},
    {"generation": True},
    {"articles": -1},
    {"signed": 1.5},
    {"body": {"bytes": 10, "blake2b": None}},
]


@pytest.mark.parametrize("hostile", HOSTILE_HEADS, ids=repr)
def test_a_hostile_head_is_not_believed(index_dir: Path, hostile: object) -> None:
    path = index_dir / nd.SIDECAR
    intact = nd.current_pairs(index_dir)
    head, body = parts(path)
    line = {**head, **hostile} if isinstance(hostile, dict) else hostile
    path.write_bytes(json.dumps(line).encode() + b"\n" + body)
    assert sidecar_file.read_head(path, nd._PARAMS) is None
    assert nd.current_pairs(index_dir) == intact
    assert sidecar_file.read_head(path, nd._PARAMS) is not None


def test_a_sidecar_that_is_not_a_file_is_never_waited_for(index_dir: Path) -> None:
    path = index_dir / nd.SIDECAR
    intact = nd.current_pairs(index_dir)
    path.unlink()
    os.mkfifo(path)  # opening it for reading would block until a writer came
    assert nd.current_pairs(index_dir) == intact
    assert nd.update(index_dir, force=True).pairs == intact


def test_the_json_sidecar_of_earlier_versions_goes(index_dir: Path) -> None:
    (index_dir / nd.SIDECAR).unlink()  # an index made by an earlier version has only this:
    old = index_dir / ".near-duplicates.json"
    old.write_text('{"params": {"format": 1}}\n{}\n', encoding="utf-8")
    assert nd.update(index_dir).written
    assert not old.exists()


def brute_force(keys: np.ndarray, signed: np.ndarray, asking: np.ndarray) -> set[tuple[int, int]]:
    found = set()
    for one in range(len(keys)):
        for other in range(one + 1, len(keys)):
            both = signed[one] and signed[other]
            if both and (asking[one] or asking[other]) and (keys[one] == keys[other]).any():
                found.add((one, other))
    return found


@pytest.mark.parametrize("seed", range(5))
def test_every_pair_with_an_equal_band_key_is_proposed(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(update_run, "_ROWS", 5)
    monkeypatch.setattr(sorted_tables, "SORT_BYTES", 64)  # sorted in buckets
    rng = np.random.default_rng(seed)
    rows = 40
    # Few distinct key values, so that many bands are shared; some rows copy others.
    keys = rng.integers(0, 6, size=(rows, minhash.BANDS), dtype=np.uint32) * 1000
    keys += np.arange(minhash.BANDS, dtype=np.uint32)
    keys[rng.random((rows, minhash.BANDS)) < 0.8] += rng.integers(7, 10**6, dtype=np.uint32)
    keys[5] = keys[6]
    signed = rng.random(rows) < 0.9
    asking = signed & (rng.random(rows) < 0.3)
    flags = signed.astype(np.uint8) | np.where(asking, 2, 0).astype(np.uint8)

    def band_parts(band: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        # Parts of a few rows: a band's runs of equal keys go on across them.
        for start in range(0, rows, 7):
            yield start, keys[start : start + 7, band], flags[start : start + 7]

    for asked_max in (rows, 0):  # the rows that share a changed row's keys; every signed row
        monkeypatch.setattr(update_run, "_ASKED_MAX", asked_max)
        proposed = update_run.candidates(band_parts, int(np.count_nonzero(asking)), 4 * rows)
        assert proposed == sorted(proposed)
        assert set(proposed) == brute_force(keys, signed, asking)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_written_sidecar_reads_back_band_by_band(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    n = data.draw(st.integers(0, 30), label="articles")
    ids = np.sort(np.array([digest(str(i)) for i in range(n)], dtype="S16"))
    fingerprints = np.array(
        [data.draw(st.binary(min_size=16, max_size=16)) for _ in range(n)], dtype="S16"
    )
    signed = np.array([data.draw(st.booleans()) for _ in range(n)], dtype=bool)
    bands = data.draw(st.integers(1, 4), label="bands")
    keys = np.array(
        [[data.draw(st.integers(0, 2**32 - 1)) for _ in range(bands)] for _ in range(n)],
        dtype=np.uint32,
    ).reshape(n, bands)[signed]
    pairs = (nd.Pair('a "quoted" id', "b", 0.75),) if n else ()
    head = sidecar_file.Head(7, n, pairs)
    body = [ids.tobytes(), fingerprints.tobytes(), signed.astype(np.uint8).tobytes()]
    body += [keys[:, b].astype("<u4").tobytes() for b in range(bands)]
    path = tmp_path_factory.mktemp("sidecar") / nd.SIDECAR
    signed_count = int(np.count_nonzero(signed))
    assert sidecar_file.write(path, nd._PARAMS, head, signed_count, body, bands)
    assert sidecar_file.read_head(path, nd._PARAMS) == head
    first = data.draw(st.integers(0, n), label="first")
    stop = data.draw(st.integers(first, n), label="stop")
    with sidecar_file.read(path, nd._PARAMS, bands) as back:
        assert back is not None and back.head == head and back.signed_count == signed_count
        back_ids, back_prints, back_signed = back.rows(first, stop)
        assert back_ids.tobytes() == ids[first:stop].tobytes()
        assert back_prints.tobytes() == fingerprints[first:stop].tobytes()
        assert (back_signed == signed[first:stop]).all()
        some = slice(first * signed_count // max(n, 1), stop * signed_count // max(n, 1))
        for b in range(bands):
            assert (back.band(b, some.start, some.stop) == keys[some, b]).all()
    with sidecar_file.read(path, nd._PARAMS, bands + 1) as other:
        # With a signed article, the sizes another band count gives are not the file's.
        assert (other is None) == bool(signed.any())
