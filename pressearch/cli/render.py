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

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.text import Text

from pressearch.escape import visible, visible_line
from pressearch.wording import counted

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    # Only for annotations: `pressearch index` must not import the query layer.
    from pressearch.models import (
        Article,
        CheckReport,
        DuplicateCluster,
        FacetCount,
        Hit,
        IndexReport,
        IndexStats,
        SearchResult,
        Snippet,
    )
    from pressearch.watch import Watch, WatchRun

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


def link_target(url: str | None, path: str) -> str | None:
    """Where a hit's hyperlink may point: its http(s) URL, else its file; None if neither is safe.

    Only a URL the index recorded as the article's source, never text from
    the body, and only one without spaces or control characters, so a link
    cannot carry escape sequences or point somewhere the text does not say.
    """
    if url and _SAFE_URL.fullmatch(url):
        return url
    if path.startswith("/") and not _UNSAFE_PATH.search(path):
        return PurePosixPath(path).as_uri()
    return None


_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)
_UNSAFE_PATH = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


def render_search(
    result: SearchResult,
    console: Console,
    *,
    scores: bool = True,
    about: Article | None = None,
) -> None:
    """A result page: hits with snippets, facet panels, footer.

    `scores=False` leaves the score out (when hits are sorted by date, the
    score says nothing about the order); `about` is the article a `similar`
    page compares against.
    """
    plain = is_plain(console)
    if about is not None:
        heading = Text("Articles like: ", style="bold")
        heading.append(visible_line(about.headline))
        heading.append(f" (id {visible_line(about.id)})", style=META_STYLE)
        console.print(heading)
        console.print()
    if result.suggestion:
        console.print(Text.assemble("Did you mean: ", (visible(result.suggestion), "bold"), "?"))
    if result.total and result.page > result.pages:
        console.print(
            Text(f"Page {result.page} is past the last page ({result.pages}); try --page 1.")
        )
    elif not result.hits:
        console.print(Text(f"No articles match {visible(result.query)}."))
    for hit in result.hits:
        console.print(_hit_renderable(hit, plain, scores=scores))
    if result.facets:
        console.print(_facets_renderable(result.facets, plain))
    if result.histogram:
        console.print(_histogram_renderable(result.histogram, plain))
    page = min(result.page, result.pages)
    footer = f"{counted(result.total, 'article')} · page {page} of {result.pages}"
    if result.page < result.pages:
        footer += f" · next: --page {result.page + 1}"
    footer += f" · {result.took_ms:.0f} ms"
    if plain:
        console.print(footer)
    else:
        from rich.rule import Rule

        console.print(Rule(Text(footer, style=META_STYLE), style="dim"))


def _hit_renderable(hit: Hit, plain: bool, *, scores: bool = True) -> RenderableType:
    rank = Text(f"{hit.rank:>3}.", style="bold cyan")
    headline = _marked(hit.headline_snippet, HEADLINE_STYLE)
    meta = _meta(hit)
    if scores:
        meta.append(f" · score {hit.score:.2f}", style=META_STYLE)
    target = link_target(hit.url, hit.path)
    where = Text(visible_line(hit.url or hit.path), style=META_STYLE)
    if target is not None and not plain:
        where.stylize(Style(link=target))
        headline.stylize(Style(link=target))
    snippets = []
    if hit.duplicates:
        # Identical or near-identical, as the search folded them (--collapse).
        copies = "1 more copy" if len(hit.duplicates) == 1 else f"{len(hit.duplicates)} more copies"
        ids = ", ".join(visible_line(d) for d in hit.duplicates)
        snippets.append(Text(f"{copies}: id {ids}", style=META_STYLE))
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
        lines += [Text.assemble("     ", part) for part in (meta, where, *snippets)]
        return Group(*lines, Text(""))
    # On a terminal a grid keeps wrapped lines indented under the headline.
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=4, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(rank, Group(headline, meta, where, *snippets))
    return Group(grid, Text(""))


