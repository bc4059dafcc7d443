"""The `pressearch` command line: parse arguments, call `Archive` once, render.

Model: one small Typer function per command; each turns its options into
library values, makes one call on `pressearch.Archive` and hands the result
to `render` (Rich), `jsonify` (JSON) or `export` (CSV, JSON Lines). Library
modules are imported inside the commands so that `pressearch --help` starts
fast. Every
`PressearchError` is turned into `Error: …` on stderr and an exit code in one
place (`_ExitCodeGroup`): 2 for usage errors (bad option, bad query), 1 for
runtime failures; nothing else ever shows a traceback unless PRESSEARCH_DEBUG
is set.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup

from pressearch.cli.serve import serve_command

if TYPE_CHECKING:
    from rich.console import Console

    from pressearch.archive import Archive
    from pressearch.models import SearchRequest, SearchResult

USAGE_EXIT = 2
RUNTIME_EXIT = 1
# ctx.meta key: `pressearch --debug` shows the traceback of an internal error.
_DEBUG = "pressearch.debug"


def _exit_code(exc: Exception) -> int:
    from pressearch.errors import UsageError

    return USAGE_EXIT if isinstance(exc, UsageError) else RUNTIME_EXIT


def _fail(message: str, code: int) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _error(message: str) -> None:
    """`Error: message` on stderr, control characters (from file names) made visible."""
    from pressearch.escape import visible_line

    typer.echo(f"Error: {visible_line(message)}", err=True)


class _ExitCodeGroup(TyperGroup):
    """Maps the library's exceptions to `Error: …` and exit codes, for every command.

    A usage error (a bad option, a missing argument) is one `Error:` line and
    a hint naming `--help`, instead of Click's usage block.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(USAGE_EXIT)
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "pressearch"
            _error(f"{exc.format_message()} (see `{command} --help`)")
            sys.exit(USAGE_EXIT)
        except ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.Abort:
            _error("aborted")
            sys.exit(RUNTIME_EXIT)
        sys.exit(code if isinstance(code, int) else 0)

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
            if ctx.meta.get(_DEBUG) or os.environ.get("PRESSEARCH_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {_one_line(str(exc))}): "
                "this is a bug in pressearch, please report it with the output of "
                "the same command run with `pressearch --debug …`",
                RUNTIME_EXIT,
            )


class _Command(TyperCommand):
    """Help a person reads: `query [OPTIONS] TEXT`, `index [OPTIONS] [PATH]...`.

    Typer 0.29 writes arguments as `{text}` and `text <str>`; here they are
    their metavar alone, as in every other Unix tool.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or param.name.upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name if param.nargs == 1 else name + "...")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [
            (param.metavar or param.name.upper(), param.help or "")
            for param in params
            if param.param_type_name == "argument"
        ]
        options = [
            record
            for param in params
            if param.param_type_name == "option" and (record := param.get_help_record(ctx))
        ]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class _TextFirstCommand(_Command):
    """A command whose one argument is text that may start with "-" (`query '-profit market'`).

    Click would read such text as options (`-p rofit market`, the page). A
    token is an option here only when it is exactly one of the command's
    option names, or shaped like one (`--name=value`, `--bogus`, `-z`: Click
    then says what is wrong with it); any other token is the text, which is
    moved behind `--` so that Click takes it as the argument, whatever it
    starts with. Options keep working before and after the text.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Shaped like an option (`--bogus`, `-z`) but unknown: Click's "no such option".
        option_shaped = re.compile(r"--[A-Za-z][-A-Za-z0-9]*(=.*)?|-[A-Za-z]", re.DOTALL)
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            for name in (*param.opts, *param.secondary_opts):
                if name.startswith("-"):
                    takes_value[name] = not getattr(param, "is_flag", False)
        options: list[str] = []
        texts: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                texts.extend(tokens)
            elif token in takes_value:
                options.append(token)
                if takes_value[token]:
                    options.extend(islice(tokens, 1))
            elif option_shaped.fullmatch(token):
                options.append(token)
            else:
                texts.append(token)
        return super().parse_args(ctx, [*options, "--", *texts] if texts else options)


def _one_line(message: str) -> str:
    return " ".join(message.split())


