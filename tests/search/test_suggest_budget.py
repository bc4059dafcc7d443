"""Did you mean on a busy machine: the time budget counts work, not waiting."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from pressearch.archive import Archive
from pressearch.index.writer import build
from tests.conftest import write_article


@pytest.fixture(scope="module")
def players(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("players")
    archive = root / "archive"
    for i in range(3):
        write_article(archive, f"ipod{i}.md", headline=f"REVIEW {i}", body="The iPod holds songs.")
    write_article(archive, "coffee.md", headline="COFFEE", body="Coffee prices rose in Brazil.")
    index = root / "index"
    build([archive], index)
    return index


def test_a_suggestion_does_not_depend_on_the_wall_clock(
    players: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each reading of the wall clock a second later: a process that waits
    # for the processor between every step. The budget is CPU time.
    clock = itertools.count(step=1.0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(clock)))
    with Archive.open(players) as archive:
        assert archive.search("ipood").suggestion == "ipod"
        # Both words respelled, the second only after the first one's edits.
        assert archive.search("cofee brazl").suggestion == "coffee brazil"
