"""The HTML pages: search, article, start page, and exports of the current search.

Model: as a CLI command does, each route parses its request, makes one call
through the `LiveArchive`, and renders: a Jinja2 template (autoescaping on)
fed by `view`, or `export.write_export` for CSV and JSON Lines. A query that
cannot be understood is shown on the search page itself, its position
marked, with status 400. The time a search took on the server is measured
here, from the request's start to the result, and shown on the page.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from pressearch.errors import ArticleNotFoundError, PressearchError, QueryError, UsageError
from pressearch.export import ExportFormat, write_export
from pressearch.web import view
from pressearch.web.api import error_status
from pressearch.web.live import LiveArchive
from pressearch.web.params import SearchParams, from_request, parse_search

# The sidebar leaves these to the timeline.
_DATE_FACETS = ("year", "month")
SIMILAR = 6
_EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _live(request: Request) -> LiveArchive:
    live: LiveArchive = request.app.state.live
    return live


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    context.setdefault("params", SearchParams())
    context.setdefault("focus", False)
    html = env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def search_page(request: Request) -> Response:
    """`/?q=…`: hits, facets, timeline, pages; the start page when nothing is asked."""
    started = time.perf_counter()
    try:
        params = parse_search(request.query_params.multi_items(), strict=False)
    except UsageError as exc:
        return render(request, "search.html", 400, error=_error(exc), focus=True)
    live = _live(request)
    try:
        if params.blank:
            stats = live.run(lambda archive: archive.stats())
            overview = view.stats_facets(stats.facets)
            return render(request, "home.html", stats=stats, overview=overview, focus=True)
        result = live.run(
            lambda archive: archive.search(params.request(facets=("all",)), histogram="month")
        )
    except UsageError as exc:
        return render(request, "search.html", 400, params=params, error=_error(exc), focus=True)
    except PressearchError as exc:
        return _failure(request, exc)
    server_ms = (time.perf_counter() - started) * 1000
    suggestion = None
    if result.suggestion:
        suggestion = "/" + replace(params, q=result.suggestion, page=1).query_string()
    return render(
        request,
        "search.html",
        params=params,
        result=result,
        server_ms=server_ms,
        focus=True,
        suggestion=suggestion,
        facets=view.facets(result, params, skip=_DATE_FACETS),
        chips=view.chips(params),
        timeline=view.timeline(result, params),
        pages=view.page_links(result, params),
        first_page="/" + replace(params, page=1).query_string(),
        export=replace(params, page=1, limit=10).query_string(),
    )


def _error(exc: UsageError) -> dict[str, Any]:
    """What the page shows for a query or option it cannot use: message, query with the place."""
    if isinstance(exc, QueryError) and exc.query:
        return {"message": str(exc), "pieces": view.error_pieces(exc.query, exc.position)}
    return {"message": str(exc), "pieces": []}


def article_page(request: Request) -> Response:
    """`/article/{id}`: the article in full and the articles most like it."""
    ref = request.path_params["ref"]
    try:
        result = _live(request).run(lambda archive: archive.similar(ref, limit=SIMILAR))
    except ArticleNotFoundError:
        return not_found_page(request)
    except PressearchError as exc:
        return _failure(request, exc)
    article = result.about
    if article is None or article.id != ref:  # found by URL or path: pages name articles by id
        return not_found_page(request)
    return render(
        request,
        "article.html",
        article=article,
        similar=result.hits,
        link=view.source_link(article.url),
    )


def watches_page(request: Request) -> Response:
    """`/watches`: each saved search of this index and its matches new since its last run.

    Read only: the page shows what `pressearch watch run` would report and
    leaves the watches as they are.
    """
    from pressearch.watch import WatchStore

    live = _live(request)
    try:
        store = WatchStore(live.archive.path)
        watches = {watch.name: watch for watch in store.watches()}
        runs = live.run(store.pending)
    except PressearchError as exc:
        return _failure(request, exc)
    rows = [
        view.WatchRow(
            run, watches[run.name], from_request(watches[run.name].request).query_string()
        )
        for run in runs
    ]
    return render(request, "watches.html", rows=rows)


def export(request: Request) -> Response:
    """`/export.csv?q=…`, `/export.jsonl?q=…`: every article of the search, as `export` writes."""
    fmt: ExportFormat = request.path_params["fmt"]
    if fmt not in _EXPORT_TYPES:
        return not_found_page(request)
    try:
        params = parse_search(request.query_params.multi_items(), strict=False)
        if params.blank:
            raise UsageError("an export needs a query, a filter or a date range")
        out = io.StringIO()
        _live(request).run(lambda archive: write_export(archive.export(params.request()), fmt, out))
    except UsageError as exc:
        return render(request, "search.html", 400, error=_error(exc))
    except PressearchError as exc:
        return _failure(request, exc)
    return Response(
        out.getvalue(),
        media_type=_EXPORT_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="pressearch-export.{fmt}"'},
    )


def not_found_page(request: Request) -> HTMLResponse:
    return render(request, "error.html", 404, title="Not found", message="There is no such page.")


def _failure(request: Request, exc: PressearchError) -> HTMLResponse:
    """The page for an index that cannot be read now (removed, damaged, to be rebuilt)."""
    return render(
        request, "error.html", error_status(exc), title="The index cannot be read", message=str(exc)
    )
