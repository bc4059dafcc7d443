"""Did you mean, as `pressearch query` gives it: the closest frequent word, whole queries, fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.index.writer import build
from tests.conftest import write_article


def query_json(index: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["query", "--index", str(index), "--json", *args])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def gadgets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Articles where a frequent word is two edits from a typo and a rarer one a single edit."""
    root = tmp_path_factory.mktemp("gadgets")
    archive = root / "archive"
    for i in range(3):
        write_article(
            archive,
            f"ipod{i}.md",
            headline=f"MUSIC PLAYER REVIEW {i}",
            body="The new iPod holds a thousand songs.",
        )
    for i in range(25):
        write_article(
            archive,
            f"good{i}.md",
            headline=f"MARKET NOTE {i}",
            body="Retailers had a good quarter; one shop in ten grew, and one did not.",
        )
    for i in range(25):
        write_article(
            archive,
            f"phone{i}.md",
            headline=f"MOBILE HANDSETS {i}",
            body="Sales of the mobile phone rose again: mobile networks, mobile users.",
        )
    write_article(
        archive,
        "oil.md",
        headline="OIL MAJORS",
        body="Exxon and Mobil merged into one company.",
    )
    index = root / "index"
    build([archive], index)
    return index


def test_a_typo_of_a_word_one_edit_away_beats_a_frequent_word_two_edits_away(
    gadgets: Path,
) -> None:
    # "good" is in 25 articles and two edits from "ipood"; "ipod" in 3 and one edit.
    data = query_json(gadgets, "ipood")
    assert data["total"] == 0
    assert data["suggestion"] == "ipod"


def test_the_words_of_a_suggestion_are_chosen_together(gadgets: Path) -> None:
    # "mobil" is a word of the archive and "one" is everywhere, but "mobile
    # phone" is what the articles say together.
    data = query_json(gadgets, "mobil fone")
    assert data["total"] == 0
    assert data["suggestion"] == "mobile phone"


def test_the_suggestion_shows_in_the_text_output(gadgets: Path) -> None:
    result = CliRunner().invoke(
        app, ["query", "--index", str(gadgets), "ipood"], env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 0
    assert "Did you mean: ipod?" in result.stdout


def test_no_suggestion_that_finds_nothing(gadgets: Path) -> None:
    data = query_json(gadgets, "ipood AND zqxjv")
    assert data["suggestion"] is None


@pytest.fixture(scope="module")
def big_lexicon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of 8,000 distinct words: a lexicon that a full scan per word pays for."""
    root = tmp_path_factory.mktemp("lexicon")
    archive = root / "archive"
    letters = "bcdfghjklmnpqrstvwxz"
    words = [a + b + c + "ora" for a in letters for b in "aeiou" for c in letters][:8000]
    for i in range(0, len(words), 400):
        write_article(
            archive, f"words{i}.md", headline=f"WORD LIST {i}", body=" ".join(words[i : i + 400])
        )
    index = root / "index"
    build([archive], index)
    return index


def test_a_query_of_forty_unknown_words_is_answered_quickly(big_lexicon: Path) -> None:
    # Respelling each word by scanning the lexicon took seconds; the work is bounded.
    text = " ".join(f"vyqu{chr(97 + i % 26)}{chr(97 + i // 26)}ora" for i in range(40))
    data = query_json(big_lexicon, text)
    assert data["total"] == 0
    took = data["took_ms"]
    assert isinstance(took, float) and took < 250
