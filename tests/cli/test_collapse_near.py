"""`query/batch/export --collapse identical|near|none` and `--no-collapse` through the CLI.

Uses the archive of `tests/search/test_collapse_near.py`: a release, its
syndicated copy, its corrected update and an identical mirror (one
near-duplicate cluster), and two unrelated articles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.search.test_collapse_near import CLUSTER, UNRELATED, index

__all__ = ["index"]  # the module-scoped fixture, shared


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, list(args), input=stdin, env={"COLUMNS": "200", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


def query(index: Path, *args: str) -> dict[str, Any]:
    code, out, err = run("query", "cocaine", "--index", str(index), "--json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_collapse_near_is_one_hit_naming_the_others_in_json(index: Path) -> None:
    data = query(index, "--collapse", "near", "--facet", "regions")
    assert data["total"] == 3
    assert len(data["hits"]) == 3
    (shown,) = [hit for hit in data["hits"] if hit["id"] in CLUSTER]
    assert isinstance(shown["duplicates"], list)
    assert set(shown["duplicates"]) == CLUSTER - {shown["id"]}
    assert all(hit["duplicates"] == [] for hit in data["hits"] if hit["id"] in UNRELATED)
    assert {f["value"]: f["count"] for f in data["facets"]["regions"]} == {
        "Spain": 1,
        "Europe": 2,
        "Portugal": 1,
    }


def test_identical_is_the_default_and_keeps_near_copies_apart(index: Path) -> None:
    default = query(index)
    explicit = query(index, "--collapse", "identical")
    # `took_ms` is the only field two runs of one query may differ in.
    assert {**explicit, "took_ms": 0} == {**default, "took_ms": 0}
    assert default["total"] == 5
    folded = [hit for hit in default["hits"] if hit["duplicates"]]
    assert [{hit["id"], *hit["duplicates"]} for hit in folded] == [
        {"customs-release", "mirror-copy"}
    ]


def test_no_collapse_is_collapse_none(index: Path) -> None:
    every = query(index, "--no-collapse")
    none = query(index, "--collapse", "none")
    assert every["total"] == none["total"] == 6
    assert [h["id"] for h in every["hits"]] == [h["id"] for h in none["hits"]]
    assert {h["id"] for h in every["hits"]} == CLUSTER | UNRELATED
    assert all(hit["duplicates"] == [] for hit in every["hits"])


def test_no_collapse_with_another_mode_is_a_usage_error(index: Path) -> None:
    code, out, err = run(
        "query", "cocaine", "--index", str(index), "--collapse", "near", "--no-collapse"
    )
    assert code == 2
    assert out == ""
    assert "--no-collapse contradicts --collapse near" in err


def test_an_unknown_mode_is_refused(index: Path) -> None:
    code, _, err = run("query", "cocaine", "--index", str(index), "--collapse", "similar")
    assert code == 2
    assert "similar" in err


def test_batch_and_export_take_the_same_modes(index: Path) -> None:
    totals = {
        mode: json.loads(run("batch", "-", "--index", str(index), *flags, stdin="cocaine\n")[1])[
            "total"
        ]
        for mode, flags in {
            "near": ("--collapse", "near"),
            "identical": (),
            "none": ("--no-collapse",),
        }.items()
    }
    assert totals == {"near": 3, "identical": 5, "none": 6}
    code, out, _ = run(
        "export", "cocaine", "--format", "jsonl", "--collapse", "near", "--index", str(index)
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(len(row["duplicates"]) for row in rows) == [0, 0, 3]


def test_help_documents_the_modes() -> None:
    for command in ("query", "batch", "export"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "--collapse" in out
        assert "identical|near|none" in out
        assert "--no-collapse" in out
