"""Search parts a user acts on: quote snippets, filter values, --explain, export columns."""

from __future__ import annotations

import csv
import io
import json
import re

from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.conftest import BuiltIndex


def run(index: BuiltIndex, *args: str, columns: int = 100) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        [*args, "--index", str(index.index_dir)],
        env={"NO_COLOR": "1", "COLUMNS": str(columns)},
    )
    return result.exit_code, result.stdout, result.stderr


def test_a_speaker_query_shows_the_speakers_quote(built_index: BuiltIndex) -> None:
    code, out, _ = run(built_index, "query", 'speaker:"Marta Kovač"', "--json")
    assert code == 0
    (hit,) = json.loads(out)["hits"]
    first = hit["snippets"][0]
    assert first["field"] == "quotes"
    assert first["text"].startswith("Crime-as-a-service lowers the bar")


def test_a_quote_query_shows_the_quote_with_the_match(built_index: BuiltIndex) -> None:
    code, out, _ = run(built_index, "query", "quote:public", "--json")
    assert code == 0
    (hit,) = json.loads(out)["hits"]
    (snippet,) = hit["snippets"]
    assert snippet["field"] == "quotes"
    start, end = snippet["matches"][0]
    assert snippet["text"][start:end] == "public"


def test_a_filter_value_no_article_has_names_the_closest(built_index: BuiltIndex) -> None:
    code, out, err = run(built_index, "query", "phishing", "--filter", "crime_area=Cybercrim")
    assert (code, out) == (2, "")
    assert err == "Error: no crime_area value 'Cybercrim' — did you mean 'Cybercrime'?\n"
    code, _, err = run(built_index, "query", "phishing", "--filter", "crime_area=Piracy")
    assert code == 2
    assert err == "Error: no crime_area value 'Piracy' — see: pressearch facets crime_area\n"
    # Case and accents still do not matter.
    code, out, _ = run(built_index, "query", "phishing", "--filter", "crime_area=cybercrime")
    assert code == 0 and "PHISHING-AS-A-SERVICE" in out


def test_explain_is_two_aligned_columns(built_index: BuiltIndex) -> None:
    code, out, _ = run(
        built_index, "query", "europol crime:piracy", "--explain", "--match", "any", columns=60
    )
    assert code == 0
    explained = out.split("\n\n")[0].splitlines()
    labels = [line[:8] for line in explained]
    named = [label for label in labels if label.strip()]
    assert named == ["typed:  ", "query:  ", "fields: ", "match:  ", "note:   "]
    # A long line wraps under its own text, never under the labels.
    assert all(re.fullmatch(r"[a-z]+: +|        ", label) for label in labels)
    assert any(label == " " * 8 for label in labels)


def test_export_has_a_column_per_facet(built_index: BuiltIndex) -> None:
    code, out, _ = run(built_index, "export", "phishing OR vaccines", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    header = next(csv.reader(io.StringIO(out)))
    assert header[-5:] == ["target_group", "crime_area", "entity", "organisation", "regions"]
    phishing = next(row for row in rows if "PHISHING" in row["headline"])
    assert phishing["target_group"] == "General Public • Law Enforcement • Industry"
    assert phishing["entity"] == "European Cybercrime Centre (EC3)"
    assert phishing["regions"] == ""
    code, out, _ = run(built_index, "export", "vaccines", "--format", "jsonl")
    (line,) = out.splitlines()
    assert json.loads(line)["facets"] == {
        "target_group": ["General Public", "Healthcare"],
        "crime_area": ["Fraud", "Cybercrime"],
        "regions": ["Europe"],
    }
