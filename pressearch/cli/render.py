"""Turn results into what users read: Rich on a terminal, plain text in a pipe, JSON, CSV.

Model: every renderer takes a value from the library (`SearchResult`,
`Article`, `IndexStats`, `IndexReport`, ...) and a `Console`, and writes. The
`*_json` functions build the public JSON contracts documented in README, in
one place. Article text is data, never markup: it goes into `rich.text.Text`
objects (never parsed for markup) after `visible()` has made control characters
visible, so no article can style, link or take over the terminal. This is
the only module that imports Rich.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from rich import box
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from pressearch.escape import visible, visible_line

if TYPE_CHECKING:
    # Only for annotations: `pressearch index` must not import the query layer.
    from pressearch.models import (
        Article,
        CheckReport,
        FacetCount,
        Hit,
        IndexReport,
        IndexStats,
        SearchResult,
        Snippet,
    )

MATCH_STYLE = "bold black on yellow"
HEADLINE_STYLE = "bold"
META_STYLE = "dim"
_BAR_WIDTH = 16


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich exits with status 1 here; the CLI treats a reader that went
        # away (`pressearch query … | head -1`) as success, in one place.
        raise BrokenPipeError


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console for `file` (stdout by default): colour on terminals, honouring NO_COLOR."""
    console = _Console(file=file, stderr=stderr, highlight=False, emoji=False, markup=False)
    if not console.is_terminal:
        # In a pipe, one line per paragraph is what grep and friends want.
        console.soft_wrap = True
    return console


def is_plain(console: Console) -> bool:
    """Plain output (no boxes, no bars) when writing to a pipe or a file."""
    return not console.is_terminal


def facet_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _marked(snippet: Snippet, base_style: str = "") -> Text:
    text = Text(visible(snippet.text), style=base_style)
    for start, end in snippet.matches:
        text.stylize(MATCH_STYLE, start, end)
    return text


def _meta(hit: Hit | Article) -> Text:
    parts = [
        hit.date.isoformat() if hit.date else "no date",
        hit.type or "",
        hit.source or "",
        f"id {hit.id}",
    ]
    return Text(" · ".join(visible_line(p) for p in parts if p), style=META_STYLE)


# --- query ------------------------------------------------------------------


def render_search(result: SearchResult, console: Console) -> None:
    """A result page: hits with snippets, facet panels, footer."""
    plain = is_plain(console)
    if result.suggestion:
        console.print(Text.assemble("Did you mean: ", (visible(result.suggestion), "bold"), "?"))
    if not result.hits:
        console.print(Text(f"No articles match {visible(result.query)}."))
    for hit in result.hits:
        console.print(_hit_renderable(hit, plain))
    if result.facets:
        console.print(_facets_renderable(result.facets, plain))
    footer = (
        f"{result.total} {'hit' if result.total == 1 else 'hits'} · "
        f"page {result.page} of {result.pages} · {result.took_ms:.0f} ms"
    )
    if plain:
        console.print(footer)
    else:
        console.print(Rule(Text(footer, style=META_STYLE), style="dim"))


def _hit_renderable(hit: Hit, plain: bool) -> RenderableType:
    rank = Text(f"{hit.rank:>3}.", style="bold cyan")
    headline = _marked(hit.headline_snippet, HEADLINE_STYLE)
    meta = _meta(hit)
    meta.append(f" · score {hit.score:.2f}", style=META_STYLE)
    snippets = []
    for snippet in hit.snippets:
        if snippet.field == "quotes":
            line = Text("“", style="italic")
            line.append_text(_marked(snippet, "italic"))
            line.append("”", style="italic")
        else:
            line = _marked(snippet)
        snippets.append(line)
    if plain:
        # One line per part, no wrapping: what grep and friends want.
        lines = [Text.assemble(rank, " ", headline)]
        lines += [Text.assemble("     ", part) for part in (meta, *snippets)]
        return Group(*lines, Text(""))
    # On a terminal a grid keeps wrapped lines indented under the headline.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=4, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(rank, Group(headline, meta, *snippets))
    return Group(grid, Text(""))


