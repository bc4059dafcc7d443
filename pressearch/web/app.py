"""The web application: routes, templates, static files and the guard, put together.

Model: `create_app(archive)` returns an ASGI application (Starlette) serving
one archive: the pages (`pages`), the JSON API (`api`), the stylesheet and
script (package data under `static/`), all behind `security.Guard`. The
routes are plain functions, which Starlette runs in its thread pool; they
share one `LiveArchive`. Templates come from the package (`templates/`) with
autoescaping on and undefined names an error. An unexpected exception is
logged on the server and answered with a short page or JSON error, never
its traceback.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pressearch.archive import Archive
from pressearch.vocabulary import display_name
from pressearch.web import api, pages, view
from pressearch.web.live import LiveArchive
from pressearch.web.security import ASGIApp, Guard
from pressearch.wording import counted

log = logging.getLogger("pressearch.web")


def create_app(archive: Archive, *, local_only: bool = True) -> ASGIApp:
    """The application serving `archive`.

    `local_only` (when bound to a loopback address) answers only requests
    addressed to this machine by name or address (see `security.Guard`).
    """
    app = Starlette(
        routes=[
            Route("/", pages.search_page, methods=["GET"]),
            Route("/article/{ref}", pages.article_page, methods=["GET"]),
            Route("/export.{fmt}", pages.export, methods=["GET"]),
            Route("/watches", pages.watches_page, methods=["GET"]),
            Route("/api/search", api.search, methods=["GET"]),
            Route("/api/article/{ref}", api.article, methods=["GET"]),
            Route("/api/facets/{name}", api.facet, methods=["GET"]),
            Route("/api/stats", api.stats, methods=["GET"]),
            Route("/api/watches", api.watches, methods=["GET"]),
            Route("/api/{rest:path}", api.not_found, methods=["GET"]),
            Mount("/static", StaticFiles(packages=[("pressearch.web", "static")]), name="static"),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.live = LiveArchive(archive)
    app.state.templates = templates()
    return Guard(app, local_only=local_only)


def templates() -> Environment:
    """The page templates, autoescaped, with the helpers they call."""
    env = Environment(
        loader=PackageLoader("pressearch.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        version=version("pressearch"),
        pieces=view.pieces,
        nice_date=view.nice_date,
        paragraphs=view.paragraphs,
        count_label=counted,
        facet_link=view.facet_link,
        source_link=view.source_link,
        display_name=display_name,
        segment=lambda text: quote(text, safe=""),
    )
    return env


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing's 404 and 405, as JSON under /api/ and as a page elsewhere."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith("/api/"):
        return api.json_response({"error": _REASONS.get(status, "error")}, status)
    return pages.render(
        request, "error.html", status, title=_REASONS.get(status, "Error").capitalize(), message=""
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug: logged here with its traceback, answered without it."""
    log.error("internal error on %s", request.url.path, exc_info=exc)
    message = "internal error: this is a bug in pressearch, please report it"
    if request.url.path.startswith("/api/"):
        return api.json_response({"error": message}, 500)
    return pages.render(request, "error.html", 500, title="Internal error", message=message)


_REASONS: dict[int, str] = {404: "not found", 405: "method not allowed"}
