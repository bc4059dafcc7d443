"""Identical articles are one hit that names its copies; --no-collapse shows every one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.index.writer import build
from tests.conftest import write_article

HEADLINE = "CUSTOMS SEIZE COCAINE AT THE PORT"
BODY = "Customs officers seized two tonnes of cocaine hidden in a banana shipment."


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("copies")
    archive = root / "archive"
    # The same article saved from two newsrooms, and once more with other
    # line breaks and capitals: one article, three files.
    write_article(
        archive,
        "police/seizure.md",
        headline=HEADLINE,
        body=BODY,
        date="03 Feb 2021",
        taxonomy={"CRIME AREAS": ["Drug Trafficking"]},
        url="https://police.example.org/seizure",
    )
    write_article(
        archive,
        "customs/seizure.md",
        headline=HEADLINE,
        body=BODY,
        date="03 Feb 2021",
        taxonomy={"CRIME AREAS": ["Drug Trafficking"], "REGIONS": ["Latin America"]},
        url="https://customs.example.org/seizure",
    )
    write_article(
        archive,
        "mirror/seizure.md",
        headline=HEADLINE.title(),
        body=BODY.replace(" of ", "  of\n"),
        url="https://mirror.example.net/seizure",
    )
    # One word apart: a different article, never folded into the others.
    write_article(
        archive,
        "police/seizure-update.md",
        headline=HEADLINE,
        body=BODY.replace("two tonnes", "three tonnes"),
        date="10 Feb 2021",
        url="https://police.example.org/seizure-update",
    )
    write_article(
        archive,
        "other.md",
        headline="COCAINE LAB DISMANTLED",
        body="Police dismantled a cocaine laboratory.",
        url="https://police.example.org/lab",
    )
    build([archive], root / "index")
    return root / "index"


def query(index: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["query", "--index", str(index), "--json", *args])
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def ids_by_url(index: Path) -> dict[str, str]:
    everything = query(index, "cocaine", "--no-collapse")
    return {hit["url"].split("//")[1]: hit["id"] for hit in everything["hits"]}


def test_identical_articles_are_one_hit_naming_the_copies(index: Path) -> None:
    ids = ids_by_url(index)
    data = query(index, "cocaine")
    assert data["total"] == 3
    by_id = {hit["id"]: hit for hit in data["hits"]}
    assert len(by_id) == 3
    copies = {
        ids["police.example.org/seizure"],
        ids["customs.example.org/seizure"],
        ids["mirror.example.net/seizure"],
    }
    (shown,) = copies & set(by_id)
    assert set(by_id[shown]["duplicates"]) == copies - {shown}
    # One word apart is another article, with no copies.
    assert by_id[ids["police.example.org/seizure-update"]]["duplicates"] == []
    assert by_id[ids["police.example.org/lab"]]["duplicates"] == []


def test_no_collapse_shows_every_copy(index: Path) -> None:
    data = query(index, "cocaine", "--no-collapse")
    assert data["total"] == 5
    assert len(data["hits"]) == 5
    assert all(hit["duplicates"] == [] for hit in data["hits"])


def test_facets_count_a_set_of_copies_once_under_each_value_of_any_copy(index: Path) -> None:
    data = query(index, "cocaine", "--facet", "crime_area", "--facet", "regions")
    assert data["facets"]["crime_area"] == [{"value": "Drug Trafficking", "count": 1}]
    assert data["facets"]["regions"] == [{"value": "Latin America", "count": 1}]
    # Filtering on a value finds as many hits as its count said.
    narrowed = query(index, "cocaine", "--filter", "regions=Latin America")
    assert narrowed["total"] == len(narrowed["hits"]) == 1
    everything = query(index, "cocaine", "--facet", "crime_area", "--no-collapse")
    assert everything["facets"]["crime_area"] == [{"value": "Drug Trafficking", "count": 2}]


def test_the_text_output_names_the_copies(index: Path) -> None:
    result = CliRunner().invoke(
        app, ["query", "--index", str(index), "cocaine"], env={"NO_COLOR": "1", "COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert result.stdout.count("2 more copies: id ") == 1
    assert "3 articles" in result.stdout


def test_paging_counts_sets_once_when_sorted_by_date(index: Path) -> None:
    first = query(index, "cocaine", "--sort", "newest", "--limit", "2")
    second = query(index, "cocaine", "--sort", "newest", "--limit", "2", "--page", "2")
    shown = [hit["id"] for hit in first["hits"] + second["hits"]]
    assert first["total"] == second["total"] == 3
    assert len(shown) == len(set(shown)) == 3


def test_export_and_batch_collapse_unless_told_not_to(index: Path) -> None:
    runner = CliRunner()
    collapsed = runner.invoke(
        app, ["export", "cocaine", "--format", "jsonl", "--index", str(index)]
    )
    every = runner.invoke(
        app, ["export", "cocaine", "--format", "jsonl", "--no-collapse", "--index", str(index)]
    )
    rows = [json.loads(line) for line in collapsed.stdout.splitlines()]
    assert len(rows) == 3
    assert sorted(len(row["duplicates"]) for row in rows) == [0, 0, 2]
    assert len(every.stdout.splitlines()) == 5
    batch = runner.invoke(
        app, ["batch", "-", "--no-collapse", "--index", str(index)], input="cocaine\n"
    )
    assert json.loads(batch.stdout)["total"] == 5
