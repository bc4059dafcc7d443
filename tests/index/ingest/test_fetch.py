"""Fetching feeds and pages from a local HTTP server, and indexing feed addresses."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch import Archive
from pressearch.cli.app import app
from pressearch.errors import FetchError
from pressearch.index.ingest.fetch import as_url, cache_path, fetch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RSS = (FIXTURES / "feeds" / "policecoop.rss").read_bytes()


class Site:
    """A local web server: `routes` maps a path to (status, content type, body); requests kept."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = 0.0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers.items())))
                time.sleep(site.delay)
                status, kind, body = site.routes.get(self.path, (404, "text/plain", b"missing"))
                etag = f'"{hash(body)}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()
    served.thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        served.thread.join()


def test_fetch_writes_the_file_once_and_asks_politely(site: Site, tmp_path: Path) -> None:
    site.routes["/feed.rss"] = (200, "application/rss+xml", RSS)
    first = fetch(site.url("/feed.rss"), tmp_path, suffix=".xml")
    assert first.changed and first.path.read_bytes() == RSS
    assert first.path == cache_path(site.url("/feed.rss"), tmp_path, ".xml")
    assert first.path.name.startswith("feed.rss-") and first.path.suffix == ".xml"
    signature = first.path.stat().st_mtime_ns
    again = fetch(site.url("/feed.rss"), tmp_path, suffix=".xml")
    assert (again.path, again.changed) == (first.path, False)
    assert first.path.stat().st_mtime_ns == signature  # unchanged: the index sees no change
    (_, headers1), (_, headers2) = site.requests
    assert headers1["User-Agent"].startswith("pressearch/")
    assert "If-None-Match" not in headers1 and headers2["If-None-Match"]  # answered 304


