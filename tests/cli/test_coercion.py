"""Option values turned without Pydantic are exactly what Typer's own coercion makes of them.

Every parameter of every command, given the values people type (and some
they should not), gets from `QuickValue` the value Typer's Pydantic adapter
returns, of the same type, or the same error message.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter

from pressearch.cli.app import app
from pressearch.cli.coercion import QuickValue


def _parameters() -> Iterator[tuple[Any, _TyperParameter]]:
    def walk(command: Any) -> Iterator[tuple[Any, _TyperParameter]]:
        ctx = Context(command)
        for param in command.get_params(ctx):
            assert isinstance(param, _TyperParameter)
            yield command, param
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    return walk(typer.main.get_command(app))


def _samples(annotation: Any, tmp_path: Path) -> list[Any]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        members = list(annotation)
        return [*members, *(m.value for m in members), members[0].value.upper(), "bogus", ""]
    if annotation is int:
        return ["5", "1", "0", "-1", "007", " 5", "1_0", "5.0", "x", "", "9" * 30, 5, 0]
    if annotation is float:
        return ["0.8", "1", "0.3", "0", "10.5", "1e3", ".5", "x", "", 0.8, 10.0]
    if annotation is str:
        return ["x", "", "-a", "two words", "é"]
    if annotation is Path:
        afile = tmp_path / "a file"
        afile.write_text("x")
        return [str(tmp_path), str(afile), str(tmp_path / "none"), "-", "", "~/x", tmp_path]
    if annotation == list[str]:
        return [("a",), ("a", "b"), (), ["x"]]
    if annotation is bool:
        return [True, False]
    raise AssertionError(f"a parameter type this test does not know: {annotation}")


def _outcome(runtime: Any, value: Any, param: _TyperParameter, ctx: Context) -> tuple[Any, ...]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return ("error", exc.format_message())
    return ("value", type(result), result)


def test_every_parameter_coerces_as_typer_does(tmp_path: Path) -> None:
    seen = 0
    for command, param in _parameters():
        descriptor = param.type_descriptor
        quick = QuickValue(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )
        typer_own = build_runtime_param(descriptor)
        ctx = Context(command)
        for value in [None, *_samples(descriptor.annotation, tmp_path)]:
            expected = _outcome(typer_own, value, param, ctx)
            assert _outcome(quick, value, param, ctx) == expected, (command.name, param.name, value)
            seen += 1
    assert seen > 300


@pytest.mark.parametrize(
    "args",
    [
        ["query", "two words", "-n", "5", "--sort", "newest", "--facet", "year", "--index", "IX"],
        ["query", "two words", "--json", "--filter", "year=2020", "--page", "2", "--index", "IX"],
        ["--help"],
    ],
)
def test_a_command_does_not_import_pydantic(tmp_path: Path, args: list[str]) -> None:
    """Pydantic costs a one-off query ~60 ms of ~150: the values it would check are simple."""
    script = (
        "import sys\n"
        "from pressearch.cli.app import main\n"
        f"sys.argv = ['pressearch', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pydantic' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # "IX" is a folder that holds no index
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    assert done.stderr.splitlines()[-1] == "False", done.stderr
