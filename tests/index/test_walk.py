"""index.walk: names that are not UTF-8 and symbolic links out of the roots.

A file name that is not valid UTF-8 is reported with its bad bytes escaped
and the run goes on (first runs and incremental ones). A symbolic link whose
target lies outside the folders being indexed is not followed unless
`follow_links=True`, and is reported as a warning.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.errors import UsageError
from pressearch.index.ingest import SUPPORTED_SUFFIXES
from pressearch.index.reader import open_index
from pressearch.index.writer import build
from pressearch.models import Failure
from tests.conftest import article_markdown, touch_later, write_article

LATIN1_NAME = b"caf\xe9.md"  # "café.md" in Latin-1: not UTF-8
BAD_FOLDER = b"d\xffossier"


def headlines(index_dir: Path) -> set[str]:
    with open_index(index_dir).searcher() as searcher:
        return {json.loads(f["record"])["headline"] for f in searcher.all_stored_fields()}


def write_bytes_named(folder: Path, name: bytes, headline: str) -> None:
    path = os.path.join(os.fsencode(folder), name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(article_markdown(headline=headline, body="Text."))


def test_a_name_that_is_not_utf8_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_article(archive, "good.md", headline="GOOD", body="Text.")
    write_bytes_named(archive, LATIN1_NAME, "LATIN-1 NAME")
    os.mkdir(os.path.join(os.fsencode(archive), BAD_FOLDER))
    write_bytes_named(archive / os.fsdecode(BAD_FOLDER), b"inside.md", "INSIDE")
    report = build([archive], index_dir)
    assert (report.added, report.warnings) == (1, ())
    assert report.failed == (
        Failure(f"{archive}/caf\\xe9.md", "file name is not valid UTF-8 — rename it"),
        Failure(f"{archive}/d\\xffossier", "folder name is not valid UTF-8 — rename it"),
    )
    assert headlines(index_dir) == {"GOOD"}
    result = CliRunner().invoke(app, ["index", str(archive), "--index", str(index_dir), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == [
        {"path": f"{archive}/caf\\xe9.md", "error": "file name is not valid UTF-8 — rename it"},
        {"path": f"{archive}/d\\xffossier", "error": "folder name is not valid UTF-8 — rename it"},
    ]


def test_an_incremental_run_updates_the_other_files(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    good = write_article(archive, "good.md", headline="GOOD", body="Text.")
    build([archive], index_dir)
    write_bytes_named(archive, LATIN1_NAME, "LATIN-1 NAME")
    write_article(archive, "good.md", headline="GOOD AND CHANGED", body="Text.")
    touch_later(good)
    report = build([archive], index_dir)
    assert (report.added, report.updated) == (0, 1)
    assert [f.path for f in report.failed] == [f"{archive}/caf\\xe9.md"]
    assert headlines(index_dir) == {"GOOD AND CHANGED"}


def test_a_link_out_of_the_roots_is_not_followed_unless_asked(tmp_path: Path) -> None:
    archive, index_dir, outside = tmp_path / "archive", tmp_path / "index", tmp_path / "private"
    write_article(archive, "public.md", headline="PUBLIC", body="Text.")
    write_article(archive, "sub/inner.md", headline="INNER", body="Text.")
    write_article(outside, "secret.md", headline="SECRET", body="Text.")
    write_article(outside, "folder/hidden.md", headline="HIDDEN", body="Text.")
    (archive / "shadow.md").symlink_to(outside / "secret.md")
    (archive / "escape").symlink_to(outside / "folder", target_is_directory=True)
    (archive / "alias").symlink_to(archive / "sub", target_is_directory=True)  # stays inside
    report = build([archive], index_dir)
    reason = "outside the folders being indexed: not followed (--follow-links follows it)"
    assert report.warnings == (
        Failure(str(archive / "escape"), f"symbolic link to {outside / 'folder'}, {reason}"),
        Failure(str(archive / "shadow.md"), f"symbolic link to {outside / 'secret.md'}, {reason}"),
    )
    assert (report.added, report.failed) == (2, ())
    assert headlines(index_dir) == {"PUBLIC", "INNER"}
    report = build([archive], index_dir, follow_links=True)
    assert (report.added, report.warnings) == (2, ())
    assert headlines(index_dir) == {"PUBLIC", "INNER", "SECRET", "HIDDEN"}
    # Followed once, the link's articles go when it is no longer followed.
    report = build([archive], index_dir)
    assert report.removed == 2
    assert headlines(index_dir) == {"PUBLIC", "INNER"}


def test_a_root_given_through_a_link_is_followed(tmp_path: Path) -> None:
    real, index_dir = tmp_path / "real", tmp_path / "index"
    write_article(real, "a.md", headline="A", body="Text.")
    (real / "self.md").symlink_to(real / "a.md")  # inside the root as resolved
    given = tmp_path / "given"
    given.symlink_to(real, target_is_directory=True)
    report = build([given], index_dir)
    assert (report.added, report.warnings, report.failed) == (2, (), ())


def test_a_root_whose_name_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    root = os.path.join(os.fsencode(tmp_path), BAD_FOLDER)
    os.mkdir(root)
    with pytest.raises(UsageError) as caught:
        build([Path(os.fsdecode(root))], tmp_path / "index")
    assert str(caught.value) == f"{tmp_path}/d\\xffossier: the path is not valid UTF-8 — rename it"
    assert not (tmp_path / "index").exists()


def test_a_folder_without_supported_files_says_what_it_holds(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.pdf", "b.PDF", "sub/c.pdf", "d.docx", "README", ".hidden.pdf"):
        (docs / name).parent.mkdir(exist_ok=True)
        (docs / name).write_bytes(b"x")
    empty = tmp_path / "empty"
    empty.mkdir()
    archive = tmp_path / "archive"
    write_article(archive, "a.md", headline="A", body="Text.")
    report = build([docs, empty, archive], tmp_path / "index")
    reads = f"pressearch reads {', '.join(SUPPORTED_SUFFIXES)}"
    assert report.warnings == (
        Failure(
            str(docs),
            f"no supported files under it (found .pdf ×3, .docx ×1, no suffix ×1; {reads})",
        ),
        Failure(str(empty), f"no supported files under it, nor any other ({reads})"),
    )
    assert report.added == 1


def test_the_summary_counts_files_in_the_singular_and_plural(tmp_path: Path) -> None:
    runner = CliRunner()
    archive = tmp_path / "archive"
    write_article(archive, "a.md", headline="A", body="Text.")
    env = {"COLUMNS": "300", "NO_COLOR": "1"}
    result = runner.invoke(app, ["index", str(archive), "--index", str(tmp_path / "ix")], env=env)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "1 added, 0 updated, 0 removed, 0 unchanged, 0 failed (1 file in "
    )
    write_article(archive, "b.md", headline="B", body="Text.")
    result = runner.invoke(app, ["index", str(archive), "--index", str(tmp_path / "ix")], env=env)
    assert result.stdout.startswith(
        "1 added, 0 updated, 0 removed, 1 unchanged, 0 failed (2 files in "
    )
    (archive / "a.md").unlink()
    (archive / "b.md").unlink()
    (archive / "scan.pdf").write_bytes(b"%PDF")
    result = runner.invoke(app, ["index", str(archive), "--index", str(tmp_path / "ix")], env=env)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "0 added, 0 updated, 2 removed, 0 unchanged, 0 failed (0 files in "
    )
    assert result.stderr == (
        f"Warning: {archive}: no supported files under it (found .pdf ×1;"
        f" pressearch reads {', '.join(SUPPORTED_SUFFIXES)})\n"
    )