# Facet panels show this many values, most frequent first; dates show the
# latest ones in date order instead, as a histogram.
FACET_ROWS = 10
DATE_FACET_ROWS = {"year": 30, "month": 24}


def facet_rows(name: str, counts: Sequence[FacetCount]) -> tuple[list[FacetCount], int]:
    """The values a panel shows, in the order shown, and how many are left out."""
    if name in DATE_FACET_ROWS:
        latest = sorted(counts, key=lambda c: c.value)[-DATE_FACET_ROWS[name] :]
        return latest, len(counts) - len(latest)
    return list(counts[:FACET_ROWS]), max(0, len(counts) - FACET_ROWS)


def _facets_renderable(facets: Mapping[str, Sequence[FacetCount]], plain: bool) -> RenderableType:
    blocks: list[RenderableType] = []
    for name, all_counts in facets.items():
        if not all_counts:
            continue
        counts, hidden = facet_rows(name, all_counts)
        body: list[RenderableType] = _plain_facet(counts) if plain else [_facet_table(counts)]
        if hidden:
            more = "earlier" if name in DATE_FACET_ROWS else "more"
            body.append(Text(f"+{hidden} {more}", style=META_STYLE))
        if plain:
            blocks.append(Group(Text(facet_title(name)), *body, Text("")))
        else:
            from rich import box
            from rich.panel import Panel

            blocks.append(
                Panel(
                    Group(*body),
                    title=Text(facet_title(name), style="bold"),
                    title_align="left",
                    box=box.ROUNDED,
                    expand=False,
                    border_style="dim",
                )
            )
    if not blocks:
        return Text("")
    if plain:
        return Group(*blocks)
    from rich.columns import Columns

    return Columns(blocks, padding=(0, 1))


def _facet_table(counts: Sequence[FacetCount]) -> Table:
    """Values, counts and bars, values folding past 36 columns."""
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column("value", overflow="fold", max_width=36)
    table.add_column("count", justify="right")
    table.add_column("bar", no_wrap=True)
    top = max((c.count for c in counts), default=1)
    for c in counts:
        width = max(1, round(_BAR_WIDTH * c.count / top))
        table.add_row(
            Text(visible_line(c.value)), Text(str(c.count)), Text("█" * width, style="cyan")
        )
    return table


def _plain_facet(counts: Sequence[FacetCount]) -> list[RenderableType]:
    """One line per value, however long (for grep and friends), counts aligned."""
    values = [visible_line(c.value) for c in counts]
    value_width = max(map(cell_len, values), default=0)
    count_width = max((len(str(c.count)) for c in counts), default=0)
    return [
        Text(f"{v}{' ' * (value_width - cell_len(v))}  {c.count:>{count_width}}", no_wrap=True)
        for v, c in zip(values, counts, strict=True)
    ]


def _histogram_renderable(buckets: Sequence[FacetCount], plain: bool) -> RenderableType:
    """The timeline: every bucket in date order, zeros included, a bar per count."""
    if plain:
        return Group(Text("Timeline"), *_plain_facet(buckets), Text(""))
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column("bucket", no_wrap=True)
    table.add_column("count", justify="right")
    table.add_column("bar", no_wrap=True)
    top = max((b.count for b in buckets), default=0) or 1
    for b in buckets:
        # A zero is no bar at all, and any other count at least one block.
        width = max(1, round(_BAR_WIDTH * b.count / top)) if b.count else 0
        table.add_row(Text(b.value), Text(str(b.count)), Text("█" * width, style="cyan"))
    return Panel(
        table,
        title=Text("Timeline", style="bold"),
        title_align="left",
        box=box.ROUNDED,
        expand=False,
        border_style="dim",
    )


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
        from rich import box
        from rich.panel import Panel

        console.print(Panel(Group(*parts), box=box.ROUNDED, padding=(0, 1)))


# --- stats and facets -------------------------------------------------------


