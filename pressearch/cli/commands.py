"""The `pressearch` command tree: Typer's app and its commands.

Model: one small Typer function per command, in `searching` (query, batch,
export, show, similar, facets, syntax), `indexing` (index, stats, check) and
`serve`; each turns its options into library values, makes one call on
`pressearch.Archive` and hands the result to `render` (Rich), `jsonify`
(JSON) or `export` (CSV, JSON Lines). How failures end, and exit codes, is
`command`'s one job; shared options are `options`. `app.main` runs it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pressearch.cli import indexing, searching
from pressearch.cli.command import DEBUG, Command, ExitCodeGroup, TextFirstCommand
from pressearch.cli.duplicates import duplicates_command
from pressearch.cli.serve import serve_command
from pressearch.cli.watch import watch_app

app = typer.Typer(
    cls=ExitCodeGroup,
    name="pressearch",
    help="Full-text search for press archives: index newsroom articles, then query them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"pressearch {version('pressearch')}")
        raise typer.Exit()


@app.callback()
def _options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the full traceback of an internal error (a bug)."),
    ] = False,
) -> None:
    """Full-text search for press archives: index newsroom articles, then query them."""
    ctx.meta[DEBUG] = debug


app.command("index", cls=Command)(indexing.index_command)
app.command("query", cls=TextFirstCommand)(searching.query_command)
app.command("batch", cls=Command)(searching.batch_command)
app.command("export", cls=TextFirstCommand)(searching.export_command)
app.command("show", cls=Command)(searching.show_command)
app.command("similar", cls=Command)(searching.similar_command)
app.command("stats", cls=Command)(indexing.stats_command)
app.command("facets", cls=Command)(searching.facets_command)
app.command("check", cls=Command)(indexing.check_command)
app.command("duplicates", cls=Command)(duplicates_command)
app.command("syntax", cls=Command)(searching.syntax_command)
app.command("serve", cls=Command)(serve_command)
app.add_typer(watch_app, name="watch")
