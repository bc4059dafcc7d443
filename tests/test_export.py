"""pressearch.export: spreadsheet-safe CSV, and output written where the user meant it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import threading
from pathlib import Path

import pytest

from pressearch.errors import ExportError
from pressearch.export import output_file, write_export
from pressearch.models import Hit, Snippet

FORMULAS = ('=HYPERLINK("https://evil.example")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")


def hit(rank: int, text: str) -> Hit:
    snippet = Snippet("body", text, ())
    return Hit(
        rank=rank,
        id=text,
        path=text,
        url=text,
        headline=text,
        date=dt.date(2020, 1, 2),
        type=text,
        source=text,
        score=1.5,
        snippets=(snippet,),
        headline_snippet=Snippet("headline", text, ()),
    )


@pytest.mark.parametrize("formula", [*FORMULAS, "\tTAB"])
def test_every_csv_cell_that_starts_a_formula_is_neutralised(formula: str) -> None:
    out = io.StringIO()
    assert write_export([hit(1, formula)], "csv", out) == 1
    header, row = csv.reader(io.StringIO(out.getvalue()))
    cells = dict(zip(header, row, strict=True))
    for column in ("id", "type", "source", "headline", "url", "path", "snippets"):
        assert not cells[column].startswith(("=", "+", "-", "@", "\t", "\r")), column
        assert cells[column].startswith("'"), column
    assert (cells["rank"], cells["date"], cells["score"]) == ("1", "2020-01-02", "1.5")


def test_a_carriage_return_is_made_visible_so_it_starts_nothing() -> None:
    out = io.StringIO()
    write_export([hit(1, "\r=1+1")], "csv", out)
    _, row = csv.reader(io.StringIO(out.getvalue()))
    assert row[5] == "\u240d=1+1"


def test_plain_text_cells_are_unchanged() -> None:
    out = io.StringIO()
    write_export([hit(1, "Europol: 10 arrests = a good day")], "csv", out)
    _, row = csv.reader(io.StringIO(out.getvalue()))
    assert row[5] == "Europol: 10 arrests = a good day"


def test_regular_file_is_replaced_whole_and_a_users_part_file_is_left_alone(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    mine = tmp_path / "out.csv.part"
    mine.write_text("the user's own file\n")
    with output_file(target) as out:
        out.write("new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert mine.read_text() == "the user's own file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.csv.part"]


def test_a_failed_export_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), output_file(target) as out:
        out.write("half")
        raise RuntimeError("stopped halfway")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with output_file(link) as out:
        out.write("new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    with output_file(fifo) as out:
        out.write("through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_device_is_written_to_and_its_error_reported() -> None:
    device = Path("/dev/full")
    with (
        pytest.raises(ExportError, match=r"^cannot write /dev/full: No space left on device$"),
        output_file(device) as out,
    ):
        out.write("x" * 100_000)
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="it is a folder"), output_file(tmp_path) as out:
        out.write("x")