app = typer.Typer(
    cls=_ExitCodeGroup,
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
    ctx.meta[_DEBUG] = debug


class Match(str, Enum):
    all = "all"
    any = "any"


class Sort(str, Enum):
    relevance = "relevance"
    newest = "newest"
    oldest = "oldest"


class HistogramUnit(str, Enum):
    year = "year"
    month = "month"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        metavar="DIR",
        help="Index directory [default: $PRESSEARCH_INDEX, else the user data directory].",
        show_default=False,
        file_okay=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
MatchOpt = Annotated[
    Match,
    typer.Option(
        "--match",
        metavar="all|any",
        help="all: every word must match; any: rank by words matched (any text searches).",
    ),
]
FacetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--facet",
        "-f",
        metavar="NAME",
        help="Count a facet over all matches (repeatable; 'all').",
        show_default=False,
    ),
]
FilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        metavar="NAME=VALUE",
        help="Keep NAME=VALUE only (repeatable; same name ORs, different names AND).",
        show_default=False,
    ),
]
SortOpt = Annotated[
    Sort, typer.Option("--sort", metavar="relevance|newest|oldest", help="Order of the hits.")
]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="Hits per page.")]
PageOpt = Annotated[int, typer.Option("--page", "-p", min=1, metavar="N", help="Page number.")]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DATE",
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
    typer.Option(
        "--until", metavar="DATE", help="Only articles on or before this date.", show_default=False
    ),
]


def _archive(index: Path | None) -> Archive:
    """The archive at `--index` (or the default place), which must hold an index."""
    from pressearch.archive import Archive

    return Archive.open(index)


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


@app.command("index", cls=_Command)
def index_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
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
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="Seconds to wait for another index run to finish.",
        ),
    ] = 10.0,
    json_: JsonOpt = False,
) -> None:
    """Build or update the index (only new or changed files are read)."""
    from pressearch.archive import Archive
    from pressearch.cli.render import index_progress, render_index_report
    from pressearch.jsonify import dumps, index_report_json
    from pressearch.locations import default_index_dir, sample_archive_dir

    archive = Archive(index if index is not None else default_index_dir())
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

            report = archive.index(roots, rebuild=rebuild, wait=wait, progress=on_progress)
    else:
        report = archive.index(roots, rebuild=rebuild, wait=wait)
    if json_:
        typer.echo(dumps(index_report_json(report)))
    elif not quiet:
        render_index_report(report, _stdout(), errors)
    if report.failed:
        if json_ or quiet:
            for failure in report.failed:
                _error(f"{failure.path}: {_one_line(failure.error)}")
        raise typer.Exit(RUNTIME_EXIT)


@app.command("query", cls=_TextFirstCommand)
def query_command(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The query; see `pressearch syntax`.")
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
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how the query was understood.")
    ] = False,
    snippets: SnippetsOpt = True,
    histogram: Annotated[
        HistogramUnit | None,
        typer.Option(
            "--histogram",
            metavar="year|month",
            help="Add a timeline of all matches by year or month.",
            show_default=False,
        ),
    ] = None,
    json_: JsonOpt = False,
    open_: Annotated[
        int | None,
        typer.Option(
            "--open",
            min=1,
            metavar="N",
            help="Then open hit N's web address (or its file).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Search the index: ranked hits with highlighted snippets, and facet counts."""
    from pressearch.cli.render import render_search
    from pressearch.jsonify import dumps, search_json

    request = _request(text, match, facet, filter_, sort, limit, page, since, until)
    with _archive(index) as archive:
        result = archive.search(
            request, snippets=snippets, histogram=histogram.value if histogram else None
        )
    if json_:
        typer.echo(dumps(search_json(result)))
    else:
        console = _stdout()
        if explain:
            from rich.text import Text

            from pressearch.escape import visible

            console.print(
                Text(f"Query: {visible(result.query)}\nUnderstood as: {visible(result.parsed)}\n")
            )
        render_search(result, console, scores=sort is Sort.relevance)
    if open_ is not None:
        _open_hit(result, open_)


def _open_hit(result: SearchResult, rank: int) -> None:
    """Open hit number `rank` (as listed) in the browser, or its file."""
    from pressearch.cli.render import link_target
    from pressearch.errors import UsageError

    hit = next((h for h in result.hits if h.rank == rank), None)
    if hit is None:
        shown = f"{result.hits[0].rank}–{result.hits[-1].rank}" if result.hits else "none"
        raise UsageError(f"--open {rank}: no such hit on this page (shown: {shown})")
    target = link_target(hit.url, hit.path)
    if target is None:
        raise UsageError(f"--open {rank}: the hit has no web address or file to open")
    typer.launch(target)


@app.command("batch", cls=_Command)
def batch_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A file with one query per line ('-' for stdin).", allow_dash=True
        ),
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
    """Run one query per line; print one JSON object per line, in order.

    A line that holds a query gets the `query --json` object; a line that
    cannot be run (blank, not UTF-8, malformed) gets `{"line", "query",
    "error"}`, so output line N always answers input line N.
    """
    from dataclasses import replace

    from pressearch.errors import QueryError, UsageError
    from pressearch.jsonify import dumps, search_json

    template = _request("", match, facet, filter_, sort, limit, page, since, until)
    failed = 0
    with _archive(index) as archive:
        for lineno, line in enumerate(_read_lines(file), 1):
            if isinstance(line, str) and not line.strip():
                # Answered, so that output line N stays input line N; not a failure.
                typer.echo(dumps({"line": lineno, "query": "", "error": "blank line"}))
                continue
            try:
                if isinstance(line, UnicodeDecodeError):
                    raise UsageError(f"not valid UTF-8 (byte {line.start + 1} of the line)")
                result = archive.search(replace(template, text=line.strip()), snippets=snippets)
            except (QueryError, UsageError) as exc:
                failed += 1
                _error(f"line {lineno}: {_one_line(str(exc))}")
                query = line.strip() if isinstance(line, str) else None
                typer.echo(dumps({"line": lineno, "query": query, "error": str(exc)}))
                continue
            typer.echo(dumps(search_json(result)))
    if failed:
        raise UsageError(f"{failed} of the queries could not be understood (see above)")


def _read_lines(file: Path) -> list[str | UnicodeDecodeError]:
    """Each line of `file` (or stdin), decoded on its own; a line that is not UTF-8 is its error.

    Lines end at "\n" only (a "\r" before it goes too): a U+0085 or U+2028
    inside a line is part of its query, not a line break.
    """
    from pressearch.errors import UsageError

    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()  # the file's final newline ends the last line; it starts none
    lines: list[str | UnicodeDecodeError] = []
    for raw in raw_lines:
        try:
            lines.append(raw.removesuffix(b"\r").decode("utf-8"))
        except UnicodeDecodeError as exc:
            lines.append(exc)
    return lines


@app.command("export", cls=_TextFirstCommand)
def export_command(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The query; see `pressearch syntax`.")
    ],
    index: IndexOpt = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", metavar="csv|jsonl", help="Output format.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE instead of stdout.",
            dir_okay=False,
        ),
    ] = None,
    match: MatchOpt = Match.all,
    filter_: FilterOpt = None,
    sort: SortOpt = Sort.relevance,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Export every matching article (no cap) with its snippets, as CSV or JSON Lines."""
    from pressearch.export import output_file, write_export

    request = _request(text, match, None, filter_, sort, 10, 1, since, until)
    with _archive(index) as archive:
        hits = archive.export(request)
        if output is None:
            write_export(hits, fmt.value, sys.stdout)
            return
        with output_file(output) as out:
            count = write_export(hits, fmt.value, out)
    typer.echo(f"{count} articles written to {output}", err=True)


@app.command("show", cls=_Command)
def show_command(
    key: Annotated[str, typer.Argument(metavar="REF", help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one article in full."""
    from pressearch.cli.render import render_article
    from pressearch.jsonify import article_json, dumps

    with _archive(index) as archive:
        article = archive.get(key)
    if json_:
        typer.echo(dumps(article_json(article)))
    else:
        render_article(article, _stdout())


