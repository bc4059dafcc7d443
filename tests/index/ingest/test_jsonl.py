"""JSON Lines archives: one article per line, bad lines reported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pressearch.errors import ArticleParseError
from pressearch.index.ingest import read_file
from pressearch.index.ingest.identity import article_id
from pressearch.index.ingest.jsonl import parse_jsonl_line
from pressearch.models import Article, Quote, Speaker
from tests.index.ingest.articles import (
    FIXTURES,
    fixture_path,
)


def test_jsonl_file_reads_good_lines_and_reports_bad_ones() -> None:
    path = fixture_path("articles.jsonl")
    parsed = read_file(FIXTURES / "articles.jsonl", FIXTURES)
    assert parsed.articles == (
        Article(
            id="custom-1",
            path=path,
            headline="JOINT ACTION DAY",
            body="First paragraph.\n\nSecond paragraph.",
            url="https://newsroom.example.org/news/a/",
            source="newsroom.example.org",
            date=dt.date(2023, 3, 14),
            type="Press Release",
            speakers=(Speaker("Marta Kovač", "Head of Unit"),),
            quotes=(Quote("We did it.", "Marta Kovač"), Quote("Unattributed.", None)),
            taxonomy={
                "crime_area": ("Cybercrime", "Fraud"),
                "entity": ("European Cybercrime Centre (EC3)",),
            },
        ),
        Article(id="articles.jsonl:2", path=path, headline="HEADLINE ONLY", body=""),
        Article(
            id=article_id("https://WWW.Example.org/b", ""),
            path=path,
            headline="",
            body="Body only, with a URL.",
            url="https://WWW.Example.org/b",
            source="www.example.org",
        ),
        Article(
            id="articles.jsonl:8",
            path=path,
            headline="LONG DATE",
            body="",
            date=dt.date(2020, 10, 6),
            taxonomy={"crime_area": ("Fraud",), "regions": ("Nordic",)},
        ),
    )
    assert [str(e) for e in parsed.errors] == [
        f"{path}:5: invalid JSON (Expecting ',' delimiter at column 47)",
        f"{path}:6: expected a JSON object, got an array",
        f"{path}:7: field 'speakers' must be a list of {{name, role}} objects",
        f"{path}:9: field 'date' is not a full date: 'soon' (use YYYY-MM-DD)",
        f"{path}:10: no 'headline' or 'body' (every line needs at least one)",
    ]
    assert [e.path for e in parsed.errors] == [f"{path}:{n}" for n in (5, 6, 7, 9, 10)]


def test_jsonl_line_with_a_relative_url_is_an_error() -> None:
    with pytest.raises(ArticleParseError) as info:
        parse_jsonl_line('{"headline": "H", "url": "n/a"}', path="/x.jsonl", rel_path="x", lineno=4)
    assert str(info.value) == "/x.jsonl:4: field 'url' is not an absolute URL: 'n/a'"


def test_jsonl_line_id_rules() -> None:
    def line_id(record: dict[str, object]) -> str:
        line = json.dumps(record)
        return parse_jsonl_line(line, path="/a/x.jsonl", rel_path="x.jsonl", lineno=3).id

    assert line_id({"headline": "H"}) == "x.jsonl:3"
    assert line_id({"headline": "H", "url": "https://e.org/a"}) == article_id(
        "https://e.org/a", "x.jsonl"
    )
    assert line_id({"headline": "H", "url": "https://e.org/a", "id": "mine"}) == "mine"


def test_a_file_of_control_characters_and_blanks_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "controls.jsonl"
    path.write_bytes("\u0080\n \u0085\n".encode())
    parsed = read_file(path, tmp_path)
    assert parsed.articles == ()
    assert [(e.path, e.reason) for e in parsed.errors] == [(str(path), "empty file")]
