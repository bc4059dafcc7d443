"""The `pressearch` command line: parse arguments, call the library once, render.

Model: one small Typer function per command. Library modules are imported
inside the commands so that `pressearch --help` starts fast. Every
`PressearchError` is turned into `Error: …` on stderr and an exit code in one
place (`_ExitCodeGroup`): 2 for usage errors (bad option, bad query), 1 for
runtime failures; nothing else ever shows a traceback unless PRESSEARCH_DEBUG
is set.
"""

from __future__ import annotations

import contextlib
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from rich.console import Console

    from pressearch.models import SearchRequest

USAGE_EXIT = 2
RUNTIME_EXIT = 1


def _exit_code(exc: Exception) -> int:
    from pressearch.errors import UsageError

    return USAGE_EXIT if isinstance(exc, UsageError) else RUNTIME_EXIT


def _fail(message: str, code: int) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _error(message: str) -> None:
    """`Error: message` on stderr, control characters (from file names) made visible."""
    from pressearch.cli.render import safe_line

    typer.echo(f"Error: {safe_line(message)}", err=True)


class _ExitCodeGroup(TyperGroup):
    """Maps the library's exceptions to `Error: …` and exit codes, for every command."""

    def invoke(self, ctx: Any) -> Any:
        from pressearch.errors import PressearchError

        try:
            return super().invoke(ctx)
        except PressearchError as exc:
            _fail(_one_line(str(exc)), _exit_code(exc))
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`| head`): not an error worth a message.
            # Point stdout at /dev/null so the flush at exit cannot fail again.
            # (Under a test runner stdout is no real file: nothing left to flush.)
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if os.environ.get("PRESSEARCH_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); "
                "set PRESSEARCH_DEBUG=1 for details and please report it",
                RUNTIME_EXIT,
            )


def _one_line(message: str) -> str:
    return " ".join(message.split())


app = typer.Typer(
    cls=_ExitCodeGroup,
    name="pressearch",
    help="Full-text search for press archives: index newsroom articles, then query them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Match(str, Enum):
    all = "all"
    any = "any"


class Sort(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="Index directory [default: $PRESSEARCH_INDEX, else the user data directory].",
        show_default=False,
        file_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
MatchOpt = Annotated[
    Match, typer.Option("--match", help="all: every word must match; any: rank by words matched.")
]
FacetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--facet",
        "-f",
        help="Count a facet over all matches (repeatable; 'all').",
        show_default=False,
    ),
]
FilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        help="Keep NAME=VALUE only (repeatable; same name ORs, different names AND).",
        show_default=False,
    ),
]
SortOpt = Annotated[Sort, typer.Option("--sort", help="Order of the hits.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="Hits per page.")]
PageOpt = Annotated[int, typer.Option("--page", "-p", min=1, help="Page number.")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only articles on or after this date (e.g. 2020, 'Oct 2020').",
        show_default=False,
    ),
]
SnippetsOpt = Annotated[
    bool,
    typer.Option("--snippets/--no-snippets", help="Compute highlighted snippets for the hits."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", help="Only articles on or before this date.", show_default=False),
]


def _index_dir(index: Path | None) -> Path:
    # index.locations, not index.writer: reading commands need no parser imports.
    from pressearch.locations import default_index_dir

    return index if index is not None else default_index_dir()


def _stdout() -> Console:
    from pressearch.cli.render import make_console

    return make_console()


def _stderr() -> Console:
    from pressearch.cli.render import make_console

    return make_console(stderr=True)


def _request(
    text: str,
    match: Match,
    facet: list[str] | None,
    filter_: list[str] | None,
    sort: Sort,
    limit: int,
    page: int,
    since: str | None,
    until: str | None,
) -> SearchRequest:
    from pressearch.errors import UsageError
    from pressearch.models import SearchRequest

    filters = []
    for item in filter_ or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(
                f"--filter {item!r}: expected NAME=VALUE, "
                "e.g. --filter target_group='Law Enforcement'"
            )
        filters.append((name.strip(), value.strip()))
    return SearchRequest(
        text=text,
        match=match.value,
        filters=tuple(filters),
        facets=tuple(facet or ()),
        sort=sort.value,
        limit=limit,
        page=page,
        since=since,
        until=until,
    )


@app.command("index")
def index_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to index [default: the bundled sample archive].",
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
        typer.Option("--wait", min=0, help="Seconds to wait for another index run to finish."),
    ] = 10.0,
    json_: JsonOpt = False,
) -> None:
    """Build or update the index (only new or changed files are read)."""
    from pressearch.cli.render import dumps, index_progress, index_report_json, render_index_report
    from pressearch.index.writer import build, sample_archive_dir

    roots = list(paths) if paths else [sample_archive_dir()]
    errors = _stderr()
    show_progress = not quiet and not json_ and errors.is_terminal
    if show_progress:
        with index_progress(errors) as bar:
            task = bar.add_task("index", total=None, rate="")

            def on_progress(p: Any) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                rate = f"{p.done / elapsed:,.0f} files/s" if elapsed > 0 else ""
                bar.update(task, completed=p.done, total=p.total, rate=rate)

            report = build(
                roots, _index_dir(index), rebuild=rebuild, wait=wait, progress=on_progress
            )
    else:
        report = build(roots, _index_dir(index), rebuild=rebuild, wait=wait)
    if json_:
        typer.echo(dumps(index_report_json(report)))
    elif not quiet:
        render_index_report(report, _stdout(), errors)
    if report.failed:
        if json_ or quiet:
            for failure in report.failed:
                _error(f"{failure.path}: {_one_line(failure.error)}")
        raise typer.Exit(RUNTIME_EXIT)