def test_http_error_names_the_url_and_status(site: Site, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(site.url("/gone.rss"), tmp_path, suffix=".xml")
    assert str(caught.value) == f"cannot fetch {site.url('/gone.rss')}: HTTP 404 Not Found"
    assert not any(tmp_path.rglob("*.xml"))


def test_refused_connection_and_timeout(site: Site, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        fetch(f"http://127.0.0.1:{port}/feed.rss", tmp_path, suffix=".xml")
    assert str(caught.value) == f"cannot fetch http://127.0.0.1:{port}/feed.rss: Connection refused"
    site.routes["/slow.rss"] = (200, "application/rss+xml", RSS)
    site.delay = 1.0
    with pytest.raises(FetchError) as caught:
        fetch(site.url("/slow.rss"), tmp_path, suffix=".xml", timeout=0.2)
    assert str(caught.value) == f"cannot fetch {site.url('/slow.rss')}: timed out"


def test_only_http_addresses_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(FetchError):
        fetch("file:///etc/passwd", tmp_path, suffix=".xml")
    assert as_url("https:/news.example.org/feed.rss") == "https://news.example.org/feed.rss"
    assert as_url(Path("https://news.example.org/feed.rss")) == "https://news.example.org/feed.rss"
    assert as_url("archive/news") is None


def test_index_a_feed_address_incrementally_by_entry(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSEARCH_CACHE", str(tmp_path / "cache"))
    site.routes["/feed.rss"] = (200, "application/rss+xml", RSS)
    with Archive.create(tmp_path / "ix") as archive:
        report = archive.index([site.url("/feed.rss")])
        assert (report.added, report.failed) == (3, ())
        again = archive.index([site.url("/feed.rss")])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
        # The feed moves on: a new entry on top, one entry changed, the last one gone.
        start, end = RSS.index(b"  <item>\n    <title>Statement"), RSS.index(b"</channel>")
        newer = (RSS[:start] + RSS[end:]).replace(
            b"<item>",
            b"<item><title>Europe-wide operation against drug trafficking</title>"
            b"<link>https://newsroom.policecoop.example.eu/news/drugs</link>"
            b"<description>Drugs seized.</description></item><item>",
            1,
        )
        newer = newer.replace(b"identified 8 000", b"identified 9 000")
        site.routes["/feed.rss"] = (200, "application/rss+xml", newer)
        third = archive.index([site.url("/feed.rss")])
        # Entry by entry: the new one added, the changed one updated, the one that
        # dropped off the feed kept (feeds hold only their latest entries).
        assert (third.added, third.updated, third.unchanged, third.removed) == (1, 1, 2, 0)
        assert archive.get("https://newsroom.policecoop.example.eu/news/drugs").body == (
            "Drugs seized."
        )
        assert "9 000" in archive.search("money mules").hits[0].snippets[0].text
        assert archive.stats().documents == 4
        assert archive.search("hospital").total == 1


def test_a_feed_that_cannot_be_fetched_is_a_failure(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSEARCH_CACHE", str(tmp_path / "cache"))
    with Archive.create(tmp_path / "ix") as archive:
        report = archive.index([site.url("/missing.rss")])
    assert report.added == 0
    assert [(f.path, f.error) for f in report.failed] == [
        (site.url("/missing.rss"), f"cannot fetch {site.url('/missing.rss')}: HTTP 404 Not Found")
    ]


def test_fetch_pages_indexes_the_linked_pages(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSEARCH_CACHE", str(tmp_path / "cache"))
    base = site.base
    feed = (
        f'<rss version="2.0"><channel><link>{base}/</link>'
        f"<item><title>Short</title><link>{base}/news/one</link></item>"
        f"<item><title>Gone</title><link>{base}/news/gone</link></item>"
        "</channel></rss>"
    )
    site.routes["/feed.rss"] = (200, "application/rss+xml", feed.encode())
    site.routes["/news/one"] = (
        200,
        "text/html",
        (FIXTURES / "pages" / "police_newsroom.html").read_bytes(),
    )
    with Archive.create(tmp_path / "ix") as archive:
        report = archive.index([site.url("/feed.rss")], fetch_pages=True)
        assert report.added == 1
        assert [f.path for f in report.failed] == [site.url("/news/gone")]
        (hit,) = archive.search("phishing").hits
        assert hit.headline == "Joint action day takes down phishing-as-a-service platform"
        pages_asked = len(site.requests)
        archive.index([site.url("/feed.rss")], fetch_pages=True)
        # A page already fetched is not asked for again (the feed and the failed page are).
        assert [path for path, _ in site.requests[pages_asked:]] == ["/feed.rss", "/news/gone"]


def test_cli_indexes_a_feed_address(site: Site, tmp_path: Path) -> None:
    site.routes["/feed.rss"] = (200, "application/rss+xml", RSS)
    result = CliRunner().invoke(
        app,
        ["index", site.url("/feed.rss"), "--index", str(tmp_path / "ix"), "--json"],
        env={"PRESSEARCH_CACHE": str(tmp_path / "cache")},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 3


def test_cli_fetch_pages_reads_each_entrys_page(site: Site, tmp_path: Path) -> None:
    feed = (
        f'<rss version="2.0"><channel><link>{site.base}/</link>'
        f"<item><title>Short</title><link>{site.base}/news/one/</link></item>"
        "</channel></rss>"
    )
    site.routes["/feed/"] = (200, "application/rss+xml", feed.encode())
    site.routes["/news/one/"] = (
        200,
        "text/html",
        (FIXTURES / "pages" / "police_newsroom.html").read_bytes(),
    )
    index_dir = tmp_path / "ix"
    env = {"PRESSEARCH_CACHE": str(tmp_path / "cache")}
    args = ["index", site.url("/feed/"), "--index", str(index_dir), "--json", "--fetch-pages"]
    result = CliRunner().invoke(app, args, env=env)
    assert (result.exit_code, json.loads(result.stdout)["added"]) == (0, 1)
    # The address's trailing slash reached the fetcher (a Path drops it).
    assert [path for path, _ in site.requests] == ["/feed/", "/news/one/"]
    result = CliRunner().invoke(app, ["query", "phishing", "--index", str(index_dir), "--json"])
    (hit,) = json.loads(result.stdout)["hits"]
    assert hit["headline"] == "Joint action day takes down phishing-as-a-service platform"
