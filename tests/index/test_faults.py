"""The environment refusing, said as what happened and what to do; never "a bug", never "rebuild".

A full disk (simulated, and on a real tiny tmpfs when this user may mount
one), a read-only folder, missing permissions, a folder or a deeply nested
document in place of `pressearch.json`, and a deleted table of contents:
each gives one line that says what happened and what to do, exit status 1,
and the index as of its last commit.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from pressearch.cli.app import app
from pressearch.errors import IndexCorruptError, IndexStorageError, SchemaVersionError
from pressearch.index.check import check_index
from pressearch.index.reader import open_index
from pressearch.index.writer import build
from tests.conftest import BuiltIndex, write_article


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def refuse(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, code: int) -> None:
    """Make `target.name` fail as the operating system does with `code`."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(target, name, failing)


def test_disk_full_during_a_run_keeps_the_last_commit(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, index_dir = built_index.archive, built_index.index_dir
    write_article(archive, "new.md", headline="NEW ARTICLE", body="Written on a full disk.")
    with monkeypatch.context() as patched:
        refuse(patched, StructFile, "write", errno.ENOSPC)
        with pytest.raises(IndexStorageError) as caught:
            build([archive], index_dir)
        expected = (
            f"no space left on device at {index_dir}: free space and run again"
            " — nothing committed was lost"
        )
        assert str(caught.value) == expected
        refuse(patched, StructFile, "write", errno.ENOSPC)
        assert run("index", archive, "--index", index_dir) == (1, "", f"Error: {expected}\n")
    report = check_index(index_dir)
    assert (report.documents, report.problems) == (4, ())
    assert build([archive], index_dir).added == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            errno.EROFS,
            "{index_dir} is on a read-only file system: make it writable or pass another"
            " --index — nothing committed was lost",
        ),
        (
            errno.EACCES,
            "permission denied on {index_dir}: give your user write access to the index"
            " folder and its files, or pass another --index — nothing committed was lost",
        ),
    ],
)
def test_a_read_only_or_forbidden_index_folder(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch, code: int, message: str
) -> None:
    # Taking the write lock is the first write of a run.
    refuse(monkeypatch, FileStorage, "lock", code)
    expected = message.format(index_dir=built_index.index_dir)
    with pytest.raises(IndexStorageError) as caught:
        build([built_index.archive], built_index.index_dir)
    assert str(caught.value) == expected
    args = ("index", built_index.archive, "--index", built_index.index_dir)
    assert run(*args) == (1, "", f"Error: {expected}\n")


def test_unreadable_index_files_are_not_damage(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What mode 000 files do for any user but root.
    index_dir = built_index.index_dir
    refuse(monkeypatch, FileStorage, "open_file", errno.EACCES)
    expected = (
        f"permission denied on {index_dir}: give your user read access to the index"
        " folder and its files, or pass another --index"
    )
    with pytest.raises(IndexStorageError) as caught:
        open_index(index_dir)
    assert str(caught.value) == expected
    for command in ("check", "stats"):
        assert run(command, "--index", index_dir) == (1, "", f"Error: {expected}\n")


def test_a_folder_or_deep_nesting_as_metadata(built_index: BuiltIndex) -> None:
    index_dir, metadata = built_index.index_dir, built_index.index_dir / "pressearch.json"
    metadata.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    with pytest.raises(SchemaVersionError) as caught:
        open_index(index_dir)
    assert str(caught.value) == (
        f"the index at {index_dir} has no readable pressearch.json (not the JSON pressearch"
        " writes) — run `pressearch index --rebuild"
        " PATH..., naming the folders it covered`"
    )
    build([built_index.archive], index_dir, rebuild=True)
    assert json.loads(metadata.read_text(encoding="utf-8"))["schema_version"] >= 1
    metadata.unlink()
    (metadata / "inner").mkdir(parents=True)
    with pytest.raises(SchemaVersionError):
        open_index(index_dir)
    expected = f"{metadata} is a folder where pressearch keeps a file: move it away and run again"
    with pytest.raises(IndexStorageError) as caught:
        build([built_index.archive], index_dir, rebuild=True)
    assert str(caught.value) == expected
    code, _, err = run("index", built_index.archive, "--index", index_dir, "--rebuild")
    assert (code, err) == (1, f"Error: {expected}\n")


def test_a_deleted_table_of_contents_is_damage(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    (toc,) = index_dir.glob("_MAIN_*.toc")
    toc.unlink()
    expected = (
        f"the index at {index_dir} is damaged (its table of contents is missing)"
        " — run `pressearch index --rebuild`"
    )
    with pytest.raises(IndexCorruptError) as caught:
        open_index(index_dir)
    assert str(caught.value) == expected
    for command in (["check"], ["query", "fraud"], ["index", built_index.archive]):
        assert run(*command, "--index", index_dir) == (1, "", f"Error: {expected}\n")
    build([built_index.archive], index_dir, rebuild=True)
    assert open_index(index_dir).doc_count() == 4


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 400 KB tmpfs, when this user may mount one (root on Linux)."""
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mountpoint)],
            capture_output=True,
            check=False,
        )
    except OSError:  # no mount command
        pytest.skip("cannot mount a tmpfs here")
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def test_a_really_full_disk(tmp_path: Path, tiny_disk: Path) -> None:
    archive, index_dir = tmp_path / "archive", tiny_disk / "index"
    for i in range(3):
        write_article(archive, f"small-{i}.md", headline=f"SMALL {i}", body="A few words.")
    build([archive], index_dir)
    words = " ".join(f"word{i}" for i in range(60_000))  # far more postings than fit
    write_article(archive, "large.md", headline="LARGE", body=words)
    code, out, err = run("index", archive, "--index", index_dir)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: no space left on device at {index_dir}: free space and run again"
        " — nothing committed was lost\n"
    )
    assert check_index(index_dir).documents == 3


def test_a_really_read_only_mount(tmp_path: Path, tiny_disk: Path) -> None:
    archive, index_dir = tmp_path / "archive", tiny_disk / "index"
    write_article(archive, "a.md", headline="A", body="Text.")
    build([archive], index_dir)
    write_article(archive, "b.md", headline="B", body="Text.")
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    code, out, err = run("index", archive, "--index", index_dir)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {index_dir} is on a read-only file system: make it writable or pass another"
        " --index — nothing committed was lost\n"
    )
    assert run("query", "text", "--index", index_dir, "--json")[0] == 0
    assert check_index(index_dir).documents == 1
