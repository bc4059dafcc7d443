"""Every example README gives finds something on the bundled sample archive."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch import Archive
from pressearch.cli.app import app
from pressearch.locations import sample_archive_dir

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _first_cells(section: str) -> list[str]:
    return [line.split(" | ")[0][2:] for line in section.splitlines() if line.startswith("| `")]


QUERY_EXAMPLES = [
    example.replace("\\|", "|")  # a table cell escapes its pipes, even in code
    for cell in _first_cells(_section("Query language"))
    for example in re.findall(r"`([^`]+)`", cell)
    if not example.startswith("--")
]
COMMAND_EXAMPLES = [
    shlex.split(cell.strip().strip("`"))[1:]
    for line in _section("Commands").splitlines()
    if line.startswith("| `") and (cell := line.rsplit(" | ", 1)[1].removesuffix(" |"))
]
# Examples that name the user's own folders, and one that runs until stopped
# (tests/web starts the server for real).
NOT_RUN_HERE = {"index": "names the user's own folders", "serve": "serves until stopped"}


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    with Archive.create(index_dir) as archive:
        assert archive.index([sample_archive_dir()]).added == 68
    return index_dir


def test_the_tables_were_found() -> None:
    assert len(QUERY_EXAMPLES) > 30
    assert {args[0] for args in COMMAND_EXAMPLES} >= {"query", "show", "similar", "export"}


@pytest.mark.parametrize("query", QUERY_EXAMPLES)
def test_every_query_example_finds_something(sample_index: Path, query: str) -> None:
    with Archive.open(sample_index) as archive:
        assert archive.search(query).total > 0


@pytest.mark.parametrize("args", COMMAND_EXAMPLES, ids=lambda args: args[0])
def test_every_command_example_runs_and_finds_something(
    sample_index: Path, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if args[0] in NOT_RUN_HERE:
        pytest.skip(NOT_RUN_HERE[args[0]])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "names.txt").write_text("Europol\nINTERPOL\nEurojust\n", encoding="utf-8")
    index = [] if args[0] == "syntax" else ["--index", str(sample_index)]
    result = CliRunner().invoke(app, [*args, *index])
    assert (result.exit_code, result.stderr) in ((0, ""), (0, _count(tmp_path)))
    output = result.stdout
    if args[0] == "batch":
        assert all(json.loads(line)["total"] > 0 for line in output.splitlines())
    elif args[0] == "export":
        assert _count(tmp_path) not in ("", "0 articles written to cyber.csv\n")
    elif args[0] in ("query", "similar"):
        assert "1." in output
    elif args[0] == "facets":
        assert len(output.splitlines()) > 3
    else:
        assert output.strip()


def _count(folder: Path) -> str:
    """What `export -o` says on stderr, for the file it wrote."""
    written = folder / "cyber.csv"
    if not written.exists():
        return ""
    with written.open(encoding="utf-8", newline="") as rows:
        count = sum(1 for _ in csv.reader(rows)) - 1
    return f"{count} articles written to cyber.csv\n"


def test_the_readme_picture_is_todays_output(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    drawn = tmp_path / "query.svg"
    subprocess.run(
        [sys.executable, str(repo / "scripts" / "screenshot.py"), "--output", str(drawn)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )

    def stable(svg: str) -> str:
        # Leave out the footer line (the time the search took, and the rule's
        # length around it) and the ids Rich derives from the whole picture.
        svg = re.sub(r"terminal-\d+", "terminal-N", svg)
        footer = re.search(r'y="([\d.]+)"[^>]*>[^<]*&#160;ms</text>', svg)
        assert footer, "the picture has no footer"
        return re.sub(rf'<text [^>]*y="{footer[1]}"[^>]*>[^<]*</text>', "", svg)

    committed = (repo / "docs" / "query.svg").read_text(encoding="utf-8")
    assert stable(drawn.read_text(encoding="utf-8")) == stable(committed), (
        "docs/query.svg is out of date: run `python scripts/screenshot.py`"
    )


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"## From Python\n.*?```python\n(.*?)```", README, re.DOTALL)
    assert block
    code = block[1].replace('"/tmp/press-index"', repr(str(tmp_path / "index")))
    monkeypatch.chdir(Path(__file__).resolve().parents[1])  # where `sample_docs` is
    printed: list[tuple[object, ...]] = []
    namespace: dict[str, object] = {"print": lambda *args: printed.append(args)}
    exec(compile(code, "README.md", "exec"), namespace)
    total, facets = printed[0]
    assert isinstance(total, int) and total > 0
    assert facets and all(isinstance(count, int) for _, count in facets)  # type: ignore[attr-defined]
    assert len(printed) == 1 + min(total, 10)


# The reference's examples that depend on the day the test runs: they must
# compile, but the sample's newest article is from 2025 and may be older than
# a week or a year by then.
RELATIVE_DATES = ("date:today", "date:yesterday", "date:[now-7d TO now]")


def syntax_examples() -> list[str]:
    from tests.search.test_query import SYNTAX_EXAMPLES

    return [*SYNTAX_EXAMPLES, 'regions:"western balkans"']


@pytest.mark.parametrize("query", syntax_examples())
def test_every_syntax_example_finds_something_on_the_sample(sample_index: Path, query: str) -> None:
    from pressearch.search.query.syntax import SYNTAX

    assert query in SYNTAX
    with Archive.open(sample_index) as archive:
        assert archive.search(query).total > 0


@pytest.mark.parametrize("query", RELATIVE_DATES)
def test_relative_date_examples_run(sample_index: Path, query: str) -> None:
    from pressearch.search.query.syntax import SYNTAX

    assert query.partition(":")[2] in SYNTAX
    with Archive.open(sample_index) as archive:
        result = archive.search(query)
    assert "now:" in result.parsed  # --explain shows what `now` was