@app.command("similar", cls=_Command)
def similar_command(
    key: Annotated[str, typer.Argument(metavar="REF", help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    limit: LimitOpt = 10,
    json_: JsonOpt = False,
) -> None:
    """Articles most like this one."""
    from pressearch.cli.render import render_search
    from pressearch.jsonify import dumps, search_json

    with _archive(index) as archive:
        result = archive.similar(key, limit=limit)
    if json_:
        typer.echo(dumps(search_json(result)))
    else:
        render_search(result, _stdout(), about=result.about)


@app.command("stats", cls=_Command)
def stats_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Article count, date range, facet values and index size."""
    from pressearch.cli.render import render_stats
    from pressearch.jsonify import dumps, stats_json

    with _archive(index) as archive:
        result = archive.stats()
    if json_:
        typer.echo(dumps(stats_json(result)))
    else:
        render_stats(result, _stdout())


@app.command("facets", cls=_Command)
def facets_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Facet name, e.g. target_group, crime_area, year.")
    ],
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List a facet's values over the whole archive, with counts."""
    from pressearch.cli.render import render_facet_values
    from pressearch.jsonify import dumps, facet_values_json

    with _archive(index) as archive:
        canonical, counts = archive.facet_values(name)
    if json_:
        typer.echo(dumps(facet_values_json(canonical, counts)))
    else:
        render_facet_values(canonical, counts, _stdout())


@app.command("check", cls=_Command)
def check_command(index: IndexOpt = None, json_: JsonOpt = False) -> None:
    """Verify the index: every segment opens, every stored article reads, counts agree."""
    from pressearch.cli.render import render_check
    from pressearch.jsonify import check_json, dumps

    with _archive(index) as archive:
        report = archive.check()
    if json_:
        typer.echo(dumps(check_json(report)))
    else:
        render_check(report, _stdout())
    if report.problems:
        raise typer.Exit(RUNTIME_EXIT)


@app.command("syntax", cls=_Command)
def syntax_command() -> None:
    """The query language, with an example of each element."""
    from pressearch.cli.render import render_syntax
    from pressearch.search.query.syntax import SYNTAX

    render_syntax(SYNTAX, _stdout())


app.command("serve", cls=_Command)(serve_command)


def main() -> None:
    """Console-script entry point."""
    app()
