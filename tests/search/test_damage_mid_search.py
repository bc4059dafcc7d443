"""Index damage that opening the index does not see, met halfway through a search.

Opening checks every segment, but a segment whose term dictionary lists a
term it holds no entry for opens fine and fails only when a search reads
that term. The user must hear that the index is damaged and how to mend it,
never "internal error … please report it".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.conftest import BuiltIndex


def spoil_a_month_term(index_dir: Path) -> None:
    """Rename the facet value 2019-05 inside the segment: listed, but no longer found."""
    (segment,) = index_dir.glob("*.seg")
    data = segment.read_bytes()
    assert data.count(b"2019-05") >= 1
    segment.write_bytes(data.replace(b"2019-05", b"2019-0X"))


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "query": lambda index: ["query", "phishing", "--facet", "all", "--index", str(index)],
    "query --json": lambda index: ["query", "fraud", "-f", "all", "--json", "--index", str(index)],
    "batch": lambda index: ["batch", "-", "--facet", "all", "--index", str(index)],
    "facets": lambda index: ["facets", "all", "--index", str(index)],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_damage_found_mid_search_says_rebuild(built_index: BuiltIndex, command: str) -> None:
    spoil_a_month_term(built_index.index_dir)
    args = COMMANDS[command](built_index.index_dir)
    result = CliRunner().invoke(app, args, input="phishing\n")
    assert result.exit_code == 1, result.output
    assert f"Error: the index at {built_index.index_dir} is damaged (" in result.stderr
    assert "run `pressearch index --rebuild`" in result.stderr
    assert "internal error" not in result.stderr
