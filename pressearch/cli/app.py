"""The `pressearch` command line: its entry point, and Typer's app (`commands`) on demand.

Model: `main` runs a usual `pressearch query` without Typer (`quick`: the
same output, ~35 ms sooner in a new process) and hands everything else to
the Typer app of `commands`, which is imported only then. `app` is that
Typer app, for `CliRunner` and whoever else asks for it.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer


def main() -> None:
    """Console-script entry point."""
    try:
        from pressearch.cli.quick import run_query

        code = run_query(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        from pressearch.cli.commands import app

        app()
    finally:
        # The process ends here. Its exit would walk every object of its few
        # hundred modules looking for cycles (~40 ms of a one-off query):
        # nothing is left for the cycle collector to free that matters, as
        # the commands close what they write. atexit handlers still run.
        gc.freeze()


def __getattr__(name: str) -> Any:
    # `app` on demand: importing Typer is what `quick` spares a one-off query.
    if name == "app":
        from pressearch.cli.commands import app

        typer_app: typer.Typer = app
        return typer_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
