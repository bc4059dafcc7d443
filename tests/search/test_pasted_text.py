"""Pasted text always searches with --match any; the default mode keeps its exact errors.

The lines are written here in the shapes real pasted queries take: numbered
test-collection topics, sentences with quotes and colons, stray brackets,
dashes and exclamation marks, half-closed quotes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from whoosh.searching import Searcher

from pressearch.cli.app import app
from pressearch.errors import QueryError
from pressearch.index.reader import open_index
from pressearch.models import SearchRequest
from pressearch.search.compile import compile_query
from pressearch.search.query.lenient import Repaired
from tests.conftest import BuiltIndex

# Each is not valid query syntax as typed, and each holds words of the small archive.
PASTED = [
    "1) phishing kits rented to criminals 2) fake vaccines sold online",
    'The director said: "synthetic drugs reach Europe through its ports',
    "Re: phishing platform -- who ran it?! [urgent]",
    "COVID-19 vaccine scams (see annex 2 for details",
    "phishing :) and more phishing",
    "!!! fake vaccines !!! sold online ^ cheap",
    "Eurojust & Europol: joint action day ~ results)",
    "AND then the administrators were arrested OR",
    "date: 2023/24 phishing figures",
    "a* b? drugs",
]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("line", PASTED)
def test_pasted_line_searches_with_match_any(built_index: BuiltIndex, line: str) -> None:
    index = str(built_index.index_dir)
    code, out, err = run("query", line, "--match", "any", "--json", "--index", index)
    assert code == 0, err
    data = json.loads(out)
    assert data["total"] >= 1
    assert data["query"] == line
    assert "note:   not valid query syntax, read as words: " in data["parsed"]
    assert "\nread:   " in data["parsed"]


@pytest.mark.parametrize("line", PASTED)
def test_the_default_mode_keeps_its_error_with_the_position(
    built_index: BuiltIndex, line: str
) -> None:
    code, out, err = run("query", line, "--index", str(built_index.index_dir))
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ")
    assert "position" in err


def test_the_error_for_a_pasted_sentence_suggests_match_any(built_index: BuiltIndex) -> None:
    index = str(built_index.index_dir)
    code, _, err = run("query", PASTED[0], "--index", index)
    assert code == 2
    assert err.startswith("Error: unbalanced parenthesis: ')' at position 1 has no matching '('")
    assert "use --match any" in err
    # A short query is not pasted text: its error stays as it was.
    code, _, err = run("query", "fraud)", "--index", index)
    assert code == 2
    assert "--match any" not in err


def test_batch_match_any_answers_every_pasted_line(built_index: BuiltIndex) -> None:
    index = str(built_index.index_dir)
    code, out, err = run("batch", "-", "--match", "any", "--index", index, stdin="\n".join(PASTED))
    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["query"] for a in answers] == PASTED
    assert all("error" not in a and a["total"] >= 1 for a in answers)


def test_only_what_is_not_syntax_is_read_as_words(built_index: BuiltIndex) -> None:
    # The phrase and the field stay a phrase and a field; the stray ")" is text.
    line = '"fake vaccines" headline:covid 1) online'
    code, out, _ = run(
        "query", line, "--match", "any", "--json", "--index", str(built_index.index_dir)
    )
    assert code == 0
    parsed = json.loads(out)["parsed"]
    assert '"fake vaccin"' in parsed
    assert "headline:covid" in parsed
    assert "read as words: ')' at 32" in parsed


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    from pressearch.index.writer import build
    from tests.conftest import write_small_archive

    root = tmp_path_factory.mktemp("pasted")
    build([write_small_archive(root / "archive")], root / "index")
    with open_index(root / "index").searcher() as s:
        yield s


SYNTAXY = st.sampled_from([*'()[]{}"^~+-!\\*?:&|<>= ', "AND", "OR", "NOT", "date:", "x:"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.one_of(SYNTAXY, st.sampled_from(["fraud", "drugs", "1"])), max_size=25))
def test_match_any_never_refuses_text_for_its_syntax(searcher: Searcher, text: list[str]) -> None:
    query = " ".join(text)
    try:
        compile_query(SearchRequest(query, match="any"), searcher.reader())
    except QueryError as exc:
        # Only what is about the query as a whole: nothing but stop words or spaces.
        assert exc.position is None, str(exc)


@pytest.mark.parametrize("text", ["~~", "\\~~", "((", "~\\", '"\\', "a:~:~"])
def test_repairs_that_meet_their_own_backslashes_stay_consistent(text: str) -> None:
    reading = Repaired(text)
    for at in range(len(text) * 2):
        if at < len(reading.text):
            reading = reading.escape(at)
            # The typed text, with a backslash before each escaped offset, is the reading.
            typed = "".join(ch for i, ch in enumerate(reading.text) if i not in _added(reading))
            assert typed == text
            assert all(0 <= i < len(text) for i in reading.escaped)


def _added(reading: Repaired) -> set[int]:
    """Where the reading's backslashes stand in its text."""
    return {typed + i for i, typed in enumerate(reading.escaped)}