def render_stats(stats: IndexStats, console: Console) -> None:
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
        name: [FacetCount(v, c) for v, c in values.items()] for name, values in stats.facets.items()
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
    if report.sample:
        console.print(
            Text("Indexed the bundled sample archive (invented articles, for trying pressearch)")
        )
    console.print(
        Text(
            f"{report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged, {len(report.failed)} failed "
            f"({counted(report.files_seen, 'file')} in {report.seconds:.1f} s)"
        )
    )
    console.print(Text(f"index: {visible_line(report.index_dir)}", style=META_STYLE))


def index_progress(console: Console) -> Progress:
    """The progress bar of `pressearch index` (its stage, files/s and ETA), for stderr.

    The stage ("reading", "writing", "committing") tells a bar at 100% that
    is still writing segments from one that is stuck.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("Indexing"),
        TextColumn("{task.fields[stage]:<10}"),
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


# --- duplicates -------------------------------------------------------------


def render_duplicates(
    clusters: Sequence[DuplicateCluster], threshold: float, console: Console
) -> None:
    """One block per cluster: its similarity, then each article's date, source, headline, id."""
    if not clusters:
        console.print(Text(f"No near-duplicate articles at similarity {threshold:g} or above."))
        return
    for number, cluster in enumerate(clusters, 1):
        if number > 1:
            console.print()
        heading = Text(f"{number}. ", style="bold")
        heading.append(f"{counted(len(cluster.articles), 'article')}, similarity ")
        heading.append(f"{cluster.similarity:.2f}", style="bold")
        console.print(heading)
        for article in cluster.articles:
            line = Text("   ")
            line.append(article.date.isoformat() if article.date else "no date", style=META_STYLE)
            line.append(f"  {visible_line(article.source or 'no source')}  ", style=META_STYLE)
            line.append(visible_line(article.headline), style=HEADLINE_STYLE)
            line.append(f"  id {visible_line(article.id)}", style=META_STYLE)
            console.print(line)
    console.print(
        Text(
            f"{counted(len(clusters), 'cluster')} at similarity {threshold:g} or above",
            style=META_STYLE,
        )
    )


# --- syntax -----------------------------------------------------------------


def render_syntax(text: str, console: Console) -> None:
    console.print(Text(text))


# --- watch ------------------------------------------------------------------


def render_watch_runs(runs: Sequence[WatchRun], console: Console) -> None:
    """Each watch's new matches since its last run, hits as `query` shows them."""
    plain = is_plain(console)
    for run in runs:
        since = f"since {run.since:%Y-%m-%d %H:%M} UTC" if run.since else "first run"
        heading = Text(visible_line(run.name), style="bold")
        heading.append(f" — {visible_line(run.query)}", style=META_STYLE)
        heading.append(f": {counted(len(run.hits), 'new article')} ({since})")
        console.print(heading)
        for hit in run.hits:
            console.print(_hit_renderable(hit, plain, scores=False))
        if not run.hits:
            console.print()


def render_watches(watches: Sequence[Watch], console: Console) -> None:
    """The saved searches: name, query and options, last run."""
    if not watches:
        console.print(Text("No watches yet: add one with `pressearch watch add NAME QUERY`."))
        return
    for watch in watches:
        request = watch.request
        line = Text(visible_line(watch.name), style="bold")
        line.append(f"  {visible_line(request.text)}")
        options = [f"--match {request.match}"] if request.match != "all" else []
        options += [f"--filter {visible_line(n)}={visible_line(v)}" for n, v in request.filters]
        options += [f"--since {visible_line(request.since)}"] if request.since else []
        options += [f"--until {visible_line(request.until)}"] if request.until else []
        if options:
            line.append("  " + " ".join(options), style=META_STYLE)
        last = f"last run {watch.last_run:%Y-%m-%d %H:%M} UTC" if watch.last_run else "never run"
        line.append(f"  ({last})", style=META_STYLE)
        console.print(line)
