"""Turn results into what users read: Rich on a terminal, plain text in a pipe, JSON, CSV.

Model: every renderer takes a value from the library (`SearchResult`,
`Article`, `IndexStats`, `IndexReport`, ...) and a `Console`, and writes. The
`*_json` functions build the public JSON contracts documented in README, in
one place. Article text is data, never markup: it goes into `rich.text.Text`
objects (never parsed for markup) after `safe()` has made control characters
visible, so no article can style, link or take over the terminal. This is
the only module that imports Rich.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

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

# C0 controls (but tab and newline), DEL and C1 controls become their visible
# "control picture" (or U+FFFD for C1), one character for one, so snippet
# match offsets stay valid and escape sequences can never reach the terminal.
_CONTROL_PICTURES = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_CONTROL_PICTURES[0x7F] = "\u2421"
_CONTROL_PICTURES.update({c: "\ufffd" for c in range(0x80, 0xA0)})
# Bidirectional overrides can reorder what the user sees; show them as U+FFFD too.
_CONTROL_PICTURES.update({c: "\ufffd" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def safe(text: str) -> str:
    """`text` with every control character replaced by a visible stand-in."""
    return text.translate(_CONTROL_PICTURES)


_LINE_PICTURES = {0x09: "\u2409", 0x0A: "\u240a"}


def safe_line(text: str) -> str:
    """`safe(text)` on one line: tab and newline shown too (file names, paths, messages)."""
    return safe(text).translate(_LINE_PICTURES)


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console for `file` (stdout by default): colour on terminals, honouring NO_COLOR."""
    console = Console(file=file, stderr=stderr, highlight=False, emoji=False, markup=False)
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
    text = Text(safe(snippet.text), style=base_style)
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
    return Text(" · ".join(safe_line(p) for p in parts if p), style=META_STYLE)


# --- query ------------------------------------------------------------------


def render_search(result: SearchResult, console: Console) -> None:
    """A result page: hits with snippets, facet panels, footer."""
    plain = is_plain(console)
    if result.suggestion:
        console.print(Text.assemble("Did you mean: ", (safe(result.suggestion), "bold"), "?"))
    if not result.hits:
        console.print(Text(f"No articles match {safe(result.query)}."))
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
            row: list[RenderableType] = [Text(safe(c.value)), Text(str(c.count))]
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


def snippet_json(snippet: Snippet) -> dict[str, Any]:
    return {
        "field": snippet.field,
        "text": snippet.text,
        "matches": [list(m) for m in snippet.matches],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "path": hit.path,
        "url": hit.url,
        "headline": hit.headline,
        "date": hit.date.isoformat() if hit.date else None,
        "type": hit.type,
        "source": hit.source,
        "score": hit.score,
        "snippets": [snippet_json(s) for s in hit.snippets],
    }


def search_json(result: SearchResult) -> dict[str, Any]:
    """The JSON contract of `query --json` (and of each line of `batch`)."""
    return {
        "query": result.query,
        "parsed": result.parsed,
        "total": result.total,
        "page": result.page,
        "limit": result.limit,
        "took_ms": result.took_ms,
        "hits": [hit_json(h) for h in result.hits],
        "facets": {
            name: [{"value": c.value, "count": c.count} for c in counts]
            for name, counts in result.facets.items()
        },
        "suggestion": result.suggestion,
    }


