"""The roots an index covers: recorded by each run, re-scanned by a run given no paths.

A run with no paths never mixes the invented sample archive into a user's
archive: it re-scans the roots the index covers, and only a new or empty
index gets the sample (and the report says so).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.archive import Archive
from pressearch.cli.app import app
from pressearch.errors import UsageError
from pressearch.index.reader import stats
from pressearch.index.schema import SCHEMA_VERSION
from pressearch.index.writer import build
from pressearch.locations import sample_archive_dir
from tests.conftest import BuiltIndex, write_article

SAMPLE_ARTICLES = 68
SAMPLE_NOTE = "Indexed the bundled sample archive (invented articles, for trying pressearch)"


def roots_of(index_dir: Path) -> list[str]:
    metadata = json.loads((index_dir / "pressearch.json").read_text("utf-8"))
    assert metadata["schema_version"] == SCHEMA_VERSION
    roots: list[str] = metadata["roots"]
    return roots


def test_a_run_records_its_roots(built_index: BuiltIndex, tmp_path: Path) -> None:
    assert roots_of(built_index.index_dir) == [str(built_index.archive)]
    assert built_index.report.roots == (str(built_index.archive),)
    assert not built_index.report.sample
    other = write_article(tmp_path / "other", "b.md", headline="OTHER", body="Text.")
    build([other], built_index.index_dir)
    assert roots_of(built_index.index_dir) == [str(built_index.archive), str(other)]
    build([built_index.archive], built_index.index_dir)  # known: recorded once
    assert roots_of(built_index.index_dir) == [str(built_index.archive), str(other)]


def test_no_paths_rescans_the_roots_and_never_adds_the_sample(
    built_index: BuiltIndex, tmp_path: Path
) -> None:
    second = tmp_path / "second"
    write_article(second, "b.md", headline="SECOND", body="Text.")
    build([second], built_index.index_dir)
    new = write_article(second, "c.md", headline="NEW", body="More text.")
    (built_index.archive / "speech.md").unlink()

    report = build(None, built_index.index_dir)

    assert (report.added, report.removed, report.unchanged) == (1, 1, 4)
    assert report.roots == (str(built_index.archive), str(second))
    assert not report.sample
    assert stats(built_index.index_dir).documents == 5
    with Archive.open(built_index.index_dir) as archive:
        assert archive.get(str(new)).headline == "NEW"


def test_a_new_index_gets_the_sample_and_says_so(tmp_path: Path) -> None:
    report = build(None, tmp_path / "index")
    assert report.sample
    assert report.added == SAMPLE_ARTICLES
    assert report.roots == (str(sample_archive_dir()),)
    # Once indexed, the sample is a root like any other: a second run re-scans it.
    again = build(None, tmp_path / "index")
    assert (again.sample, again.added, again.unchanged) == (False, 0, SAMPLE_ARTICLES)


def test_a_rebuild_resets_the_roots(built_index: BuiltIndex, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_article(other, "b.md", headline="OTHER", body="Text.")
    build([other], built_index.index_dir, rebuild=True)
    assert roots_of(built_index.index_dir) == [str(other)]
    report = build(None, built_index.index_dir, rebuild=True)
    assert (report.added, report.sample, report.roots) == (1, False, (str(other),))
    assert stats(built_index.index_dir).documents == 1


def test_a_root_that_is_gone_keeps_its_articles(built_index: BuiltIndex, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_article(other, "b.md", headline="OTHER", body="Text.")
    build([other], built_index.index_dir)
    (other / "b.md").unlink()
    other.rmdir()
    report = build(None, built_index.index_dir)
    assert [(w.path, w.error) for w in report.warnings] == [
        (str(other), "indexed before but gone: its articles stay in the index")
    ]
    assert (report.unchanged, report.removed) == (4, 0)
    assert stats(built_index.index_dir).documents == 5


def test_an_index_that_records_no_roots_asks_for_them(built_index: BuiltIndex) -> None:
    # An index written before roots were recorded: its metadata has none.
    metadata = built_index.index_dir / "pressearch.json"
    metadata.write_text(json.dumps({"schema_version": SCHEMA_VERSION}), encoding="utf-8")
    with pytest.raises(UsageError, match=r"give them: `pressearch index --rebuild PATH\.\.\.`"):
        build(None, built_index.index_dir)
    assert stats(built_index.index_dir).documents == 4  # untouched


def test_archive_index_without_paths(built_index: BuiltIndex, tmp_path: Path) -> None:
    with Archive(built_index.index_dir) as archive:
        report = archive.index()
    assert (report.sample, report.unchanged) == (False, 4)
    with Archive(tmp_path / "new") as archive:
        assert archive.index().sample


def test_cli_says_when_it_indexed_the_sample(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    result = runner.invoke(app, ["index", "--index", str(tmp_path / "ix")], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(SAMPLE_NOTE + "\n68 added, ")
    result = runner.invoke(app, ["index", "--index", str(tmp_path / "ix")], env=env)
    assert result.exit_code == 0
    assert SAMPLE_NOTE not in result.stdout
    assert result.stdout.startswith("0 added, 0 updated, 0 removed, 68 unchanged")
