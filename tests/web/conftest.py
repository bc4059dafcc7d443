"""Fixtures for the web tests: an index, a real server on a free port, a real browser.

`web_index` is the bundled sample archive plus one hostile article (markup
and event handlers in every text field, a `javascript:` source URL), built
once per session. `serving(index_dir)` runs `pressearch.web` under uvicorn
in a thread, on a socket bound to a free port of 127.0.0.1, and stops it on
exit; `server` is that for `web_index`. `browser` is Debian's chromium
driven by Playwright (`$PRESSEARCH_CHROMIUM`, default /usr/bin/chromium;
`.ci/run` installs it).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pressearch import Archive
from pressearch.locations import sample_archive_dir
from pressearch.web import server as web_server
from pressearch.web.app import create_app

HOSTILE_ID = "hostile1"
HOSTILE = {
    "id": HOSTILE_ID,
    "headline": "<script>alert('headline')</script> Hostile lighthouse "
    "<img src=x onerror=alert(0)>",
    "body": "The lighthouse keeper wrote <img src=x onerror=alert('body')> and "
    "<script>alert('body2')</script> in the log.\n\n"
    'Second paragraph about the lighthouse <b onmouseover="alert(1)">bold</b>.',
    "date": "2021-05-04",
    "type": "<i>Press</i> Release",
    "url": "javascript://evil.example/%0Aalert(1)",
    "quotes": [
        {
            "text": "A lighthouse quote with <svg onload=alert('quote')> inside",
            "speaker": "<script>alert('speaker')</script>",
        }
    ],
    "taxonomy": {"crime_area": ["<img src=x onerror=alert('tax')>"]},
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def web_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    hostile = root / "hostile" / "hostile.jsonl"
    hostile.parent.mkdir()
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    with Archive.create(root / "index") as archive:
        report = archive.index([sample_archive_dir(), hostile.parent])
    assert (report.added, report.failed) == (69, ())
    return root / "index"


@contextmanager
def serving(index_dir: Path, *, local_only: bool = True) -> Iterator[str]:
    """The base URL (`http://127.0.0.1:PORT`) of a real server for `index_dir`, while open."""
    sock = web_server.listen("127.0.0.1", 0)
    archive = Archive.open(index_dir)
    uvicorn_server = web_server.server(create_app(archive, local_only=local_only))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not uvicorn_server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            threading.Event().wait(0.01)
        yield web_server.url(sock).rstrip("/")
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        archive.close()


@pytest.fixture(scope="session")
def server(web_index: Path) -> Iterator[str]:
    with serving(web_index) as base:
        yield base


def chromium_path() -> str:
    """Debian's chromium, or the browser `$PRESSEARCH_CHROMIUM` names."""
    executable = os.environ.get("PRESSEARCH_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        raise FileNotFoundError(
            f"no chromium at {executable}: `apt-get install chromium` or set PRESSEARCH_CHROMIUM"
        )
    return executable


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page (its own context) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"script errors on the page: {errors}"
