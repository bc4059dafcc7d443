"""The HTML as served: escaped, linked as it should be, timed, and the exports equal the CLI's."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pressearch import Archive
from pressearch.cli.app import app
from tests.web.conftest import HOSTILE_ID


def get(server: str, path: str, **params: str) -> httpx.Response:
    with httpx.Client(base_url=server) as client:
        return client.get(path, params=params)


def test_article_text_is_escaped_in_the_html(server: str) -> None:
    for html in (get(server, "/", q="lighthouse").text, get(server, f"/article/{HOSTILE_ID}").text):
        assert "<script>alert" not in html and "<img" not in html and "<svg onload" not in html
        assert "&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt;" in html
        assert 'href="javascript' not in html  # the address is shown as text, not linked
        assert len(re.findall(r"<script", html)) == 1  # /static/app.js


def test_the_search_page_shows_the_server_time(server: str) -> None:
    get(server, "/", q="europol")  # warm
    html = get(server, "/", q="europol").text
    took = re.search(r'<span class="took"[^>]*>([\d.]+) ms</span>', html)
    assert took is not None and float(took[1]) < 1000


def test_every_hit_links_its_article_and_http_source(server: str) -> None:
    html = get(server, "/", q="COVID phishing").text
    assert re.search(r'<a href="/article/u[0-9a-f]{11}">', html)
    sources = re.findall(r'<a class="source" href="([^"]+)"', html)
    assert sources and all(s.startswith("https://") for s in sources)


def test_static_files_stay_in_their_folder(server: str) -> None:
    assert get(server, "/static/app.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        response = get(server, path)
        assert response.status_code == 404 and "import" not in response.text


def test_exports_are_the_cli_exports(server: str, web_index: Path) -> None:
    for fmt, kind in (("csv", "text/csv"), ("jsonl", "application/x-ndjson")):
        response = get(server, f"/export.{fmt}", q="europol", sort="oldest", page="2")
        assert response.headers["content-type"] == f"{kind}; charset=utf-8"
        cli = CliRunner().invoke(
            app,
            ["export", "europol", "--sort", "oldest", "--format", fmt, "--index", str(web_index)],
        )
        assert response.content == cli.stdout_bytes
    assert get(server, "/export.csv").status_code == 400
    assert get(server, "/export.xml", q="x").status_code == 404


def test_errors_are_pages_without_traceback(server: str) -> None:
    for path, params, status in (
        ("/", {"q": "(fraud"}, 400),
        ("/", {"q": "fraud", "limit": "1000"}, 400),
        ("/article/nope", {}, 404),
        ("/nowhere", {}, 404),
    ):
        response = get(server, path, **params)
        assert response.status_code == status
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "Traceback" not in response.text and 'id="q"' in response.text


def test_a_page_past_the_last_says_so(server: str) -> None:
    html = get(server, "/", q="COVID cybercrime", page="5").text
    assert "Page 5 is past the last page." in html
    assert '<a href="/?q=COVID+cybercrime" data-nav>Go to page 1</a>' in html


def test_a_bug_is_answered_without_its_traceback(
    server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals at /home/someone")

    monkeypatch.setattr(Archive, "search", broken)
    api = get(server, "/api/search", q="fraud")
    page = get(server, "/", q="fraud")
    assert (api.status_code, page.status_code) == (500, 500)
    assert api.json() == {"error": "internal error: this is a bug in pressearch, please report it"}
    for text in (api.text, page.text):
        assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "secret internals" in caplog.text  # logged on the server