@app.command("query")
def query_command(
    text: Annotated[str, typer.Argument(help="The query; see `pressearch syntax`.")],
    index: IndexOpt = None,
    match: MatchOpt = Match.all,
    facet: FacetOpt = None,
    filter_: FilterOpt = None,
    sort: SortOpt = Sort.relevance,
    limit: LimitOpt = 10,
    page: PageOpt = 1,
    since: SinceOpt = None,
    until: UntilOpt = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how the query was understood.")
    ] = False,
    snippets: SnippetsOpt = True,
    json_: JsonOpt = False,
) -> None:
    """Search the index: ranked hits with highlighted snippets, and facet counts."""
    from pressearch.cli.render import dumps, render_search, search_json
    from pressearch.search.engine import Engine

    request = _request(text, match, facet, filter_, sort, limit, page, since, until)
    with Engine(_index_dir(index)) as engine:
        result = engine.search(request, snippets=snippets)
    if json_:
        typer.echo(dumps(search_json(result)))
        return
    console = _stdout()
    if explain:
        from rich.text import Text

        from pressearch.cli.render import safe

        console.print(Text(f"Query: {safe(result.query)}\nUnderstood as: {safe(result.parsed)}\n"))
    render_search(result, console)


@app.command("batch")
def batch_command(
    file: Annotated[
        Path,
        typer.Argument(help="A file with one query per line ('-' for stdin).", allow_dash=True),
    ],
    index: IndexOpt = None,
    match: MatchOpt = Match.all,
    facet: FacetOpt = None,
    filter_: FilterOpt = None,
    sort: SortOpt = Sort.relevance,
    limit: LimitOpt = 10,
    page: PageOpt = 1,
    since: SinceOpt = None,
    until: UntilOpt = None,
    snippets: SnippetsOpt = True,
) -> None:
    """Run one query per line; print one JSON object per query (the `query --json` schema)."""
    from pressearch.cli.render import dumps, search_json
    from pressearch.errors import QueryError, UsageError
    from pressearch.search.engine import Engine

    template = _request("", match, facet, filter_, sort, limit, page, since, until)
    lines = _read_lines(file)
    failed = 0
    with Engine(_index_dir(index)) as engine:
        for lineno, line in enumerate(lines, 1):
            text = line.strip()
            if not text:
                continue
            try:
                (result,) = engine.batch([text], template, snippets=snippets)
            except QueryError as exc:
                failed += 1
                _error(f"line {lineno}: {_one_line(str(exc))}")
                typer.echo(dumps({"query": text, "error": str(exc)}))
                continue
            typer.echo(dumps(search_json(result)))
    if failed:
        raise UsageError(f"{failed} of the queries could not be understood (see above)")


