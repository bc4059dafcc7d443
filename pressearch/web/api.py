"""The JSON API: the CLI's JSON contracts over HTTP, one `Archive` call per request.

Model: each route parses its parameters (`params.parse_search`, named as the
CLI's options), makes one call through the `LiveArchive` and answers with
`pressearch.jsonify`, so `/api/search` is exactly `query --json`,
`/api/article/{id}` `show --json`, `/api/facets/{name}` `facets --json` and
`/api/stats` `stats --json`, `/api/watches` what `watch run --json` would
report now (without recording it: the server only reads). Errors are JSON too, `{"error": …}` (and
`"position"` for a query that cannot be understood): 400 for a bad query or
parameter, 404 for no such article, facet or endpoint, 503 when the index
cannot be read; never a traceback.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pressearch.errors import (
    ArticleNotFoundError,
    PressearchError,
    QueryError,
    UsageError,
)
from pressearch.jsonify import article_json, dumps, facet_values_json, search_json, stats_json
from pressearch.web.live import LiveArchive
from pressearch.web.params import parse_search


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


def error_response(exc: PressearchError) -> Response:
    """The JSON error for a library failure: its message, status by kind."""
    body: dict[str, Any] = {"error": str(exc)}
    if isinstance(exc, QueryError):
        body["position"] = exc.position
    return json_response(body, error_status(exc))


def error_status(exc: PressearchError) -> int:
    if isinstance(exc, ArticleNotFoundError):
        return 404
    if isinstance(exc, UsageError):
        return 400
    return 503  # no index, a damaged one, a schema to rebuild: the index cannot be read now


def _live(request: Request) -> LiveArchive:
    live: LiveArchive = request.app.state.live
    return live


def search(request: Request) -> Response:
    """`GET /api/search?q=…`: the `query --json` object (with `histogram` when asked)."""
    try:
        params = parse_search(request.query_params.multi_items(), strict=True)
        result = _live(request).run(
            lambda archive: archive.search(params.request(), histogram=params.histogram)
        )
    except PressearchError as exc:
        return error_response(exc)
    return json_response(search_json(result))


def article(request: Request) -> Response:
    """`GET /api/article/{id}`: the `show --json` object of the article with this id."""
    ref = request.path_params["ref"]
    try:
        found = _live(request).run(lambda archive: archive.get(ref))
    except PressearchError as exc:
        return error_response(exc)
    if found.id != ref:  # found by URL or file path: the API names articles by id only
        return json_response({"error": f"no article with id {ref!r}"}, 404)
    return json_response(article_json(found))


def facet(request: Request) -> Response:
    """`GET /api/facets/{name}`: a facet's values over the whole archive (`facets --json`)."""
    name = request.path_params["name"]
    try:
        canonical, counts = _live(request).run(lambda archive: archive.facet_values(name))
    except UsageError as exc:  # the one usage error here: no such facet
        return json_response({"error": str(exc)}, 404)
    except PressearchError as exc:
        return error_response(exc)
    return json_response(facet_values_json(canonical, counts))


def stats(request: Request) -> Response:
    """`GET /api/stats`: the `stats --json` object."""
    try:
        result = _live(request).run(lambda archive: archive.stats())
    except PressearchError as exc:
        return error_response(exc)
    return json_response(stats_json(result))


def not_found(request: Request) -> Response:
    return json_response(
        {"error": f"no such endpoint: {request.url.path} (see /api/search, /api/stats)"}, 404
    )


def watches(request: Request) -> Response:
    """`/api/watches`: each watch's matches new since its last run, as `watch run --json`."""
    from pressearch.watch import WatchStore, run_json

    live = _live(request)
    try:
        runs = live.run(WatchStore(live.archive.path).pending)
    except PressearchError as exc:
        return error_response(exc)
    return json_response([run_json(run) for run in runs])
