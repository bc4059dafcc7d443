"""The options commands share, as `Annotated` types, and the values they turn into.

Model: each option is declared once here (name, placeholder, help) and used
by every command that takes it; `search_request` turns the query options into
a `SearchRequest`, `open_archive` the `--index` option into an `Archive`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from pressearch.archive import Archive
    from pressearch.models import SearchRequest


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


class Collapse(str, Enum):
    identical = "identical"
    near = "near"
    none = "none"


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
CollapseOpt = Annotated[
    Collapse | None,
    typer.Option(
        "--collapse",
        metavar="identical|near|none",
        help=(
            "Fold copies into one hit naming them: identical text; near: also near-identical "
            "articles (syndicated copies, updates; see `pressearch duplicates`); none: show all "
            "[default: identical]."
        ),
        show_default=False,
    ),
]
# The spelling of `--collapse none` from before `near`, kept for scripts.
NoCollapseOpt = Annotated[
    bool, typer.Option("--no-collapse", help="Show every copy: the same as --collapse none.")
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until", metavar="DATE", help="Only articles on or before this date.", show_default=False
    ),
]


def open_archive(index: Path | None) -> Archive:
    """The archive at `--index` (or the default place), which must hold an index."""
    from pressearch.archive import Archive

    return Archive.open(index)


def stdout_console() -> Console:
    from pressearch.cli.render import make_console

    return make_console()


def stderr_console() -> Console:
    from pressearch.cli.render import make_console

    return make_console(stderr=True)


def search_request(
    text: str,
    match: Match,
    facet: list[str] | None,
    filter_: list[str] | None,
    sort: Sort,
    limit: int,
    page: int,
    since: str | None,
    until: str | None,
    collapse: Collapse | None = None,
    no_collapse: bool = False,
) -> SearchRequest:
    from pressearch.errors import UsageError
    from pressearch.models import SearchRequest

    if no_collapse and collapse is not None and collapse is not Collapse.none:
        raise UsageError(f"--no-collapse contradicts --collapse {collapse.value}: give one")
    if no_collapse:
        collapse = Collapse.none
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
        collapse=(collapse or Collapse.identical).value,
    )
