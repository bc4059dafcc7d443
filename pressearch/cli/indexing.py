"""The commands that build and look after the index: index, stats, check.

Model: as for searching, parse options, call `Archive` once, render.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pressearch.cli.command import RUNTIME_EXIT, error, one_line
from pressearch.cli.options import IndexOpt, JsonOpt, open_archive, stderr_console, stdout_console


def index_command(
    paths: Annotated[
        # Text, not Path: a feed address must reach the library unmangled.
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Files, folders or feed addresses to index [default: those the index"
            " covers; for a new index, the bundled sample archive].",
            show_default=False,
        ),
    ] = None,
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start the index over.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="Seconds to wait for another index run to finish.",
        ),
    ] = 10.0,
    follow_links: Annotated[
        bool,
        typer.Option(
            "--follow-links",
            "-L",
            help="Follow symbolic links that lead out of the folders indexed.",
        ),
    ] = False,
    fetch_pages: Annotated[
        bool,
        typer.Option(
            "--fetch-pages",
            help="For a feed address, index the page each entry links to (one at a time).",
        ),
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Build or update the index (only new or changed files are read)."""
    from pressearch.archive import Archive
    from pressearch.cli.render import index_progress, render_index_report
    from pressearch.escape import visible_line
    from pressearch.jsonify import dumps, index_report_json
    from pressearch.locations import default_index_dir

    archive = Archive(index if index is not None else default_index_dir())
    roots = list(paths) if paths else None
    errors = stderr_console()
    show_progress = not quiet and not json_ and errors.is_terminal
    if show_progress:
        with index_progress(errors) as bar:
            task = bar.add_task("index", total=None, rate="", stage="reading")

            def on_progress(p: Any) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                rate = f"{p.done / elapsed:,.0f} files/s" if elapsed > 0 else ""
                bar.update(task, completed=p.done, total=p.total, rate=rate, stage=p.stage)

            report = archive.index(
                roots,
                rebuild=rebuild,
                wait=wait,
                progress=on_progress,
                follow_links=follow_links,
                fetch_pages=fetch_pages,
            )
    else:
        report = archive.index(
            roots, rebuild=rebuild, wait=wait, follow_links=follow_links, fetch_pages=fetch_pages
        )
    if json_:
        typer.echo(dumps(index_report_json(report)))
    elif not quiet:
        render_index_report(report, stdout_console(), errors)
    if json_:
        # stdout holds the JSON; what was skipped or failed goes to stderr as text.
        for warning in report.warnings:
            typer.echo(
                f"Warning: {visible_line(warning.path)}: {one_line(warning.error)}", err=True
            )
    if report.failed:
        if json_ or quiet:
            for failure in report.failed:
                error(f"{failure.path}: {one_line(failure.error)}")
        raise typer.Exit(RUNTIME_EXIT)


def stats_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Article count, date range, facet values and index size."""
    from pressearch.cli.render import render_stats
    from pressearch.jsonify import dumps, stats_json

    with open_archive(index) as archive:
        result = archive.stats()
    if json_:
        typer.echo(dumps(stats_json(result)))
    else:
        render_stats(result, stdout_console())


def check_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Verify the index: every segment opens, every stored article reads, counts agree."""
    from pressearch.cli.render import render_check
    from pressearch.jsonify import check_json, dumps

    with open_archive(index) as archive:
        report = archive.check()
    if json_:
        typer.echo(dumps(check_json(report)))
    else:
        render_check(report, stdout_console())
    if report.problems:
        raise typer.Exit(RUNTIME_EXIT)
