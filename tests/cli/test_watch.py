"""`pressearch watch` as users meet it: JSON, text, the Atom feed and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.conftest import write_article

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    archive = tmp_path / "archive"
    write_article(
        archive,
        "a.md",
        headline="RANSOMWARE GANG ARRESTED",
        date="01 Feb 2023",
        url="https://news.example.org/a",
    )
    write_article(archive, "b.md", headline="DRUG SEIZURE", body="Cocaine in a port.")
    return {
        "PRESSEARCH_INDEX": str(tmp_path / "ix"),
        "PRESSEARCH_CONFIG": str(tmp_path / "config"),
        "COLUMNS": "100",
        "NO_COLOR": "1",
    }


def run(env: dict[str, str], *args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_watch_run_reports_new_articles_and_exits_1_when_none(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(env, "index", tmp_path / "archive", "-q")[0] == 0
    code, out, err = run(env, "watch", "add", "ransom", "ransomware", "--since", "2020")
    assert (code, err) == (0, "")
    assert out == "watch 'ransom' added; `pressearch watch run ransom` reports its matches\n"

    code, out, err = run(env, "watch", "run", "--json")
    assert (code, err) == (0, "")
    (line,) = out.splitlines()
    report = json.loads(line)
    assert (report["name"], report["query"], report["since"]) == ("ransom", "ransomware", None)
    assert [h["url"] for h in report["hits"]] == ["https://news.example.org/a"]

    code, out, err = run(env, "watch", "run", "ransom", "--json")
    assert (code, err) == (1, "")  # nothing new: exit 1, for cron
    assert json.loads(out)["hits"] == [] and json.loads(out)["since"].endswith("Z")

    write_article(tmp_path / "archive", "c.md", headline="RANSOMWARE AGAIN", date="03 Mar 2023")
    run(env, "index", tmp_path / "archive", "-q")
    code, out, err = run(env, "watch", "run")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("ransom — ransomware: 1 new article (since ")
    assert lines[1] == "  1. RANSOMWARE AGAIN"


def test_watch_list_rm_and_usage_errors(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "index", tmp_path / "archive", "-q")
    assert run(env, "watch", "list")[1] == (
        "No watches yet: add one with `pressearch watch add NAME QUERY`.\n"
    )
    code, out, err = run(env, "watch", "run")
    assert (code, out) == (1, "")
    assert err == "Error: no watches to run (add one with `pressearch watch add NAME QUERY`)\n"
    run(env, "watch", "add", "drugs", "-heroin cocaine", "--match", "any", "--filter", "year=2023")
    code, out, _ = run(env, "watch", "list", "--json")
    assert json.loads(out) == {
        "name": "drugs",
        "query": "-heroin cocaine",
        "match": "any",
        "filters": [["year", "2023"]],
        "sort": "newest",
        "since": None,
        "until": None,
        "last_run": None,
    }
    assert run(env, "watch", "list")[1] == (
        "drugs  -heroin cocaine  --match any --filter year=2023  (never run)\n"
    )
    code, _, err = run(env, "watch", "add", "bad", "hedline:x")
    assert code == 2 and err.startswith("Error: unknown field 'hedline'")
    code, _, err = run(env, "watch", "add", "drugs", "x")
    assert (code, err) == (
        2,
        "Error: a watch named 'drugs' exists (remove it first: watch rm drugs)\n",
    )
    assert run(env, "watch", "rm", "drugs")[:2] == (0, "watch 'drugs' removed\n")
    code, _, err = run(env, "watch", "rm", "drugs")
    assert (code, err) == (2, "Error: no watch named 'drugs' (there are no watches yet)\n")


def test_watch_feed_is_atom(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "index", tmp_path / "archive", "-q")
    run(env, "watch", "add", "all", "ransomware OR cocaine")
    code, out, err = run(env, "watch", "feed", "all")
    assert (code, err) == (0, "")
    feed = ET.fromstring(out.encode("utf-8"))
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == "urn:pressearch:watch:all"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "RANSOMWARE GANG ARRESTED",  # dated: newest first
        "DRUG SEIZURE",
    ]
    first, second = entries
    assert first.findtext(f"{ATOM}id") == "https://news.example.org/a"
    assert first.find(f"{ATOM}link").get("href") == "https://news.example.org/a"  # type: ignore[union-attr]
    assert first.findtext(f"{ATOM}updated") == "2023-02-01T00:00:00Z"
    assert second.findtext(f"{ATOM}id") == "urn:pressearch:article:b.md"
    assert second.find(f"{ATOM}link") is None
    # The feed does not count as a run.
    assert run(env, "watch", "run", "all", "--json")[0] == 0
