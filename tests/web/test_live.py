"""A server sees each new commit; `pressearch serve` starts, says where, and refuses well."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pressearch import Archive
from tests.conftest import write_article
from tests.web.conftest import serving

PRESSEARCH = [sys.executable, "-m", "pressearch"]


def _env() -> dict[str, str]:
    # The child must import the package under test, never a checkout beside the cwd.
    return {**os.environ, "PYTHONSAFEPATH": "1"}


def _lighthouse(folder: Path, n: int) -> None:
    write_article(
        folder,
        f"lighthouse-{n}.md",
        headline=f"LIGHTHOUSE KEEPERS REPORT NUMBER {n}",
        date=f"{n} May 2024",
        type="Press Release",
        body=f"Keepers of lighthouse {n} reported smugglers on the coast.",
        taxonomy={"CRIME AREAS": ["Smuggling"]},
    )


def test_an_index_run_while_serving_is_seen_on_the_next_request(
    web_index: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(web_index, index)
    news = tmp_path / "news"
    _lighthouse(news, 1)
    with serving(index) as base, httpx.Client(base_url=base) as client:
        before = client.get("/api/search", params={"q": "keepers smugglers"}).json()
        assert before["total"] == 0
        stats_before = client.get("/api/stats").json()["documents"]
        run = subprocess.run(
            [*PRESSEARCH, "index", str(news), "--index", str(index), "--quiet"],
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
        assert (run.returncode, run.stderr) == (0, "")
        after = client.get("/api/search", params={"q": "keepers smugglers"}).json()
        assert [hit["headline"] for hit in after["hits"]] == ["LIGHTHOUSE KEEPERS REPORT NUMBER 1"]
        assert client.get("/api/stats").json()["documents"] == stats_before + 1
        page = client.get("/", params={"q": "keepers smugglers"}).text
        assert "1 article<" in page and "Smuggling" in page

        # A second run, searched while it commits: every answer is one whole state.
        for n in range(2, 5):
            _lighthouse(news, n)
        writer = subprocess.Popen(
            [*PRESSEARCH, "index", str(news), "--index", str(index), "--quiet"],
            env=_env(),
        )
        seen: list[int] = []
        while writer.poll() is None:
            result = client.get(
                "/api/search", params={"q": "keepers smugglers", "facet": "crime_area"}
            )
            body = result.json()
            assert result.status_code == 200
            smuggling = {c["value"]: c["count"] for c in body["facets"]["crime_area"]}
            assert smuggling["Smuggling"] == body["total"]  # total and facets: one state
            seen.append(body["total"])
        assert writer.wait() == 0
        final = client.get("/api/search", params={"q": "keepers smugglers"}).json()["total"]
        # Never an older state after a newer one (the run may commit in batches).
        assert final == 4 and seen == sorted(seen) and set(seen) <= {1, 2, 3, 4}


def test_refresh_reopens_only_after_a_commit(web_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(web_index, index)
    with Archive.open(index) as reader:
        assert reader.refresh() is False  # nothing open yet
        total = reader.search("keepers").total
        assert reader.refresh() is False  # no commit since
        _lighthouse(tmp_path / "news", 7)
        with Archive.open(index) as writer:
            writer.index([tmp_path / "news"])
        assert reader.search("keepers").total == total  # still the state it opened
        assert reader.refresh() is True
        assert reader.search("keepers").total == total + 1


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PRESSEARCH, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def test_serve_prints_its_address_and_serves(web_index: Path) -> None:
    process = _serve("--index", str(web_index), "--port", "0")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"Serving {web_index} at http://127.0.0.1:")
        url = line.split(" at ")[1].split()[0]
        with httpx.Client() as client:
            assert client.get(url + "api/stats").json()["documents"] == 69
            assert "<title>pressearch</title>" in client.get(url).text
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "Warning" not in err and "Traceback" not in err


def test_serve_warns_when_others_can_reach_it(web_index: Path) -> None:
    process = _serve("--index", str(web_index), "--port", "0", "--host", "0.0.0.0")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ")[1].split()[0]
        assert url.startswith("http://localhost:")
        with httpx.Client() as client:  # any Host is answered: it was asked for
            response = client.get(url + "api/stats", headers={"host": "archive.example"})
            assert response.status_code == 200
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert err.startswith("Warning: listening on 0.0.0.0: anyone who can reach this machine")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "{missing}"], "Error: no index at"),
        (["--port", "70000"], "Error: Invalid value for '--port'"),
    ],
)
def test_serve_refuses_with_one_error_line(tmp_path: Path, args: list[str], message: str) -> None:
    argv = [a.format(missing=tmp_path / "none") for a in args]
    run = subprocess.run(
        [*PRESSEARCH, "serve", *argv], capture_output=True, text=True, env=_env(), check=False
    )
    assert run.returncode in (1, 2)
    assert run.stderr.startswith(message) and run.stderr.count("\n") == 1


def test_a_port_in_use_is_an_error(web_index: Path) -> None:
    with serving(web_index) as base:
        port = base.rsplit(":", 1)[1]
        run = subprocess.run(
            [*PRESSEARCH, "serve", "--index", str(web_index), "--port", port],
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
    assert run.returncode == 1
    assert run.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}:")