# What `json.dumps` leaves raw but a terminal may act on: DEL, C1 controls
# (U+009B is CSI to some terminals) and bidirectional overrides. They can only
# occur inside strings, where a \uXXXX escape decodes to the same text.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any) -> str:
    """One line of JSON; text unchanged (not ASCII-escaped), every control character escaped."""
    text = json.dumps(data, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# --- export -----------------------------------------------------------------

CSV_COLUMNS = (
    "rank",
    "id",
    "date",
    "type",
    "source",
    "headline",
    "url",
    "path",
    "score",
    "snippets",
)


def write_export(hits: Iterable[Hit], fmt: str, out: IO[str]) -> int:
    """Write every hit as CSV or JSON Lines; returns the number written."""
    count = 0
    if fmt == "csv":
        # CSV has no escapes: control characters (from file names) are made
        # visible as on the terminal, since the file may well be shown on one.
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for hit in hits:
            writer.writerow(
                [
                    hit.rank,
                    safe(hit.id),
                    hit.date.isoformat() if hit.date else "",
                    safe(hit.type or ""),
                    safe(hit.source or ""),
                    safe(hit.headline),
                    safe(hit.url or ""),
                    safe(hit.path),
                    hit.score,
                    safe(" … ".join(s.text for s in hit.snippets)),
                ]
            )
            count += 1
    else:
        for hit in hits:
            out.write(dumps({"rank": hit.rank, **hit_json(hit)}) + "\n")
            count += 1
    return count


# --- show -------------------------------------------------------------------


def render_article(article: Article, console: Console) -> None:
    """One article in full."""
    plain = is_plain(console)
    parts: list[RenderableType] = [
        Text(safe(article.headline), style=HEADLINE_STYLE),
        _meta(article),
    ]
    if article.url:
        parts.append(Text(safe_line(article.url), style=META_STYLE))
    if article.speakers:
        parts.append(Text(""))
        for s in article.speakers:
            line = Text(safe(s.name), style="bold")
            if s.role:
                line.append(f" — {safe(s.role)}")
            parts.append(line)
    parts.append(Text(""))
    for paragraph in article.body.split("\n\n"):
        parts.append(Text(safe(paragraph)))
        parts.append(Text(""))
    for quote in article.quotes:
        line = Text(f"“{safe(quote.text)}”", style="italic")
        if quote.speaker:
            line.append(f" — {safe(quote.speaker)}", style="bold")
        parts.append(line)
        parts.append(Text(""))
    for name, values in article.taxonomy.items():
        line = Text(f"{facet_title(name)}: ", style="bold")
        line.append(" • ".join(safe(v) for v in values))
        parts.append(line)
    parts.append(Text(f"file: {safe_line(article.path)}", style=META_STYLE))
    if plain:
        for part in parts:
            console.print(part)
    else:
        console.print(Panel(Group(*parts), box=box.ROUNDED, padding=(0, 1)))


# --- stats and facets -------------------------------------------------------


def stats_json(stats: IndexStats) -> dict[str, Any]:
    return {
        "documents": stats.documents,
        "date_min": stats.date_min.isoformat() if stats.date_min else None,
        "date_max": stats.date_max.isoformat() if stats.date_max else None,
        "facets": stats.facets,
        "index_path": stats.index_path,
        "index_bytes": stats.index_bytes,
    }


def render_stats(stats: IndexStats, console: Console, *, top: int = 10) -> None:
    plain = is_plain(console)
    span = (
        f"{stats.date_min.isoformat()} to {stats.date_max.isoformat()}"
        if stats.date_min and stats.date_max
        else "no dates"
    )
    console.print(Text(f"{stats.documents} articles, {span}", style="bold"))
    console.print(Text(f"index: {safe_line(stats.index_path)} ({_size(stats.index_bytes)})"))
    from pressearch.models import FacetCount

    facets = {
        name: [FacetCount(v, c) for v, c in list(values.items())[:top]]
        for name, values in stats.facets.items()
    }
    if facets:
        console.print(_facets_renderable(facets, plain))


def render_facet_values(name: str, counts: Sequence[FacetCount], console: Console) -> None:
    console.print(_facets_renderable({name: list(counts)}, is_plain(console)))


def facet_values_json(name: str, counts: Sequence[FacetCount]) -> dict[str, Any]:
    return {"facet": name, "values": [{"value": c.value, "count": c.count} for c in counts]}


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


# --- index ------------------------------------------------------------------


def index_report_json(report: IndexReport) -> dict[str, Any]:
    """The JSON contract of `index --json`."""
    return {
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "failed": [{"path": f.path, "error": f.error} for f in report.failed],
    }


def render_index_report(report: IndexReport, console: Console, errors: Console) -> None:
    for warning in report.warnings:
        errors.print(Text(f"Warning: {safe_line(warning.path)}: {safe_line(warning.error)}"))
    for failure in report.failed:
        errors.print(Text(f"Error: {safe_line(failure.path)}: {safe_line(failure.error)}"))
    console.print(
        Text(
            f"{report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged, {len(report.failed)} failed "
            f"({report.files_seen} files in {report.seconds:.1f} s)"
        )
    )
    console.print(Text(f"index: {safe_line(report.index_dir)}", style=META_STYLE))


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


def check_json(report: CheckReport) -> dict[str, Any]:
    return {
        "index_path": report.index_path,
        "documents": report.documents,
        "segments": report.segments,
        "problems": list(report.problems),
    }


def render_check(report: CheckReport, console: Console) -> None:
    for problem in report.problems:
        console.print(Text(f"problem: {safe_line(problem)}"))
    verdict = "consistent" if not report.problems else f"{len(report.problems)} problem(s)"
    console.print(
        Text(
            f"{safe_line(report.index_path)}: {report.documents} articles in "
            f"{report.segments} segment(s), {verdict}"
        )
    )


# --- syntax -----------------------------------------------------------------


def render_syntax(text: str, console: Console) -> None:
    console.print(Text(text))


__all__ = [
    "CSV_COLUMNS",
    "check_json",
    "dumps",
    "facet_values_json",
    "hit_json",
    "index_progress",
    "index_report_json",
    "make_console",
    "render_article",
    "render_check",
    "render_facet_values",
    "render_index_report",
    "render_search",
    "render_stats",
    "render_syntax",
    "safe",
    "safe_line",
    "search_json",
    "stats_json",
    "write_export",
]
