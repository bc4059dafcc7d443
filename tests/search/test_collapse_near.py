"""`collapse="near"`: a release, its syndicated copy and its corrected update are one hit.

The archive: a customs release, the same release republished by a news
agency (its closing boilerplate line differs), a corrected update (one number
changed), a mirror of the release with identical text, and two unrelated
articles that match the same query. Near-duplicates fold as identical copies
do; `identical` folds only the mirror; `none` folds nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pressearch import Archive
from pressearch.errors import UsageError
from pressearch.index.near_duplicates import SIDECAR
from pressearch.models import SearchRequest

PARAGRAPHS = [
    "Customs officers at the port of Valencia have seized 2 300 kilograms of cocaine hidden"
    " in a shipment of frozen fish arriving from South America, the largest seizure at the"
    " port this year. The drugs were found in 84 bags concealed behind the cargo of two"
    " refrigerated containers.",
    "The containers were selected for inspection after an analysis of shipping records"
    " showed that the importing company had been registered only three months earlier and"
    " had no history of trade in seafood. Scanners showed irregular shapes behind the frozen"
    " boxes, and a sniffer dog confirmed the presence of drugs.",
    "Seven people were arrested in Valencia and Madrid, including two employees of a"
    " logistics firm suspected of helping to move the containers out of the port before"
    " inspection. Investigators searched eleven premises and seized cash, vehicles and"
    " mobile phones.",
    "The investigation was carried out with the support of the national police and the"
    " customs services of two other member states, which had flagged the importing company"
    " after an earlier shipment raised suspicions.",
]
RELEASE_END = "For media enquiries, contact the customs press office in Madrid."
AGENCY_END = "This release was distributed by the Iberian Press Wire on behalf of customs."


def article(ident: str, source: str, date: str, regions: list[str], body: str) -> dict[str, Any]:
    return {
        "id": ident,
        "url": f"https://{source}/news/{ident}",
        "source": source,
        "date": date,
        "type": "Press Release",
        "headline": "Customs seize 2.3 tonnes of cocaine in frozen fish at Valencia port",
        "body": body,
        "taxonomy": {"regions": regions},
    }


RELEASE = "\n\n".join([*PARAGRAPHS, RELEASE_END])
ARTICLES = [
    article("customs-release", "customs.example.es", "2024-05-06", ["Spain"], RELEASE),
    # Syndicated: the agency's closing line instead of the press office's.
    article(
        "wire-copy",
        "wire.example.com",
        "2024-05-06",
        ["Europe"],
        "\n\n".join([*PARAGRAPHS, AGENCY_END]),
    ),
    # Corrected the next day: seven arrests became eight.
    article(
        "customs-release-corrected",
        "customs.example.es",
        "2024-05-07",
        ["Spain"],
        RELEASE.replace("Seven people", "Eight people"),
    ),
    # The same text saved from a mirror: identical, folded under `identical` too.
    article("mirror-copy", "mirror.example.net", "2024-05-06", ["Spain"], RELEASE),
    {
        "id": "cocaine-lab",
        "source": "police.example.org",
        "date": "2024-02-01",
        "headline": "Cocaine laboratory dismantled in a farmhouse",
        "body": "Police dismantled a cocaine laboratory hidden in a farmhouse and arrested"
        " three chemists who had come from abroad to run it.",
        "taxonomy": {"regions": ["Portugal"]},
    },
    {
        "id": "cocaine-report",
        "source": "agency.example.eu",
        "date": "2024-06-20",
        "headline": "Annual drug report: cocaine markets keep growing",
        "body": "The annual report finds record cocaine seizures in European ports for the"
        " sixth year running and warns of new routes through smaller harbours.",
        "taxonomy": {"regions": ["Europe"]},
    },
]
CLUSTER = {"customs-release", "wire-copy", "customs-release-corrected", "mirror-copy"}
UNRELATED = {"cocaine-lab", "cocaine-report"}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("near-copies")
    archive = root / "archive"
    archive.mkdir()
    for item in ARTICLES:
        (archive / f"{item['id']}.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    with Archive.create(root / "index") as created:
        created.index([archive])
    return root / "index"


def search(index: Path, collapse: str, **options: Any) -> Any:
    request = SearchRequest(text="cocaine", collapse=collapse, **options)  # type: ignore[arg-type]
    with Archive.open(index) as archive:
        return archive.search(request, snippets=False)


def test_the_fixture_is_one_cluster_and_two_unrelated_articles(index: Path) -> None:
    with Archive.open(index) as archive:
        (cluster,) = archive.near_duplicates()
    assert {a.id for a in cluster.articles} == CLUSTER


def test_near_folds_the_cluster_into_its_best_ranked_copy(index: Path) -> None:
    result = search(index, "near")
    assert result.total == 3
    assert len(result.hits) == 3
    by_id = {hit.id: hit for hit in result.hits}
    assert set(by_id) >= UNRELATED
    (shown,) = set(by_id) & CLUSTER
    assert set(by_id[shown].duplicates) == CLUSTER - {shown}
    assert len(by_id[shown].duplicates) == 3
    # The cluster shows as its best-ranked copy: the first of them without folding.
    unfolded = [hit.id for hit in search(index, "none").hits if hit.id in CLUSTER]
    assert shown == unfolded[0]
    assert all(by_id[i].duplicates == () for i in UNRELATED)


def test_identical_keeps_the_near_copies_apart(index: Path) -> None:
    result = search(index, "identical")
    assert result.total == 5
    by_id = {hit.id: hit for hit in result.hits}
    folded = [hit for hit in result.hits if hit.duplicates]
    assert len(folded) == 1
    assert {folded[0].id, *folded[0].duplicates} == {"customs-release", "mirror-copy"}
    assert {"wire-copy", "customs-release-corrected"} <= set(by_id)
    assert by_id["wire-copy"].duplicates == ()


def test_none_shows_every_article(index: Path) -> None:
    result = search(index, "none")
    assert result.total == 6
    assert {hit.id for hit in result.hits} == CLUSTER | UNRELATED
    assert all(hit.duplicates == () for hit in result.hits)


def test_facets_count_a_cluster_once_under_each_value_of_any_copy(index: Path) -> None:
    counts = {
        f.value: f.count for f in search(index, "near", facets=("regions",)).facets["regions"]
    }
    # Spain: the cluster once (three of its copies have it); Europe: the cluster
    # (the wire copy) and the report; Portugal: the lab.
    assert counts == {"Spain": 1, "Europe": 2, "Portugal": 1}
    every = {f.value: f.count for f in search(index, "none", facets=("regions",)).facets["regions"]}
    assert every == {"Spain": 3, "Europe": 2, "Portugal": 1}


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_show_each_cluster_once(index: Path, sort: str) -> None:
    pages = [search(index, "near", sort=sort, limit=2, page=page) for page in (1, 2)]
    shown = [hit.id for result in pages for hit in result.hits]
    assert [result.total for result in pages] == [3, 3]
    assert len(shown) == len(set(shown)) == 3
    assert len(set(shown) & CLUSTER) == 1


def test_export_folds_near_copies(index: Path) -> None:
    with Archive.open(index) as archive:
        hits = list(archive.export(SearchRequest(text="cocaine", collapse="near")))
    assert len(hits) == 3
    assert sorted(len(hit.duplicates) for hit in hits) == [0, 0, 3]


def test_a_missing_sidecar_is_rebuilt_not_ignored(index: Path, tmp_path: Path) -> None:
    # A copy of the index without its pairs, as an older pressearch left it.
    copy = tmp_path / "index"
    copy.mkdir()
    for path in index.iterdir():
        if path.is_file() and path.name != SIDECAR:
            (copy / path.name).write_bytes(path.read_bytes())
    result = search(copy, "near")
    assert result.total == 3
    assert sum(len(hit.duplicates) for hit in result.hits) == 3
    assert (copy / SIDECAR).is_file()


def test_a_read_only_index_without_pairs_still_folds(index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    copy.mkdir()
    for path in index.iterdir():
        if path.is_file() and path.name != SIDECAR:
            (copy / path.name).write_bytes(path.read_bytes())
    copy.chmod(0o555)
    try:
        if _writable(copy):
            pytest.skip("the folder stays writable (running as root)")
        result = search(copy, "near")
        assert result.total == 3
        assert not (copy / SIDECAR).exists()
    finally:
        copy.chmod(0o755)


def _writable(folder: Path) -> bool:
    try:
        (folder / "probe").write_text("")
    except OSError:
        return False
    (folder / "probe").unlink()
    return True


@pytest.mark.parametrize("value", [True, False, "all", "Near"])
def test_only_the_three_modes_are_accepted(value: object) -> None:
    with pytest.raises(UsageError, match="collapse must be 'identical', 'near' or 'none'"):
        SearchRequest(text="cocaine", collapse=value)  # type: ignore[arg-type]
