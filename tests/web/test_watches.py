"""`serve` shows the saved searches of its index and their new matches, and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.web.conftest import serving


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout


def test_watches_page_and_api_show_what_is_new_without_recording_it(
    web_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSEARCH_CONFIG", str(tmp_path / "config"))
    assert cli("watch", "add", "ransom", "ransomware", "--index", web_index)[0] == 0
    assert (
        cli("watch", "add", "drugs", 'crime_area:"drug trafficking"', "--index", web_index)[0] == 0
    )
    code, out = cli("watch", "run", "ransom", "--index", web_index, "--json")
    assert code == 0 and json.loads(out)["hits"]  # ransom has run; drugs never has
    with serving(web_index) as base:
        api = httpx.get(f"{base}/api/watches", timeout=30).json()
        page = httpx.get(f"{base}/watches", timeout=30)
        again = httpx.get(f"{base}/api/watches", timeout=30).json()
    assert [w["name"] for w in api] == ["drugs", "ransom"]
    drugs, ransom = api
    assert ransom["hits"] == [] and ransom["since"] is not None
    assert drugs["since"] is None and len(drugs["hits"]) > 0
    assert again == api  # reading the page recorded nothing
    # What the page showed is still new to `watch run`.
    code, out = cli("watch", "run", "drugs", "--index", web_index, "--json")
    assert len(json.loads(out)["hits"]) == len(drugs["hits"])
    assert page.status_code == 200
    assert 'href="/?q=ransomware&amp;sort=newest"' in page.text  # a watch lists newest first
    assert "0 new articles since the last run" in page.text
    assert f"never run: all {len(drugs['hits'])} articles are new" in page.text
    first = drugs["hits"][0]
    assert f'href="/article/{first["id"]}"' in page.text


def test_no_watches_says_how_to_save_one(
    web_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSEARCH_CONFIG", str(tmp_path / "config"))
    with serving(web_index) as base:
        assert httpx.get(f"{base}/api/watches", timeout=30).json() == []
        page = httpx.get(f"{base}/watches", timeout=30)
    assert "pressearch watch add NAME QUERY" in page.text
