"""The commands that search and read: query, batch, export, show, similar, facets, syntax.

Model: each parses its options, calls `Archive` once and renders the result
(`render` on a terminal or in a pipe, `jsonify` for --json, `export` for files).
Library modules are imported inside the commands so that `--help` is fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pressearch.cli.command import error, one_line
from pressearch.cli.options import (
    CollapseOpt,
    ExportFormat,
    FacetOpt,
    FilterOpt,
    HistogramUnit,
    IndexOpt,
    JsonOpt,
    LimitOpt,
    Match,
    MatchOpt,
    NoCollapseOpt,
    PageOpt,
    SinceOpt,
    SnippetsOpt,
    Sort,
    SortOpt,
    UntilOpt,
    open_archive,
    search_request,
    stdout_console,
)

if TYPE_CHECKING:
    from pressearch.models import SearchResult


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
    collapse: CollapseOpt = None,
    no_collapse: NoCollapseOpt = False,
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
    request = search_request(
        text, match, facet, filter_, sort, limit, page, since, until, collapse, no_collapse
    )
    with open_archive(index) as archive:
        result = archive.search(
            request, snippets=snippets, histogram=histogram.value if histogram else None
        )
    # Each output imports its own renderer (Rich alone costs ~25 ms), once the search is done.
    if json_:
        from pressearch.jsonify import dumps, search_json

        typer.echo(dumps(search_json(result)))
    else:
        from pressearch.cli.render import render_search

        console = stdout_console()
        if explain:
            from rich.table import Table
            from rich.text import Text

            from pressearch.escape import visible

            # Two columns, so that a long line wraps under its own text, not its label.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for line in result.parsed.splitlines():
                label, _, said = line.partition(": ")
                grid.add_row(Text(f"{label}:", style="bold"), Text(visible(said.strip())))
            console.print(grid)
            console.print()
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
    collapse: CollapseOpt = None,
    no_collapse: NoCollapseOpt = False,
) -> None:
    """Run one query per line; print one JSON object per line, in order.

    A line that holds a query gets the `query --json` object; a line that
    cannot be run (blank, not UTF-8, malformed) gets `{"line", "query",
    "error"}`, so output line N always answers input line N.
    """
    from dataclasses import replace

    from pressearch.errors import QueryError, UsageError
    from pressearch.jsonify import dumps, search_json

    template = search_request(
        "", match, facet, filter_, sort, limit, page, since, until, collapse, no_collapse
    )
    failed = 0
    with open_archive(index) as archive:
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
                error(f"line {lineno}: {one_line(str(exc))}")
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
    collapse: CollapseOpt = None,
    no_collapse: NoCollapseOpt = False,
) -> None:
    """Export every matching article (no cap) with its snippets, as CSV or JSON Lines."""
    from pressearch.export import output_file, write_export

    request = search_request(
        text, match, None, filter_, sort, 10, 1, since, until, collapse, no_collapse
    )
    with open_archive(index) as archive:
        hits = archive.export(request)
        if output is None:
            write_export(hits, fmt.value, sys.stdout)
            return
        with output_file(output) as out:
            count = write_export(hits, fmt.value, out)
    typer.echo(f"{count} articles written to {output}", err=True)


def show_command(
    key: Annotated[str, typer.Argument(metavar="REF", help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one article in full."""
    from pressearch.cli.render import render_article
    from pressearch.jsonify import article_json, dumps

    with open_archive(index) as archive:
        article = archive.get(key)
    if json_:
        typer.echo(dumps(article_json(article)))
    else:
        render_article(article, stdout_console())


def similar_command(
    key: Annotated[str, typer.Argument(metavar="REF", help="Article id, source URL or file path.")],
    index: IndexOpt = None,
    limit: LimitOpt = 10,
    json_: JsonOpt = False,
) -> None:
    """Articles most like this one."""
    from pressearch.cli.render import render_search
    from pressearch.jsonify import dumps, search_json

    with open_archive(index) as archive:
        result = archive.similar(key, limit=limit)
    if json_:
        typer.echo(dumps(search_json(result)))
    else:
        render_search(result, stdout_console(), about=result.about)


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

    with open_archive(index) as archive:
        canonical, counts = archive.facet_values(name)
    if json_:
        typer.echo(dumps(facet_values_json(canonical, counts)))
    else:
        render_facet_values(canonical, counts, stdout_console())


def syntax_command() -> None:
    """The query language, with an example of each element."""
    from pressearch.cli.render import render_syntax
    from pressearch.search.query.syntax import SYNTAX

    render_syntax(SYNTAX, stdout_console())
