"""`pressearch duplicates`: exact text and JSON output, exit codes.

The index is built from `tests/fixtures/near_duplicates/` (see
`tests/index/test_near_duplicates.py`): one release in three copies, and
three articles that are not copies of anything.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch import Archive
from pressearch.cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "near_duplicates"
HEADLINE = "Synthetic drug network dismantled in Belgium, the Netherlands and Spain"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(index folder, archive folder) of the fixtures."""
    root = tmp_path_factory.mktemp("duplicates")
    shutil.copytree(FIXTURES, root / "archive")
    with Archive.create(root / "index") as archive:
        archive.index([root / "archive"])
    return root / "index", root / "archive"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


def test_text_lists_each_cluster_with_its_articles(indexed: tuple[Path, Path]) -> None:
    index, _ = indexed
    assert run("duplicates", "--index", index) == (
        0,
        "1. 3 articles, similarity 0.88\n"
        f"   2024-03-18  www.eurojust.example.eu  {HEADLINE.upper()}  id eurojust-drug-network\n"
        f"   2024-03-18  www.europol.example.eu  {HEADLINE}  id europol-drug-network\n"
        f"   2024-03-19  www.europol.example.eu  {HEADLINE} (updated)"
        "  id europol-drug-network-updated\n"
        "1 cluster at similarity 0.8 or above\n",
        "",
    )


def test_a_higher_threshold_keeps_the_closer_copies(indexed: tuple[Path, Path]) -> None:
    index, _ = indexed
    assert run("duplicates", "--index", index, "--threshold", "0.93") == (
        0,
        "1. 2 articles, similarity 0.95\n"
        f"   2024-03-18  www.europol.example.eu  {HEADLINE}  id europol-drug-network\n"
        f"   2024-03-19  www.europol.example.eu  {HEADLINE} (updated)"
        "  id europol-drug-network-updated\n"
        "1 cluster at similarity 0.93 or above\n",
        "",
    )


def test_no_clusters_is_said_and_is_success(indexed: tuple[Path, Path]) -> None:
    index, _ = indexed
    assert run("duplicates", "--index", index, "--threshold", "1") == (
        0,
        "No near-duplicate articles at similarity 1 or above.\n",
        "",
    )
    assert run("duplicates", "--index", index, "--threshold", "1", "--json") == (0, "", "")


def test_json_is_one_cluster_per_line(indexed: tuple[Path, Path]) -> None:
    index, archive = indexed
    code, out, err = run("duplicates", "--index", index, "--json")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 1

    def article(ident: str, host: str, url_path: str, headline: str, date: str) -> dict[str, str]:
        return {
            "id": ident,
            "path": str(archive / f"{ident}.jsonl"),
            "url": f"https://{host}/{url_path}",
            "headline": headline,
            "date": date,
            "source": host,
        }

    news = "media-press/newsroom/news/synthetic-drug-network-dismantled"
    assert json.loads(lines[0]) == {
        "similarity": 0.875,
        "articles": [
            article(
                "eurojust-drug-network",
                "www.eurojust.example.eu",
                "news/synthetic-drug-network-dismantled",
                HEADLINE.upper(),
                "2024-03-18",
            ),
            article("europol-drug-network", "www.europol.example.eu", news, HEADLINE, "2024-03-18"),
            article(
                "europol-drug-network-updated",
                "www.europol.example.eu",
                news + "-update",
                HEADLINE + " (updated)",
                "2024-03-19",
            ),
        ],
    }


@pytest.mark.parametrize("threshold", ["0.3", "1.5", "high"])
def test_a_bad_threshold_is_a_usage_error(indexed: tuple[Path, Path], threshold: str) -> None:
    index, _ = indexed
    code, out, err = run("duplicates", "--index", index, "--threshold", threshold)
    assert (code, out) == (2, "")
    assert err.startswith("Error: Invalid value for '--threshold'")
    assert err.count("\n") == 1


def test_no_index_is_a_runtime_failure(tmp_path: Path) -> None:
    code, out, err = run("duplicates", "--index", tmp_path / "none")
    assert (code, out) == (1, "")
    assert err.startswith("Error: no index at ")
