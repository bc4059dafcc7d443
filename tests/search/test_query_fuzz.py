"""Any query string gets results or a clear message, fast; expensive queries are bounded.

Hypothesis throws arbitrary text at `pressearch query` (any Unicode,
unbalanced quotes and brackets, stray operators, field names, very long
inputs) over an index of the bundled sample archive: the command exits 0
(results) or 2 (a one-line `Error: …`), never with a traceback or an
internal error, and answers within 2 s. On a larger generated archive, the
queries that could cost minutes (a lone `*`, short prefixes with thousands
of expansions, 1,000 terms, fuzzy short words) answer fast or say why not.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.index.writer import build
from pressearch.locations import sample_archive_dir
from pressearch.search.expand import MAX_EXPANSIONS
from pressearch.search.query.parse import MAX_QUERY_CHARS, MAX_QUERY_TERMS

SECONDS = 2.0  # the bound every query must answer within


def query(index_dir: Path, text: str, *options: str) -> tuple[int, str, str, float]:
    """Run `pressearch query` (the text after `--`: never read as an option)."""
    started = time.perf_counter()
    result = CliRunner().invoke(
        app, ["query", "--index", str(index_dir), *options, "--", text], env={"COLUMNS": "100"}
    )
    seconds = time.perf_counter() - started
    return result.exit_code, result.stdout, result.stderr, seconds


def assert_answered(index_dir: Path, text: str, *options: str) -> tuple[int, str, str]:
    code, out, err, seconds = query(index_dir, text, *options)
    assert code in (0, 2), f"exit {code} for {text!r}: {err}"
    assert seconds < SECONDS, f"{text[:80]!r} took {seconds:.2f} s"
    assert "Traceback" not in out + err
    assert "internal error" not in err
    if code == 2:
        assert err.startswith("Error: ") and err.count("\n") == 1, err
    else:
        assert err == ""
    return code, out, err


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    report = build([sample_archive_dir()], index_dir)
    assert report.failed == ()
    return index_dir


TOKENS = [
    *'"()[]{}*?~^:+-\\/!&|',
    *"AND OR NOT TO and or not".split(),
    *"headline: body: quote: quotes: speaker: role: url: date: year: month: type:".split(),
    *"source: crime_area: target_group: entity: nosuchfield:".split(),
    *"police europol fraud cyber* traff?cking europol~ europol~2 COVID-19".split(),
    *"2020 2020-10 2020..2021 ..2019 Kovač Šileris 日本 🙂 ﬁ İ ß".split(),
    "[2019 TO 2020]",
    '"joint action"',
    '"unclosed',
    "\u202e",
    "\x1b[31m",
    "\x00",
]
query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=20).map(" ".join),
    st.builds(
        lambda unit, n: unit * n,
        st.sampled_from([*TOKENS, "x ", "(", "a OR "]),
        st.integers(1, 6_000),
    ),
)


@settings(
    max_examples=150,
    deadline=None,  # the 2 s bound is asserted inside, measured per example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=query_text)
def test_any_query_exits_0_or_2_quickly(sample_index: Path, text: str) -> None:
    assert_answered(sample_index, text)


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "?",
        "**",
        "a*",
        "*a*",
        "???*",
        "(",
        ")",
        '"',
        "AND",
        "NOT",
        "-",
        "headline:",
        "date:[2020 TO",
        "police^999999",
        "europol~2",
        '"police europol"~100000',
        "x" * MAX_QUERY_CHARS,
        "x" * (MAX_QUERY_CHARS + 1),
        "(" * 10_000,
        '"' * 9_999,
        " OR ".join(["police"] * 2_000),
    ],
)
def test_known_hard_queries(sample_index: Path, text: str) -> None:
    assert_answered(sample_index, text)


# -- a larger archive ---------------------------------------------------------------

ARTICLES = 3_000
A_WORDS = 5_000  # distinct words starting "ab": more than one wildcard may expand to


@pytest.fixture(scope="module")
def large_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("large")
    rng = random.Random(6)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted({"ab" + "".join(rng.choices(letters, k=4)) for _ in range(A_WORDS * 2)})
    words = words[:A_WORDS]
    archive = root / "archive"
    archive.mkdir()
    for f in range(30):
        lines = []
        for i in range(ARTICLES // 30):
            body = " ".join(rng.choices(words, k=40))
            lines.append(json.dumps({"headline": f"ARTICLE {f}-{i}", "body": body}))
        (archive / f"part{f:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = build([archive], root / "index")
    assert (report.added, report.failed) == (ARTICLES, ())
    return root / "index", words


def expansions_message(text: str) -> str:
    return (
        f"Error: wildcard '{text}' at position 0 matches more than"
        f" {MAX_EXPANSIONS:,} words — add letters to narrow it\n"
    )


def test_lone_star_and_one_letter_prefixes_are_refused(large_index: tuple[Path, Any]) -> None:
    index_dir, _ = large_index
    for text in ("*", "a*", "?b*", "*ab*"):
        code, _, err = assert_answered(index_dir, text)
        assert code == 2
        assert "would match everything" in err or "needs at least 2 letters" in err


def test_prefix_with_thousands_of_words_gives_a_clear_message(
    large_index: tuple[Path, list[str]],
) -> None:
    index_dir, words = large_index
    code, _, err = assert_answered(index_dir, "ab*")
    assert (code, err) == (2, expansions_message("ab*"))
    # Narrower prefixes expand and answer.
    prefix = words[0][:4]
    code, out, _ = assert_answered(index_dir, prefix + "*", "--json", "--no-snippets")
    assert code == 0
    assert json.loads(out)["total"] > 0


def test_a_thousand_terms_are_refused_and_the_limit_answers(
    sample_index: Path, large_index: tuple[Path, list[str]]
) -> None:
    index_dir, words = large_index
    for count in (1_000, MAX_QUERY_TERMS + 1):
        code, _, err = assert_answered(index_dir, " ".join(words[:count]))
        assert (code, err) == (
            2,
            f"Error: query has {count:,} terms; the limit is {MAX_QUERY_TERMS:,}"
            " — shorten it or split it into several queries\n",
        )
    # At the limit: known and unknown words, every word required or any one.
    terms = " ".join(words[:MAX_QUERY_TERMS])
    for match in ("all", "any"):
        code, out, _ = assert_answered(sample_index, terms, "--match", match, "--json")
        assert (code, json.loads(out)["total"]) == (0, 0)
    sample_words = "police europol fraud cybercrime drugs court arrest money".split()
    mixed = " ".join(sample_words[i % 8] if i % 2 else words[i] for i in range(MAX_QUERY_TERMS))
    code, out, _ = assert_answered(sample_index, mixed, "--match", "any", "--json")
    assert code == 0 and json.loads(out)["total"] > 0


def test_fuzzy_short_words_are_refused_and_long_ones_bounded(
    large_index: tuple[Path, list[str]],
) -> None:
    index_dir, words = large_index
    for text in ("a~", "ab~2", "abc~"):
        code, _, err = assert_answered(index_dir, text)
        assert code == 2
        assert "too short for fuzzy matching" in err
    for text in (words[0] + "~", words[0] + "~2", words[0][:4] + "~2"):
        assert_answered(index_dir, text, "--no-snippets")
