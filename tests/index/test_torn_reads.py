"""A file rewritten while it is read is never stored torn: read again, or reported.

Size and modification time are compared before and after each read; here
a reader that rewrites the file it reads stands for a writer racing the
run (in-process runs: the run's own reader is replaced).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pressearch.index.ingest import ParsedFile, read_file
from pressearch.index.reader import open_index
from pressearch.index.reading import CHANGING
from pressearch.index.writer import build
from pressearch.models import Failure
from tests.conftest import touch_later, write_article


def rewriting_reader(monkeypatch: pytest.MonkeyPatch, path: Path, times: int) -> list[str]:
    """Replace the run's reader by one that rewrites `path` while reading it, `times` times."""
    rewrites: list[str] = []

    def racing(file: Path, root: Path) -> ParsedFile:
        parsed = read_file(file, root)
        if file == path and len(rewrites) < times:
            headline = f"VERSION {len(rewrites) + 2}"
            write_article(path.parent, path.name, headline=headline, body="Longer text " * 10)
            touch_later(path, seconds=10 * (len(rewrites) + 1))
            rewrites.append(headline)
        return parsed

    monkeypatch.setattr("pressearch.index.reading.read_file", racing)
    return rewrites


def headlines(index_dir: Path) -> dict[str, str]:
    with open_index(index_dir).searcher() as searcher:
        return {
            fields["path"]: json.loads(fields["record"])["headline"]
            for fields in searcher.all_stored_fields()
        }


def test_a_file_rewritten_while_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    path = write_article(archive, "racing.md", headline="VERSION 1", body="Text.")
    assert rewriting_reader(monkeypatch, path, times=1) == []
    report = build([archive], index_dir)
    assert (report.added, report.failed) == (1, ())
    assert headlines(index_dir) == {str(path): "VERSION 2"}
    monkeypatch.undo()
    # Stored with the signature of what was read: the next run has nothing to do.
    assert build([archive], index_dir).unchanged == 1


def test_a_file_that_keeps_changing_is_reported_and_keeps_its_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    path = write_article(archive, "racing.md", headline="VERSION 1", body="Text.")
    build([archive], index_dir)
    write_article(archive, "racing.md", headline="VERSION 1, EDITED", body="Text.")
    touch_later(path)
    rewriting_reader(monkeypatch, path, times=2)
    report = build([archive], index_dir)
    assert report.failed == (Failure(str(path), CHANGING),)
    assert (report.added, report.updated) == (0, 0)
    assert headlines(index_dir) == {str(path): "VERSION 1"}
    monkeypatch.undo()
    assert build([archive], index_dir).updated == 1
    assert headlines(index_dir) == {str(path): "VERSION 3"}
