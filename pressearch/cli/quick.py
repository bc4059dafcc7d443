"""`pressearch query` in a new process without Typer, when its arguments are the usual ones.

Model: importing Typer (and the Click inside it) and building the command
tree costs a one-off query ~35 ms, a sixth of its time. `run_query` reads
the arguments of `pressearch query` itself when they are only the text and
the options in `VALUE_OPTIONS` and `FLAGS`, each value one Typer would take
as it stands, and then does what `searching.query_command` does: one
`Archive.search`, rendered by `render` or `jsonify`. It gives up (None)
before writing anything on whatever else: another command, any other
option, an option shaped like one it does not know, a value Typer would
refuse or convert, and any failure of the search (an error to report, a
missing index). Typer then runs the command from the start, and says what
it always says. Once output has begun, the endings are the CLI's own: a
reader gone away is success, Ctrl-C exit 130, anything else a bug reported
in one line (`command`).
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pressearch.models import SearchResult

# Options that take a value → the parameter of `query_command` they set.
VALUE_OPTIONS = {
    "--index": "index",
    "--limit": "limit",
    "-n": "limit",
    "--page": "page",
    "-p": "page",
    "--facet": "facet",
    "-f": "facet",
    "--match": "match",
    "--sort": "sort",
}
# Flags → (parameter, value).
FLAGS = {
    "--json": ("json", True),
    "--snippets": ("snippets", True),
    "--no-snippets": ("snippets", False),
    "--no-collapse": ("no_collapse", True),
}
CHOICES = {"match": ("all", "any"), "sort": ("relevance", "newest", "oldest")}
# A number as Typer takes it for --limit and --page (at least 1): digits alone.
_COUNT = re.compile(r"[1-9][0-9]{0,8}")
# What `command.TextFirstCommand` hands to Click as an option, not as text.
_OPTION_SHAPED = re.compile(r"--[A-Za-z][-A-Za-z0-9]*(=.*)?|-[A-Za-z]", re.DOTALL)


@dataclass
class _Query:
    """The options of one `pressearch query`, as `query_command` would get them."""

    text: str = ""
    index: str | None = None
    limit: int = 10
    page: int = 1
    facet: list[str] = field(default_factory=list)
    match: Literal["all", "any"] = "all"
    sort: Literal["relevance", "newest", "oldest"] = "relevance"
    json: bool = False
    snippets: bool = True
    no_collapse: bool = False


def run_query(argv: Sequence[str]) -> int | None:
    """The exit code of `pressearch <argv>` run here, or None when Typer must run it."""
    query = _read(argv)
    if query is None or (query.json and not _stdout_utf8()):
        return None
    # What is imported now (the query layer, and what writes its output) lives
    # as long as the process and holds no garbage: the cycle collector would
    # walk it again and again while it grows (~8 ms; Rich's modules ~3 ms more).
    gc.disable()
    import pressearch.search.engine  # the query layer, which the search imports
    from pressearch.archive import Archive
    from pressearch.models import SearchRequest

    if query.json:
        import pressearch.jsonify  # `_write`'s
    else:
        import pressearch.cli.render  # noqa: F401  (`_write`'s)
    gc.freeze()
    gc.enable()
    try:
        request = SearchRequest(
            text=query.text,
            match=query.match,
            facets=tuple(query.facet),
            sort=query.sort,
            limit=query.limit,
            page=query.page,
            collapse="none" if query.no_collapse else "identical",
        )
        with Archive.open(None if query.index is None else Path(query.index)) as archive:
            result = archive.search(request, snippets=query.snippets)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:
        return None  # nothing written yet: Typer runs it again and reports it as ever
    return _write(result, as_json=query.json, scores=query.sort == "relevance")


def _read(argv: Sequence[str]) -> _Query | None:
    """The options of `query` in `argv`, or None for anything this module does not read."""
    if len(argv) < 2 or argv[0] != "query":
        return None
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return None  # Click's shell completion asks, not a person
    query = _Query()
    texts: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token in VALUE_OPTIONS:
            name = VALUE_OPTIONS[token]
            value = next(tokens, None)
            if value is None or not _takes(name, value):
                return None
            if name == "facet":
                query.facet.append(value)
            else:  # the last one given wins, as in Click
                setattr(query, name, int(value) if name in ("limit", "page") else value)
        elif token in FLAGS:
            setattr(query, *FLAGS[token])
        elif token == "--" or _OPTION_SHAPED.fullmatch(token):
            return None
        else:
            texts.append(token)
    if len(texts) != 1:
        return None
    query.text = texts[0]
    return query


def _takes(name: str, value: str) -> bool:
    """Whether Typer takes `value` for option `name` as it stands."""
    if name in ("limit", "page"):
        return _COUNT.fullmatch(value) is not None
    if name in CHOICES:
        return value in CHOICES[name]
    if name == "index":
        # Click's Path(file_okay=False) refuses an existing file or an unreadable path.
        return value != "" and not (
            os.path.exists(value) and (os.path.isfile(value) or not os.access(value, os.R_OK))
        )
    return True


def _stdout_utf8() -> bool:
    """Whether standard output is UTF-8, which Click's echo (--json) writes to as it is."""
    encoding = getattr(sys.stdout, "encoding", None) or ""
    return encoding.lower().replace("-", "") == "utf8"


def _write(result: SearchResult, *, as_json: bool, scores: bool) -> int:
    """Write `result` as `query_command` does; the exit code."""
    try:
        if as_json:
            from pressearch.jsonify import dumps, search_json

            sys.stdout.write(dumps(search_json(result)) + "\n")
            sys.stdout.flush()
        else:
            from pressearch.cli.render import make_console, render_search

            render_search(result, make_console(), scores=scores)
    except BrokenPipeError:
        from pressearch.cli.command import quiet_broken_pipe

        quiet_broken_pipe()
        return 0
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:
        if os.environ.get("PRESSEARCH_DEBUG"):
            raise
        from pressearch.cli.command import RUNTIME_EXIT, bug_report, error

        error(bug_report(exc))
        return RUNTIME_EXIT
    return 0


def _interrupted() -> int:
    sys.stderr.write("Error: interrupted\n")
    sys.stderr.flush()
    return 130
