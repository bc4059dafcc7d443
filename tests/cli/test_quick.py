"""`pressearch query` without Typer (`cli.quick`) says exactly what Typer's command says.

For arguments drawn from the options the quick path reads, and others it
must leave to Typer, either it declines before writing anything, or its
output, errors and exit code are those of the Typer command.
"""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import chain
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.cli.quick import run_query
from pressearch.index.writer import build
from tests.conftest import write_article

BODY = "Customs officers seized two tonnes of cocaine hidden in a banana shipment."


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quick")
    archive = root / "archive"
    for i in range(14):
        write_article(
            archive,
            f"a{i}.md",
            headline=f"Cocaine seizure number {i}" if i % 4 else "Cocaine seizure",
            body=BODY if i % 4 == 0 else f"{BODY} Case {i}: profit from fraud {i % 3}.",
            date=f"0{1 + i % 9} Feb 20{10 + i}",
            taxonomy={"CRIME AREAS": ["Drug Trafficking", "Fraud" if i % 2 else "Money"]},
            url=f"https://police.example.org/{i}",
        )
    build([archive], root / "index")
    return root / "index"


# Timings differ from run to run.
_TIMING = re.compile(r'("took_ms": )[0-9.]+|· [0-9]+ ms')


def _same(text: str) -> str:
    return _TIMING.sub("TIMED", text)


def _check(argv: list[str], capsys: pytest.CaptureFixture[str]) -> bool:
    """Whether the quick path ran `argv` (it must then say what Typer says)."""
    capsys.readouterr()
    code = run_query(argv)
    out, err = capsys.readouterr()
    if code is None:
        assert (out, err) == ("", "")  # it declined before writing anything
        return False
    typer_run = CliRunner().invoke(app, argv)
    assert (code, _same(out), err) == (
        typer_run.exit_code,
        _same(typer_run.stdout),
        typer_run.stderr,
    )
    return True


def test_the_usual_queries_run_without_typer(
    index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--index", str(index)]
    for argv in (
        ["query", "cocaine", *where],
        ["query", *where, "seizure", "-n", "3", "--page", "2"],
        ["query", "cocaine", *where, "-f", "crime_area", "--facet", "year", "--json"],
        ["query", "-profit fraud", *where, "--match", "any", "--sort", "newest"],
        ["query", "cocaine", *where, "--no-snippets", "--no-collapse", "--limit", "20"],
        ["query", "cocaine", *where, "--limit", "2", "--limit", "4", "--snippets"],
        ["query", "zzqqxx", *where],
    ):
        assert _check(argv, capsys), argv


def test_anything_else_is_left_to_typer(
    index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--index", str(index)]
    a_file = tmp_path / "file"
    a_file.write_text("not an index")
    for argv in (
        ["query"],
        ["stats", *where],
        ["query", "cocaine", "fraud", *where],
        ["query", "--", "cocaine", *where],
        ["query", "cocaine", "--explain", *where],
        ["query", "cocaine", "--limit=3", *where],
        ["query", "cocaine", "--limit", "0", *where],
        ["query", "cocaine", "--limit", "03", *where],
        ["query", "cocaine", "--sort", "NEWEST", *where],
        ["query", "cocaine", "--index", str(a_file)],
        ["query", "cocaine", "--index", str(tmp_path / "none")],
        ["query", "cocaine", "-f", "no_such_facet", *where],
        ["query", "title:", *where],
        ["query", "cocaine", "-h"],
        ["query", "cocaine", *where, "--limit"],
    ):
        assert not _check(argv, capsys), argv


_TOKENS = st.sampled_from(
    [
        ["-n", "2"],
        ["--limit", "5"],
        ["--page", "2"],
        ["-p", "1"],
        ["-f", "crime_area"],
        ["--facet", "all"],
        ["--match", "any"],
        ["--sort", "oldest"],
        ["--json"],
        ["--no-snippets"],
        ["--snippets"],
        ["--no-collapse"],
        ["--filter", "crime_area=Fraud"],
        ["--since", "2015"],
        ["--limit", "0"],
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(_TOKENS, max_size=3),
    after=st.lists(_TOKENS, max_size=3),
    text=st.sampled_from(["cocaine", "seizure fraud", "-profit", "fraud OR money", "zz"]),
)
def test_drawn_arguments_run_as_typer_runs_them_or_are_left_to_it(
    index: Path,
    capsys: pytest.CaptureFixture[str],
    before: list[list[str]],
    after: list[list[str]],
    text: str,
) -> None:
    argv = ["query", *chain(*before), text, *chain(*after), "--index", str(index)]
    _check(argv, capsys)


def test_a_usual_query_imports_neither_typer_nor_click(index: Path) -> None:
    # What the quick path is for: a new process that never imports Typer; nor
    # what only errors (difflib's close matches) and nearly hitless queries
    # (did you mean) need.
    code = (
        "import sys\n"
        "from pressearch.cli.quick import run_query\n"
        f"code = run_query(['query', 'cocaine', '--index', {str(index)!r}])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click'}),"
        " sorted({'difflib', 'pressearch.search.suggest'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=index
    )
    assert done.stdout.splitlines()[-1] == "0 [] []"
