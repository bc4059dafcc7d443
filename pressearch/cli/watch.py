"""`pressearch watch`: saved searches that report what is new since their last run.

Model: a Typer sub-app whose commands each make one call on
`pressearch.watch.WatchStore` (with the `Archive` of `--index` where a
search runs) and render the result: `render` for text, JSON lines for
`--json`, an Atom document for `feed`. `run` exits 0 when some watch has
new articles and 1 when none has, so cron and scripts can act on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pressearch.cli.command import RUNTIME_EXIT, Command, TextFirstCommand
from pressearch.cli.options import (
    FilterOpt,
    IndexOpt,
    JsonOpt,
    Match,
    MatchOpt,
    SinceOpt,
    Sort,
    SortOpt,
    UntilOpt,
    open_archive,
    search_request,
    stdout_console,
)

if TYPE_CHECKING:
    from pressearch.watch import WatchStore

watch_app = typer.Typer(
    name="watch",
    help="Saved searches: what is new in the index since each one last ran.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The watch's name.")]
# The Atom feed's entries, at most.
FEED_ENTRIES = 20


def _store(index: Path | None) -> WatchStore:
    from pressearch.locations import default_index_dir
    from pressearch.watch import WatchStore

    return WatchStore(index if index is not None else default_index_dir())


@watch_app.command("add", cls=TextFirstCommand)
def add_command(
    name: NameArg,
    text: Annotated[
        str, typer.Argument(metavar="QUERY", help="The query; see `pressearch syntax`.")
    ],
    index: IndexOpt = None,
    match: MatchOpt = Match.all,
    filter_: FilterOpt = None,
    sort: SortOpt = Sort.newest,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Save a search under NAME (the query is checked against the index now)."""
    request = search_request(text, match, None, filter_, sort, 1, 1, since, until)
    with open_archive(index) as archive:
        archive.search(request, snippets=False)  # a query that cannot run fails here, not in cron
        watch = _store(archive.path).add(name, request)
    typer.echo(
        f"watch {watch.name!r} added; `pressearch watch run {watch.name}` reports its matches"
    )


@watch_app.command("list", cls=Command)
def list_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """List the saved searches of the index."""
    from pressearch.cli.render import render_watches
    from pressearch.jsonify import dumps
    from pressearch.watch import watch_json

    watches = _store(index).watches()
    if json_:
        for watch in watches:
            typer.echo(dumps(watch_json(watch)))
    else:
        render_watches(watches, stdout_console())


@watch_app.command("rm", cls=Command)
def rm_command(name: NameArg, index: IndexOpt = None) -> None:
    """Remove a saved search."""
    _store(index).remove(name)
    typer.echo(f"watch {name!r} removed")


@watch_app.command("run", cls=Command)
def run_command(
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Run this watch only [default: every watch]."),
    ] = None,
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Report the articles that match each watch and are new since its last run.

    The first run of a watch reports all its current matches. Exit status: 0
    when some watch has new articles, 1 when none has (or there are no
    watches), 2 for a usage error.
    """
    from pressearch.cli.command import error
    from pressearch.cli.render import render_watch_runs
    from pressearch.jsonify import dumps
    from pressearch.watch import run_json

    with open_archive(index) as archive:
        store = _store(archive.path)
        runs = store.run(archive, [name] if name is not None else [])
    if not runs:
        error("no watches to run (add one with `pressearch watch add NAME QUERY`)")
    if json_:
        for run in runs:
            typer.echo(dumps(run_json(run)))
    else:
        render_watch_runs(runs, stdout_console())
    if not any(run.hits for run in runs):
        raise typer.Exit(RUNTIME_EXIT)


@watch_app.command("feed", cls=Command)
def feed_command(
    name: NameArg,
    index: IndexOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, metavar="N", help="Entries in the feed.")
    ] = FEED_ENTRIES,
) -> None:
    """Write an Atom feed of the watch's latest matches (newest first) to stdout."""
    import datetime as dt
    from dataclasses import replace

    from pressearch.atom import atom_feed

    with open_archive(index) as archive:
        watch = _store(archive.path).get(name)
        request = replace(watch.request, sort="newest", limit=limit, page=1)
        result = archive.search(request)
    typer.echo(
        atom_feed(
            feed_id=f"urn:pressearch:watch:{watch.name}",
            title=f"pressearch: {watch.name} ({watch.request.text})",
            hits=result.hits,
            updated=dt.datetime.now(dt.timezone.utc),
        ),
        nl=False,
    )