def _facets_renderable(facets: dict[str, list[FacetCount]], plain: bool) -> RenderableType:
    blocks: list[RenderableType] = []
    for name, counts in facets.items():
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("value", overflow="fold", max_width=36)
        table.add_column("count", justify="right")
        if not plain:
            table.add_column("bar", no_wrap=True)
        top = max((c.count for c in counts), default=1)
        for c in counts:
            row: list[RenderableType] = [Text(visible(c.value)), Text(str(c.count))]
            if not plain:
                width = max(1, round(_BAR_WIDTH * c.count / top))
                row.append(Text("█" * width, style="cyan"))
            table.add_row(*row)
        if not counts:
            table.add_row(Text("(none)", style=META_STYLE), Text(""), *([] if plain else [""]))
        if plain:
            blocks.append(Group(Text(facet_title(name)), table, Text("")))
        else:
            blocks.append(
                Panel(
                    table,
                    title=Text(facet_title(name), style="bold"),
                    title_align="left",
                    box=box.ROUNDED,
                    expand=False,
                    border_style="dim",
                )
            )
    return Group(*blocks) if plain else Columns(blocks, padding=(0, 1))


# --- show -------------------------------------------------------------------


def render_article(article: Article, console: Console) -> None:
    """One article in full."""
    plain = is_plain(console)
    parts: list[RenderableType] = [
        Text(visible(article.headline), style=HEADLINE_STYLE),
        _meta(article),
    ]
    if article.url:
        parts.append(Text(visible_line(article.url), style=META_STYLE))
    if article.speakers:
        parts.append(Text(""))
        for s in article.speakers:
            line = Text(visible(s.name), style="bold")
            if s.role:
                line.append(f" — {visible(s.role)}")
            parts.append(line)
    parts.append(Text(""))
    for paragraph in article.body.split("\n\n"):
        parts.append(Text(visible(paragraph)))
        parts.append(Text(""))
    for quote in article.quotes:
        line = Text(f"“{visible(quote.text)}”", style="italic")
        if quote.speaker:
            line.append(f" — {visible(quote.speaker)}", style="bold")
        parts.append(line)
        parts.append(Text(""))
    for name, values in article.taxonomy.items():
        line = Text(f"{facet_title(name)}: ", style="bold")
        line.append(" • ".join(visible(v) for v in values))
        parts.append(line)
    parts.append(Text(f"file: {visible_line(article.path)}", style=META_STYLE))
    if plain:
        for part in parts:
            console.print(part)
    else:
        console.print(Panel(Group(*parts), box=box.ROUNDED, padding=(0, 1)))


# --- stats and facets -------------------------------------------------------


def render_stats(stats: IndexStats, console: Console, *, top: int = 10) -> None:
    plain = is_plain(console)
    span = (
        f"{stats.date_min.isoformat()} to {stats.date_max.isoformat()}"
        if stats.date_min and stats.date_max
        else "no dates"
    )
    console.print(Text(f"{stats.documents} articles, {span}", style="bold"))
    console.print(Text(f"index: {visible_line(stats.index_path)} ({_size(stats.index_bytes)})"))
    from pressearch.models import FacetCount

    facets = {
        name: [FacetCount(v, c) for v, c in list(values.items())[:top]]
        for name, values in stats.facets.items()
    }
    if facets:
        console.print(_facets_renderable(facets, plain))


def render_facet_values(name: str, counts: Sequence[FacetCount], console: Console) -> None:
    console.print(_facets_renderable({name: list(counts)}, is_plain(console)))


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


# --- index ------------------------------------------------------------------


def render_index_report(report: IndexReport, console: Console, errors: Console) -> None:
    for warning in report.warnings:
        errors.print(Text(f"Warning: {visible_line(warning.path)}: {visible_line(warning.error)}"))
    for failure in report.failed:
        errors.print(Text(f"Error: {visible_line(failure.path)}: {visible_line(failure.error)}"))
    console.print(
        Text(
            f"{report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged, {len(report.failed)} failed "
            f"({report.files_seen} files in {report.seconds:.1f} s)"
        )
    )
    console.print(Text(f"index: {visible_line(report.index_dir)}", style=META_STYLE))


def index_progress(console: Console) -> Progress:
    """The progress bar of `pressearch index` (files/s and ETA), for stderr."""
    return Progress(
        TextColumn("Indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


# --- check ------------------------------------------------------------------


def render_check(report: CheckReport, console: Console) -> None:
    for problem in report.problems:
        console.print(Text(f"problem: {visible_line(problem)}"))
    verdict = "consistent" if not report.problems else f"{len(report.problems)} problem(s)"
    console.print(
        Text(
            f"{visible_line(report.index_path)}: {report.documents} articles in "
            f"{report.segments} segment(s), {verdict}"
        )
    )


# --- syntax -----------------------------------------------------------------


def render_syntax(text: str, console: Console) -> None:
    console.print(Text(text))
