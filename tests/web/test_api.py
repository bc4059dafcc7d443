"""The JSON API answers what the CLI's --json answers, and refuses what it should, as JSON."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.web.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import HOSTILE_ID


def cli_json(index: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--index", str(index), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def api(server: str, path: str, **params: Any) -> httpx.Response:
    with httpx.Client(base_url=server) as client:
        return client.get(path, params=params)


def without_time(data: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(data.pop("took_ms"), float)
    return data


# (API parameters, the same search as CLI arguments)
SEARCHES = [
    ({"q": "COVID cybercrime"}, ["COVID cybercrime"]),
    (
        {"q": "europol", "facet": ["target_group", "year"], "limit": 3, "page": 2},
        ["europol", "--facet", "target_group", "--facet", "year", "--limit", "3", "--page", "2"],
    ),
    (
        {
            "q": "fraud",
            "filter": ["crime_area:Cybercrime", "Target Group:law enforcement"],
            "facet": "all",
        },
        [
            "fraud",
            "--filter",
            "crime_area=Cybercrime",
            "--filter",
            "Target Group=law enforcement",
            "--facet",
            "all",
        ],
    ),
    (
        {"q": "police drugs money", "match": "any", "sort": "newest", "since": "2018"},
        ["police drugs money", "--match", "any", "--sort", "newest", "--since", "2018"],
    ),
    ({"q": "cybercrme", "until": "Oct 2020"}, ["cybercrme", "--until", "Oct 2020"]),
    (
        {"q": "covid", "histogram": "month", "facet": "year"},
        ["covid", "--histogram", "month", "--facet", "year"],
    ),
]


@pytest.mark.parametrize(("params", "args"), SEARCHES, ids=lambda x: str(x)[:40])
def test_search_is_query_json(
    server: str, web_index: Path, params: dict[str, Any], args: list[str]
) -> None:
    response = api(server, "/api/search", **params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    ours = without_time(response.json())
    assert ours == without_time(cli_json(web_index, "query", *args))
    assert ours["total"] > 0 or ours["suggestion"]  # a misspelling: did you mean


def test_article_facets_and_stats_are_the_cli_json(server: str, web_index: Path) -> None:
    hit = api(server, "/api/search", q="COVID phishing", limit=1).json()["hits"][0]
    assert api(server, f"/api/article/{hit['id']}").json() == cli_json(web_index, "show", hit["id"])
    assert api(server, "/api/facets/crime").json() == cli_json(web_index, "facets", "crime")
    assert api(server, "/api/stats").json() == cli_json(web_index, "stats")


def test_the_hostile_article_is_returned_as_it_is(server: str) -> None:
    article = api(server, f"/api/article/{HOSTILE_ID}").json()
    assert article["headline"].startswith("<script>alert('headline')</script>")


@pytest.mark.parametrize(
    ("path", "params", "status", "fragment"),
    [
        ("/api/search", {"q": "hedline:fraud"}, 400, "unknown field 'hedline'"),
        ("/api/search", {"q": "(fraud"}, 400, "never closed"),
        ("/api/search", {}, 400, "empty query"),
        ("/api/search", {"q": "fraud", "limit": "0"}, 400, "limit must be a whole number"),
        ("/api/search", {"q": "fraud", "limit": "101"}, 400, "from 1 to 100"),
        ("/api/search", {"q": "fraud", "page": "x"}, 400, "page must be"),
        ("/api/search", {"q": "fraud", "sort": "best"}, 400, "sort must be one of"),
        ("/api/search", {"q": "fraud", "histogram": "week"}, 400, "histogram must be one of"),
        ("/api/search", {"q": "fraud", "filter": "crime_area"}, 400, "expected name:value"),
        ("/api/search", {"q": "fraud", "filter": "nope:x"}, 400, "nope"),
        ("/api/search", {"q": "fraud", "querry": "x"}, 400, "unknown parameter 'querry'"),
        ("/api/search", {"q": "fraud", "since": "not a date"}, 400, "since"),
        ("/api/search", {"q": "x" * 1001}, 400, "at most 1000"),
        ("/api/article/u000000000000", {}, 404, "no article"),
        ("/api/article/..%2F..%2Fetc%2Fpasswd", {}, 404, ""),
        ("/api/facets/colour", {}, 404, "unknown facet 'colour'"),
        ("/api/search/more", {}, 404, "no such endpoint"),
        ("/api/", {}, 404, "no such endpoint"),
    ],
)
def test_errors_are_json_with_a_status(
    server: str, path: str, params: dict[str, Any], status: int, fragment: str
) -> None:
    response = api(server, path, **params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert fragment in error and "Traceback" not in error


def test_a_query_error_names_its_position(server: str) -> None:
    body = api(server, "/api/search", q="fraud AND (scam").json()
    assert body["position"] == 10


def test_an_article_is_named_by_its_id_only(server: str, web_index: Path) -> None:
    hit = api(server, "/api/search", q="COVID phishing", limit=1).json()["hits"][0]
    # The CLI finds it by its file path too; the API does not reach into files.
    with httpx.Client(base_url=server) as client:
        by_path = client.get("/api/article/" + hit["path"].replace("/", "%2F"))
    assert by_path.status_code == 404


def test_the_server_only_reads(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        posted = client.post("/api/search", params={"q": "fraud"})
        assert (posted.status_code, posted.headers["allow"]) == (405, "GET, HEAD")
        assert client.delete("/").status_code == 405
        with_body = client.request("GET", "/api/search?q=fraud", content=b"x" * 10)
        assert with_body.status_code == 413
        long = client.get("/api/search", params={"q": "fraud", "since": "2" * 5000})
        assert long.status_code == 414
        assert long.json() == {"error": "the address is longer than 4096 bytes"}


def test_only_localhost_names_reach_a_loopback_server(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        rebound = client.get("/api/stats", headers={"host": "attacker.example"})
        assert rebound.status_code == 421
        for host in ("localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080"):
            assert client.get("/api/stats", headers={"host": host}).status_code == 200


def test_every_response_forbids_inline_script(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        for path in ("/", "/?q=fraud", "/api/stats", "/nope", "/static/app.js", "/api/x"):
            headers = client.get(path).headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert "server" not in headers
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_eight_clients_at_once(server: str) -> None:
    queries = ["fraud", "europol", "COVID cybercrime", "drug trafficking", "cyber*", "ransomware"]
    expected = {q: api(server, "/api/search", q=q, facet="all").json()["total"] for q in queries}
    failures: list[str] = []

    def client(n: int) -> None:
        with httpx.Client(base_url=server) as http:
            for i in range(12):
                q = queries[(n + i) % len(queries)]
                response = http.get("/api/search", params={"q": q, "facet": "all"})
                if response.status_code != 200 or response.json()["total"] != expected[q]:
                    failures.append(f"{q}: {response.status_code} {response.text[:80]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
