"""Near-duplicate articles: which copies cluster, which do not, and the sidecar kept up to date.

The fixtures (`tests/fixtures/near_duplicates/`) are one release of a drug
network's dismantling as Europol published it, as Eurojust republished it
(the headline in capitals, another press-office line at the end) and as
Europol updated it a day later (23 arrests corrected to 24); the verdict a
year later on the same network (same names and places, other text); a
three-line brief of the same raids; and an unrelated INTERPOL article.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pressearch import Archive
from pressearch.errors import UsageError
from pressearch.index import minhash, near_duplicates_file
from pressearch.index import near_duplicates as nd
from pressearch.index.reader import latest_generation
from pressearch.index.writer import build
from pressearch.models import Article
from tests.conftest import touch_later

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "near_duplicates"
RELEASE = {"europol-drug-network", "eurojust-drug-network", "europol-drug-network-updated"}


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    """A copy of the fixtures, free to change."""
    folder = tmp_path / "archive"
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def index_dir(tmp_path: Path, archive_dir: Path) -> Path:
    index_dir = tmp_path / "index"
    with Archive.create(index_dir) as archive:
        assert archive.index([archive_dir]).added == 6
    return index_dir


def cluster_ids(index_dir: Path, threshold: float = 0.8) -> list[list[str]]:
    with Archive.open(index_dir) as archive:
        return [[a.id for a in c.articles] for c in archive.near_duplicates(threshold)]


def recorded_generation(index_dir: Path) -> int:
    """The index generation the sidecar describes (on its first line, JSON)."""
    with (index_dir / nd.SIDECAR).open("rb") as sidecar:
        generation: int = json.loads(sidecar.readline())["generation"]
    return generation


def test_the_release_its_syndicated_copy_and_its_update_are_one_cluster(index_dir: Path) -> None:
    with Archive.open(index_dir) as archive:
        clusters = archive.near_duplicates()
    assert len(clusters) == 1
    (cluster,) = clusters
    # Oldest first; on the same day, by source.
    assert [a.id for a in cluster.articles] == [
        "eurojust-drug-network",
        "europol-drug-network",
        "europol-drug-network-updated",
    ]
    assert cluster.articles[0].source == "www.eurojust.example.eu"
    assert 0.8 <= cluster.similarity < 0.95


def test_a_corrected_number_costs_less_than_another_boilerplate_line(index_dir: Path) -> None:
    pairs = {(p.a, p.b): p.similarity for p in nd.current_pairs(index_dir)}
    assert set(pairs) == {
        ("eurojust-drug-network", "europol-drug-network"),
        ("eurojust-drug-network", "europol-drug-network-updated"),
        ("europol-drug-network", "europol-drug-network-updated"),
    }
    updated = pairs["europol-drug-network", "europol-drug-network-updated"]
    syndicated = pairs["eurojust-drug-network", "europol-drug-network"]
    assert updated > syndicated > pairs["eurojust-drug-network", "europol-drug-network-updated"]
    assert updated > 0.9


def test_the_same_topic_the_short_brief_and_other_news_never_pair(index_dir: Path) -> None:
    # Not even at the lowest threshold: the verdict shares names, places
    # and the story, not the text; the brief shares its few words.
    paired = {ident for pair in nd.current_pairs(index_dir) for ident in (pair.a, pair.b)}
    assert paired == RELEASE
    assert [set(ids) for ids in cluster_ids(index_dir, 0.5)] == [RELEASE]


def test_the_threshold_is_respected(index_dir: Path) -> None:
    # 0.92 keeps two pairs, still joining all three; above the syndicated
    # pair only the update is left with its original; above that, nothing.
    assert [set(ids) for ids in cluster_ids(index_dir, 0.9)] == [RELEASE]
    assert cluster_ids(index_dir, 0.93) == [
        ["europol-drug-network", "europol-drug-network-updated"]
    ]
    assert cluster_ids(index_dir, 0.99) == []
    with Archive.open(index_dir) as archive:
        for bad in (0.49, 1.01, -1.0):
            with pytest.raises(UsageError, match=r"between 0\.5 and 1"):
                archive.near_duplicates(bad)


def test_a_cluster_is_only_as_similar_as_its_weakest_pair() -> None:
    pairs = [nd.Pair("a", "b", 0.95), nd.Pair("b", "c", 0.85), nd.Pair("d", "e", 0.9)]
    assert nd.clusters(pairs, 0.8) == [(0.85, ["a", "b", "c"]), (0.9, ["d", "e"])]
    assert nd.clusters(pairs, 0.9) == [(0.95, ["a", "b"]), (0.9, ["d", "e"])]


def test_text_is_compared_without_case_accents_or_spacing() -> None:
    expected = ["jurgen", "muller", "said", "ca", "va"]
    assert minhash.words("Jürgen  MÜLLER,\n said: «Ça va»") == expected
    one = Article(id="1", path="1", headline="Opération  réussie", body="Les polices ont agi. " * 5)
    other = Article(id="2", path="2", headline="OPERATION REUSSIE", body="les polices ont agi " * 5)
    assert minhash.shingles(one) == minhash.shingles(other)
    first, second = minhash.signature(one), minhash.signature(other)
    assert first is not None and second is not None
    assert nd.similarity(first, second) == 1.0


def test_too_short_an_article_has_no_signature() -> None:
    stub = Article(id="s", path="s", headline="Statement", body="More to follow soon.")
    assert len(minhash.shingles(stub)) < minhash.MIN_SHINGLES
    assert minhash.signature(stub) is None


def test_index_runs_keep_the_sidecar_current(index_dir: Path, archive_dir: Path) -> None:
    with (index_dir / nd.SIDECAR).open("rb") as sidecar:
        head = json.loads(sidecar.readline())
    assert head["generation"] == latest_generation(index_dir)
    assert head["articles"] == 6
    # Brought up to date by `index`: nothing left to do, nothing rewritten.
    update = nd.update(index_dir)
    assert (update.changed, update.reused, update.dropped, update.written) == (0, 6, 0, False)
    with Archive.open(index_dir) as archive:
        archive.index([archive_dir], rebuild=True)
        assert archive.check().problems == ()
    # A rebuild's cleanup and `check` leave the sidecar alone; it follows the new generation.
    assert recorded_generation(index_dir) == latest_generation(index_dir)
    assert nd.update(index_dir).changed == 0


def test_only_the_articles_of_proposed_pairs_are_hashed(index_dir: Path, archive_dir: Path) -> None:
    # The index runs here are the writer's alone, so that `update` does the work and counts it.
    interpol = json.loads((archive_dir / "interpol-cultural-goods.jsonl").read_text("utf-8"))
    copy = dict(
        interpol,
        id="wco-cultural-goods",
        url="https://www.wco.example.org/media/cultural-goods-operation",
        source="www.wco.example.org",
        body=interpol["body"] + "\n\nThe World Customs Organization thanks all administrations.",
    )
    (archive_dir / "wco-cultural-goods.jsonl").write_text(json.dumps(copy) + "\n", "utf-8")
    build([archive_dir], index_dir)
    update = nd.update(index_dir)
    assert (update.changed, update.reused, update.dropped) == (1, 6, 0)
    # The copy's band keys come from the index; the pair proposed is verified on
    # signatures hashed from stored text, the copy's and the original's.
    assert update.hashed == 2
    assert sorted(map(set, cluster_ids(index_dir)), key=len) == [
        {"interpol-cultural-goods", "wco-cultural-goods"},
        RELEASE,
    ]

    os.remove(archive_dir / "eurojust-drug-network.jsonl")
    build([archive_dir], index_dir)
    update = nd.update(index_dir)
    assert (update.changed, update.reused, update.dropped, update.hashed) == (0, 6, 1, 0)
    assert sorted(cluster_ids(index_dir)) == [
        ["europol-drug-network", "europol-drug-network-updated"],
        ["interpol-cultural-goods", "wco-cultural-goods"],
    ]

    updated = archive_dir / "europol-drug-network-updated.jsonl"
    record = json.loads(updated.read_text("utf-8"))
    updated.write_text(json.dumps(dict(record, body="Withdrawn: see the latest release.")), "utf-8")
    touch_later(updated)
    build([archive_dir], index_dir)
    update = nd.update(index_dir)
    assert (update.changed, update.reused, update.dropped, update.hashed) == (1, 5, 0, 0)
    assert cluster_ids(index_dir) == [["interpol-cultural-goods", "wco-cultural-goods"]]

    # A file rewritten with the same text is read again by the index, not hashed again.
    trial = archive_dir / "europol-drug-network-trial.jsonl"
    trial.write_text(trial.read_text("utf-8") + "\n", "utf-8")
    touch_later(trial)
    build([archive_dir], index_dir)
    update = nd.update(index_dir)
    assert (update.changed, update.reused, update.written) == (0, 6, True)


def test_a_stale_or_damaged_sidecar_is_brought_up_to_date_when_asked(
    index_dir: Path, archive_dir: Path
) -> None:
    os.remove(archive_dir / "europol-drug-network.jsonl")
    build([archive_dir], index_dir)  # the writer alone: the sidecar is a generation behind
    assert recorded_generation(index_dir) != latest_generation(index_dir)
    assert cluster_ids(index_dir) == [["eurojust-drug-network", "europol-drug-network-updated"]]
    assert recorded_generation(index_dir) == latest_generation(index_dir)

    (index_dir / nd.SIDECAR).write_text("{not json", encoding="utf-8")
    assert cluster_ids(index_dir) == [["eurojust-drug-network", "europol-drug-network-updated"]]
    assert nd.update(index_dir).changed == 0  # the damaged file was replaced by a whole one
    assert not [name for name in os.listdir(index_dir) if name.endswith(".tmp")]


def test_a_new_index_has_no_clusters(tmp_path: Path) -> None:
    with Archive.create(tmp_path / "index") as archive:
        assert archive.near_duplicates() == []


def test_a_folder_that_cannot_be_written_still_answers(
    index_dir: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.remove(archive_dir / "eurojust-drug-network.jsonl")
    build([archive_dir], index_dir)

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(near_duplicates_file.os, "replace", refuse)
    update = nd.update(index_dir)
    assert (update.changed, update.dropped, update.written) == (0, 1, False)
    assert cluster_ids(index_dir) == [["europol-drug-network", "europol-drug-network-updated"]]
    assert not [name for name in os.listdir(index_dir) if name.endswith(".tmp")]
    assert recorded_generation(index_dir) != latest_generation(index_dir)  # left as it was


def test_identical_short_articles_are_copies_however_short(
    index_dir: Path, archive_dir: Path
) -> None:
    # Too short for a signature, yet identical: a flash sent out three times.
    short = json.loads((archive_dir / "europol-drug-network-short.jsonl").read_text())
    for n in (1, 2):
        copy = {**short, "id": f"flash-copy-{n}", "url": f"https://mirror{n}.example.eu/brief"}
        (archive_dir / f"flash-copy-{n}.jsonl").write_text(json.dumps(copy) + "\n")
    with Archive.open(index_dir) as archive:
        archive.index([archive_dir])
    flashes = {"europol-drug-network-short", "flash-copy-1", "flash-copy-2"}
    assert [set(ids) for ids in cluster_ids(index_dir, 0.99)] == [flashes]
    # Take the middle copy away: the other two stay one set.
    (archive_dir / "flash-copy-1.jsonl").unlink()
    with Archive.open(index_dir) as archive:
        archive.index([archive_dir])
    assert [set(ids) for ids in cluster_ids(index_dir, 0.99)] == [flashes - {"flash-copy-1"}]
