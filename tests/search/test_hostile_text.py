"""Article text is data: markup, escape sequences and control characters never reach the terminal.

An archive carries Rich markup, ANSI/CSI sequences, OSC 8 hyperlinks, BEL,
C1 controls and bidirectional overrides in every field (Markdown and JSON
Lines), and in a file name. Every command runs through the real CLI, in a
pipe and as on a terminal, and the test asserts the exact characters
written: content controls are dropped by the parser, what survives (markup,
overrides, a file name's own controls) is shown literally or as a visible
stand-in, and JSON carries the stored text unchanged, as valid JSON with
every control character escaped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.conftest import write_article

HOSTILE = (
    "[bold red]PWN[/] [link=https://evil.example]click[/link] \x1b[31mRED\x1b[0m"
    " \x1b]8;;https://evil.example\x07LINK\x1b]8;;\x07 \x9b2J \u202eRTL\u202c \x07BEL :smile:"
)
# What the parser keeps: C0/C1 controls dropped, markup and overrides kept as text.
STORED = (
    "[bold red]PWN[/] [link=https://evil.example]click[/link] [31mRED[0m"
    " ]8;;https://evil.exampleLINK]8;; 2J \u202eRTL\u202c BEL :smile:"
)
# What a terminal is given: the overrides replaced by U+FFFD.
SHOWN = STORED.replace("\u202e", "\ufffd").replace("\u202c", "\ufffd")
# A file name keeps its controls (names are not cleaned): shown as control pictures.
NAME = "name\x1b]8;;https:evil.example\x07x\x1b]8;;\x07 \x9b2J \u202e\n.md"
NAME_SHOWN = "name␛]8;;https:evil.example␇x␛]8;;␇ \ufffd2J \ufffd␊.md"
# Nothing a terminal acts on: C0 controls but tab and newline, DEL, C1, bidi controls.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Rich's own styling on a terminal: select-graphic-rendition sequences, and
# OSC 8 hyperlinks (to a hit's source URL or file) whose targets hold no
# control character.
SGR = re.compile(
    "\x1b\\[[0-9;]*m|\x1b\\]8;(?:id=[0-9]+)?;[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*\x1b\\\\"
)
JSONL_ID = "hid-" + STORED


def folded(value: str, output: str) -> bool:
    """Whether plain `output` shows `value` in a facet table (values fold at 36 columns)."""
    cells = [re.sub(r"\s+\d+$", "", line.rstrip()) for line in output.splitlines()]
    return "".join(value.split()) in "".join("".join(cells).split())


def run(*args: str | Path, terminal: bool = False) -> tuple[int, str, str]:
    env = {"COLUMNS": "250", "TTY_COMPATIBLE": "1" if terminal else "0", "NO_COLOR": None}
    result = CliRunner().invoke(app, [str(a) for a in args], env=env, color=True)
    out, err = result.stdout, result.stderr
    if terminal:
        assert SGR.search(out + err) or not out + err  # styled, as on a terminal
        out, err = SGR.sub("", out), SGR.sub("", err)
    for stream in (out, err):
        found = FORBIDDEN.search(stream)
        assert found is None, f"{found.group()!r} written by {args}: {stream!r}"
    assert "Traceback" not in err
    return result.exit_code, out, err


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile-text")
    archive, index_dir = root / "archive", root / "index"
    write_article(
        archive,
        "md.md",
        headline="MD " + HOSTILE,
        body=["Police body " + HOSTILE, "Second paragraph."],
        date="14 Mar 2023",
        quotes=["“Police quote " + HOSTILE + ",” said Anna Berg."],
        taxonomy={"CRIME AREAS": ["Fraud \x1bcRED\x9b"], "REGIONS": ["Europe \u202eX"]},
        url="https://x.example/md\x1b[31m",
    )
    record = {
        "id": "hid-" + HOSTILE,
        "headline": "JSONL " + HOSTILE,
        "body": "police body " + HOSTILE,
        "url": "https://y.example/b?q=" + HOSTILE,
        "source": "src " + HOSTILE,
        "type": "News " + HOSTILE,
        "date": "2023-03-14",
        "speakers": [{"name": "Ann " + HOSTILE, "role": "Chief " + HOSTILE}],
        "quotes": [{"text": "police quote " + HOSTILE, "speaker": "Ann " + HOSTILE}],
        "taxonomy": {"CRIME AREAS": ["Cyber " + HOSTILE], "REGIONS": ["Asia " + HOSTILE]},
    }
    (archive / "hostile.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    write_article(archive, NAME, headline="NAMED POLICE", body="Police body.")
    code, out, err = run("index", archive, "--index", index_dir, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["added"] == 3
    return archive, index_dir


def test_show_prints_every_field_literally(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    for terminal in (False, True):
        code, out, _ = run("show", JSONL_ID, "--index", index_dir, terminal=terminal)
        assert code == 0
        assert out.startswith("╭") == terminal  # a panel: Rich saw a terminal
        text = " ".join(out.replace("│", " ").split())  # panel borders and wrapping off
        for part in (
            f"JSONL {SHOWN}",
            f"2023-03-14 · News {SHOWN} · src {SHOWN} · id hid-{SHOWN}",
            f"https://y.example/b?q={SHOWN}",
            f"Ann {SHOWN} — Chief {SHOWN}",
            f"police body {SHOWN}",
            f"“police quote {SHOWN}” — Ann {SHOWN}",
            f"Crime area: Cyber {SHOWN}",
            f"Regions: Asia {SHOWN}",
            f"file: {archive / 'hostile.jsonl'}",
        ):
            assert " ".join(part.split()) in text
    code, out, _ = run("show", JSONL_ID, "--index", index_dir)
    assert out.splitlines()[:3] == [
        f"JSONL {SHOWN}",
        f"2023-03-14 · News {SHOWN} · src {SHOWN} · id hid-{SHOWN}",
        f"https://y.example/b?q={SHOWN}",
    ]


def test_show_json_carries_the_stored_text_unchanged(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    code, out, _ = run("show", JSONL_ID, "--index", index_dir, "--json")
    assert code == 0
    assert "\\u202e" in out  # escaped in the JSON text, the same string once decoded
    article = json.loads(out)
    assert article == {
        "id": JSONL_ID,
        "path": str(archive / "hostile.jsonl"),
        "url": "https://y.example/b?q=" + STORED,
        "source": "src " + STORED,
        "headline": "JSONL " + STORED,
        "date": "2023-03-14",
        "type": "News " + STORED,
        "speakers": [{"name": "Ann " + STORED, "role": "Chief " + STORED}],
        "body": "police body " + STORED,
        "quotes": [{"text": "police quote " + STORED, "speaker": "Ann " + STORED}],
        "taxonomy": {"crime_area": ["Cyber " + STORED], "regions": ["Asia " + STORED]},
    }
    code, out, _ = run("show", archive / "md.md", "--index", index_dir, "--json")
    md = json.loads(out)
    assert (md["headline"], md["url"]) == ("MD " + STORED, "https://x.example/md[31m")
    assert md["taxonomy"] == {"crime_area": ["Fraud cRED"], "regions": ["Europe \u202eX"]}
    assert md["body"] == f"Police body {STORED}\n\nSecond paragraph."


def test_a_file_name_with_controls_is_shown_as_pictures(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    code, out, _ = run("show", archive / NAME, "--index", index_dir)
    assert code == 0
    assert out.splitlines()[1] == f"no date · id {NAME_SHOWN}"
    assert out.splitlines()[-1] == f"file: {archive}/{NAME_SHOWN}"
    code, out, _ = run("show", archive / NAME, "--index", index_dir, "--json")
    assert (json.loads(out)["id"], json.loads(out)["path"]) == (NAME, str(archive / NAME))
    assert "\\u001b]8;;" in out and "\\u009b" in out and "\\n.md" in out


def test_query_text_and_json(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    for terminal in (False, True):
        code, out, _ = run(
            "query", "police", "--index", index_dir, "-f", "all", "--explain", terminal=terminal
        )
        assert code == 0
        assert f"JSONL {SHOWN}" in out
        assert terminal or folded(f"Cyber {SHOWN}", out)
    code, out, _ = run("query", "police", "--index", index_dir, "-f", "all", "--json")
    assert code == 0
    result = json.loads(out)
    hits = {hit["id"]: hit for hit in result["hits"]}
    assert set(hits) == {JSONL_ID, NAME, "u" + hits_url_id(result)}
    assert hits[JSONL_ID]["headline"] == "JSONL " + STORED
    assert hits[NAME]["path"] == str(archive / NAME)
    assert {"value": "Cyber " + STORED, "count": 1} in result["facets"]["crime_area"]
    # A query made of markup and escapes is text too (here a malformed range,
    # quoted as typed in the error: the markup is not obeyed).
    code, out, err = run("query", HOSTILE, "--index", index_dir, "--explain")
    assert code in (0, 2)
    assert "[bold red]" in out + err


def hits_url_id(result: dict[str, Any]) -> str:
    (md,) = [h for h in result["hits"] if h["path"].endswith("md.md")]
    ident: str = md["id"]
    return ident[1:]


def test_stats_and_facets(index: tuple[Path, Path]) -> None:
    _, index_dir = index
    for terminal in (False, True):
        code, out, _ = run("stats", "--index", index_dir, terminal=terminal)
        assert code == 0
        assert terminal or folded(f"Cyber {SHOWN}", out)
        code, out, _ = run("facets", "source", "--index", index_dir, terminal=terminal)
        assert code == 0
        assert terminal or folded(f"src {SHOWN}", out)
    code, out, _ = run("stats", "--index", index_dir, "--json")
    assert json.loads(out)["facets"]["type"] == {"News " + STORED: 1}
    code, out, _ = run("facets", "regions", "--index", index_dir, "--json")
    assert json.loads(out) == {
        "facet": "regions",
        "values": [
            {"value": "Asia " + STORED, "count": 1},
            {"value": "Europe \u202eX", "count": 1},
        ],
    }


def test_similar(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    for terminal in (False, True):
        code, out, _ = run("similar", archive / "md.md", "--index", index_dir, terminal=terminal)
        assert code == 0
        assert f"JSONL {SHOWN}" in out
    code, out, _ = run("similar", archive / "md.md", "--index", index_dir, "--json")
    assert "JSONL " + STORED in [hit["headline"] for hit in json.loads(out)["hits"]]


def test_export_csv_and_jsonl(index: tuple[Path, Path]) -> None:
    archive, index_dir = index
    code, out, _ = run("export", "police", "--index", index_dir)
    assert code == 0
    rows = {row["path"]: row for row in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {
        str(archive / "md.md"),
        str(archive / "hostile.jsonl"),
        f"{archive}/{NAME_SHOWN.replace('␊', chr(10))}",  # CSV quotes the newline
    }
    assert rows[str(archive / "hostile.jsonl")]["headline"] == f"JSONL {SHOWN}"
    code, out, _ = run("export", "police", "--index", index_dir, "--format", "jsonl")
    assert code == 0
    exported = {hit["path"]: hit for hit in map(json.loads, out.splitlines())}
    assert exported[str(archive / NAME)]["id"] == NAME
    assert exported[str(archive / "hostile.jsonl")]["source"] == "src " + STORED


def test_index_errors_name_hostile_files_visibly(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / NAME).write_bytes(b"\x00\x01binary")
    for mode in ("--json", "--quiet"):
        code, out, err = run("index", archive, "--index", tmp_path / "index", mode)
        assert (code, err) == (1, f"Error: {archive}/{NAME_SHOWN}: binary file\n")
        if mode == "--json":  # the path unchanged, its controls escaped
            assert json.loads(out)["failed"] == [
                {"path": str(archive / NAME), "error": "binary file"}
            ]
    code, _, err = run("index", archive, "--index", tmp_path / "index")
    assert (code, err) == (1, f"Error: {archive}/{NAME_SHOWN}: binary file\n")


def test_batch_shows_a_hostile_query_visibly(index: tuple[Path, Path], tmp_path: Path) -> None:
    _, index_dir = index
    queries = tmp_path / "queries.txt"
    bad = "\x1b]8;;https://evil.example\x07police\x1b]8;;\x07 ("
    queries.write_text(f"police\n{bad}\n", encoding="utf-8")
    code, out, err = run("batch", queries, "--index", index_dir, "--no-snippets")
    assert code == 2
    first, second = map(json.loads, out.splitlines())
    assert first["total"] == 3
    assert second["query"] == bad  # unchanged in JSON
    assert err.splitlines() == [
        f"Error: line 2: {second['error'].replace(chr(27), '␛').replace(chr(7), '␇')}",
        "Error: 1 of the queries could not be understood (see above)",
    ]