def _read_lines(file: Path) -> list[str]:
    from pressearch.errors import UsageError

    if str(file) == "-":
        return sys.stdin.read().splitlines()
    try:
        return file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None


@app.command("export")
def export_command(
    text: Annotated[str, typer.Argument(help="The query; see `pressearch syntax`.")],
    index: IndexOpt = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Output format.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE instead of stdout.", dir_okay=False),
    ] = None,
    match: MatchOpt = Match.all,
    filter_: FilterOpt = None,
    sort: SortOpt = Sort.relevance,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Export every matching article (no cap) with its snippets, as CSV or JSON Lines."""
    from pressearch.cli.render import write_export
    from pressearch.search.engine import Engine

    request = _request(text, match, None, filter_, sort, 10, 1, since, until)
    with Engine(_index_dir(index)) as engine:
        hits = engine.export(request)
        if output is None:
            write_export(hits, fmt.value, sys.stdout)
            return
        tmp = output.with_name(output.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                count = write_export(hits, fmt.value, out)
            tmp.replace(output)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            _fail(f"cannot write {output}: {exc.strerror or exc}", RUNTIME_EXIT)
    typer.echo(f"{count} articles written to {output}", err=True)


@app.command("show")
def show_command(
    key: Annotated[str, typer.Argument(help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one article in full."""
    from pressearch.cli.render import dumps, render_article
    from pressearch.index.reader import get_article

    article = get_article(_index_dir(index), key)
    if json_:
        typer.echo(dumps(article.to_dict()))
    else:
        render_article(article, _stdout())


@app.command("similar")
def similar_command(
    key: Annotated[str, typer.Argument(help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    limit: LimitOpt = 10,
    json_: JsonOpt = False,
) -> None:
    """Articles most like this one."""
    from pressearch.cli.render import dumps, render_search, search_json
    from pressearch.search.engine import Engine

    with Engine(_index_dir(index)) as engine:
        result = engine.similar(key, limit)
    if json_:
        typer.echo(dumps(search_json(result)))
    else:
        render_search(result, _stdout())


@app.command("stats")
def stats_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Article count, date range, facet values and index size."""
    from pressearch.cli.render import dumps, render_stats, stats_json
    from pressearch.index.reader import stats

    result = stats(_index_dir(index))
    if json_:
        typer.echo(dumps(stats_json(result)))
    else:
        render_stats(result, _stdout())


@app.command("facets")
def facets_command(
    name: Annotated[str, typer.Argument(help="Facet name, e.g. target_group, crime_area, year.")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List a facet's values over the whole archive, with counts."""
    from pressearch.cli.render import dumps, facet_values_json, render_facet_values
    from pressearch.search.engine import Engine

    with Engine(_index_dir(index)) as engine:
        canonical, counts = engine.facet_values(name)
    if json_:
        typer.echo(dumps(facet_values_json(canonical, counts)))
    else:
        render_facet_values(canonical, counts, _stdout())


@app.command("check")
def check_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Verify the index: every segment opens, every stored article reads, counts agree."""
    from pressearch.cli.render import check_json, dumps, render_check
    from pressearch.index.check import check_index

    report = check_index(_index_dir(index))
    if json_:
        typer.echo(dumps(check_json(report)))
    else:
        render_check(report, _stdout())
    if report.problems:
        raise typer.Exit(RUNTIME_EXIT)


@app.command("syntax")
def syntax_command() -> None:
    """The query language, with an example of each element."""
    from pressearch.cli.render import render_syntax
    from pressearch.search.query import SYNTAX

    render_syntax(SYNTAX, _stdout())


def main() -> None:
    """Console-script entry point."""
    app()
