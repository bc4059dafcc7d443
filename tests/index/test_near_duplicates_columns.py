"""Band keys computed while indexing: the index's `band_keys` column, and the pairs it gives.

Indexing stores each article's MinHash band keys in a column
(`index.segments.document_fields`); the near-duplicate update takes a
changed article's keys from there instead of hashing its text, and hashes
only the articles of proposed pairs, from their stored text. These tests
check that the column holds the keys of the stored text, that the update
hashes no more than it says, and that its pairs are those of a
computation from scratch (every pair compared) through incremental runs,
deletions and segment merges.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from pressearch import Archive
from pressearch.index import minhash, workers, writer
from pressearch.index import near_duplicates as nd
from pressearch.index.reader import open_index
from pressearch.index.schema import text_hash
from pressearch.index.writer import build
from pressearch.models import Article, Quote
from tests.conftest import touch_later

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "near_duplicates"
RELEASE = {"europol-drug-network", "eurojust-drug-network", "europol-drug-network-updated"}
VOCABULARY = [f"w{n}" for n in range(400)]


def live_documents(index_dir: Path) -> list[tuple[Article, bytes]]:
    """Every live article as stored, with its value in the `band_keys` column."""
    found = []
    with open_index(index_dir).reader() as reader:
        for leaf, _base in reader.leaf_readers():
            values = list(leaf.column_reader("band_keys", translate=False))
            for docnum in leaf.all_doc_ids():
                record = json.loads(leaf.stored_fields(docnum)["record"])
                found.append((Article.from_dict(record), values[docnum]))
    return found


def from_scratch(index_dir: Path) -> tuple[nd.Pair, ...]:
    """The kept pairs by comparing every two stored articles: no band keys, no sidecar."""
    articles = sorted((article for article, _ in live_documents(index_dir)), key=lambda a: a.id)
    hashed = list(zip(articles, minhash.signatures(articles), strict=True))
    signed = [(a.id, values) for a, values in hashed if values is not None]
    pairs = []
    for (a, one), (b, other) in itertools.combinations(signed, 2):
        equal = one == other
        estimate = float(np.count_nonzero(equal)) / minhash.NUM_PERM
        if equal.reshape(minhash.BANDS, minhash.ROWS).all(axis=1).any() and estimate >= nd.FLOOR:
            pairs.append(nd.Pair(a, b, estimate))
    short: dict[str, list[str]] = {}  # too short to sign: paired with identical copies, in id order
    for article, values in hashed:
        if values is None:
            quotes = (q.text for q in article.quotes)
            key = text_hash(article.headline, article.body, quotes)
            short.setdefault(key, []).append(article.id)
    for copies in short.values():
        pairs.extend(nd.Pair(a, b, 1.0) for a, b in itertools.pairwise(copies))
    return tuple(sorted(pairs, key=lambda pair: (pair.a, pair.b)))


def test_the_column_holds_the_band_keys_of_the_stored_text(tmp_path: Path) -> None:
    archive_dir, index_dir = tmp_path / "archive", tmp_path / "index"
    shutil.copytree(FIXTURES, archive_dir)
    stub = Article(id="stub", path="stub.jsonl", headline="Statement", body="More soon.")
    write(archive_dir, stub)
    build([archive_dir], index_dir)
    found = live_documents(index_dir)
    assert len(found) == 7
    for article, value in found:
        assert value == minhash.column_value(article)
        signature = minhash.signature(article)
        if article.id == "stub":
            assert signature is None and value == b""  # too short to sign
        else:
            assert signature is not None and len(value) == minhash.BANDS * 4
            keys = minhash.keys_of(value)
            assert keys is not None
            assert (keys == minhash.band_keys(signature.reshape(1, -1))[0]).all()


def test_an_update_after_a_build_hashes_only_the_articles_of_proposed_pairs(
    tmp_path: Path,
) -> None:
    index_dir = tmp_path / "index"
    build([FIXTURES], index_dir)  # the writer alone: no sidecar yet
    update = nd.update(index_dir)
    # Six new articles, their keys read; the release and its two copies proposed, and hashed.
    assert (update.changed, update.hashed, update.written) == (6, 3, True)
    assert {ident for pair in update.pairs for ident in (pair.a, pair.b)} == RELEASE
    assert update.pairs == from_scratch(index_dir)


def edited(words: list[str], share: float, rng: random.Random) -> list[str]:
    """`words` with about `share` of them replaced."""
    return [rng.choice(VOCABULARY) if rng.random() < share else w for w in words]


def write(folder: Path, article: Article) -> None:
    path = folder / f"{article.id}.jsonl"
    existed = path.exists()
    path.write_text(json.dumps(article.to_dict()) + "\n", encoding="utf-8")
    if existed:
        touch_later(path)


def synthetic_archive(folder: Path, rng: random.Random) -> dict[str, Article]:
    """Originals with copies edited a little or a lot, short copies, and unrelated articles."""
    folder.mkdir()
    articles: dict[str, Article] = {}
    for n in range(12):
        words = [rng.choice(VOCABULARY) for _ in range(rng.choice([60, 150, 300]))]
        for copy in range(rng.choice([1, 2, 3])):
            share = 0.0 if copy == 0 else rng.choice([0.0, 0.01, 0.03, 0.06, 0.1, 0.2])
            ident = f"a{n:02d}-{copy}"
            quotes = (Quote(text="Ça va, dit Müller."),) if n % 4 == 0 else ()
            body = " ".join(edited(words, share, rng))
            articles[ident] = Article(
                id=ident, path=f"{ident}.jsonl", headline=f"Story {n}", body=body, quotes=quotes
            )
    for n in range(3):
        articles[f"short-{n}"] = Article(
            id=f"short-{n}", path=f"short-{n}.jsonl", headline="Flash", body="Raids today."
        )
    for article in articles.values():
        write(folder, article)
    return articles


@pytest.mark.parametrize("seed", range(3))
def test_pairs_equal_a_computation_from_scratch_through_runs_and_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    archive_dir, index_dir = tmp_path / "archive", tmp_path / "index"
    articles = synthetic_archive(archive_dir, rng)
    # One segment per file, at most four segments: every run merges some.
    monkeypatch.setattr(workers, "BATCH_BYTES", 1)
    monkeypatch.setattr(workers, "BATCHES_PER_WORKER", 100)
    monkeypatch.setattr(writer, "MAX_SEGMENTS", 4)

    def check(update: nd.Update) -> None:
        with Archive.open(index_dir) as archive:
            assert archive.check().problems == ()
        assert update.pairs and update.pairs == from_scratch(index_dir)
        # Made again from the index alone (no sidecar): the same pairs.
        again = tmp_path / "again"
        shutil.copytree(index_dir, again)
        (again / nd.SIDECAR).unlink()
        assert nd.update(again).pairs == update.pairs
        shutil.rmtree(again)

    build([archive_dir], index_dir)
    check(nd.update(index_dir))
    with open_index(index_dir).reader() as reader:
        assert len(reader.leaf_readers()) == 4  # merged
    for run in range(3):
        names = sorted(articles)
        edits = rng.sample(names, 5)
        gone = edits.pop()
        for ident in edits:
            old = articles[ident]
            # A word more, so that even an edit that replaced none changes the text.
            body = " ".join(edited(old.body.split(), rng.choice([0.02, 0.3]), rng)) + " revised"
            articles[ident] = Article(
                id=ident, path=old.path, headline=old.headline, body=body, quotes=old.quotes
            )
            write(archive_dir, articles[ident])
        (archive_dir / f"{gone}.jsonl").unlink()
        del articles[gone]
        source = articles[rng.choice(sorted(articles))]  # a new copy of one
        copy = Article(
            id=f"new-{run}",
            path=f"new-{run}.jsonl",
            headline=source.headline,
            body=source.body + " with one more line",
            quotes=source.quotes,
        )
        articles[copy.id] = copy
        write(archive_dir, copy)
        build([archive_dir], index_dir)
        update = nd.update(index_dir)
        assert (update.changed, update.dropped) == (5, 1)
        assert update.reused == len(articles) - 5
        assert update.hashed < len(articles)  # the articles of proposed pairs only
        check(update)
