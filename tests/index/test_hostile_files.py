"""Hostile files: each one is reported with its path and reason, skipped, and the rest indexed.

One archive holds every kind of file a scraped folder may contain (encodings,
binaries, empty and oversized files, pathological Markdown, unreadable files
and folders, symlink loops, odd names, a folder deleted while the run goes
on); one `build` over it must index exactly the good files and report exactly
the bad ones. Permissions are enforced by the kernel for ordinary users; the
tests also run as root, where `chmod 000` stops nothing, so then `open` and
`os.scandir` are made to honour the mode bits the way the kernel would.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.index.ingest import read_file
from pressearch.index.ingest.decoding import MAX_FILE_BYTES
from pressearch.index.reader import get_article, open_index
from pressearch.index.writer import build
from pressearch.models import Failure, Progress
from tests.conftest import article_markdown, write_article

MIB = 1024 * 1024
# Names that must index like any other.
ODD_NAMES = {
    "with space.md": "SPACE IN THE NAME",
    "new\nline.md": "NEWLINE IN THE NAME",
    "ünïcødé 日本.md": "NON-ASCII NAME",
    "esc\x1b[31m\x1b]8;;https:__evil\x07link.md": "ESCAPES IN THE NAME",
}
# Pathological Markdown: each must parse (or fail) quickly, never recurse.
NESTED = "# TEN THOUSAND LEVELS\n\n" + "- " * 10_000 + "item\n\n" + "> " * 10_000 + "deep\n"
BRACKETS = "# BRACKETS\n\n" + "[" * 10_000 + "x" + "]" * 10_000 + "\n"
LONG_LINES = {  # 1 MB lines of what markdown-it finds hardest, and of plain prose
    "line-images.md": "![a](",
    "line-underscores.md": "_a",
    "line-bold.md": "**a** ",
    "line-prose.md": "the police arrested a suspect ",
}


def one_mb(unit: str) -> str:
    return (unit * (1_000_000 // len(unit) + 1))[:1_000_000]


def _denied(path: Any) -> bool:
    try:
        return os.stat(path).st_mode & 0o444 == 0
    except (OSError, TypeError, ValueError):
        return False


@pytest.fixture
def kernel_permissions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `chmod 000` stop `open` and `os.scandir` even for root (as for everyone else)."""
    if os.geteuid() != 0:
        return
    real_open, real_scandir = open, os.scandir

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if _denied(file):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), file)
        return real_open(file, *args, **kwargs)

    def guarded_scandir(path: Any = ".") -> Any:
        if _denied(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_scandir(path)

    monkeypatch.setattr("pressearch.index.ingest.decoding.open", guarded_open, raising=False)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def write_hostile_archive(archive: Path) -> dict[str, str]:
    """Write the archive; returns the failures expected, path -> reason."""
    write_article(archive, "good.md", headline="GOOD", body="Fine text.")
    for name, headline in ODD_NAMES.items():
        write_article(archive, name, headline=headline, body="Text.")
    (archive / "nested.md").write_text(NESTED, encoding="utf-8")
    (archive / "brackets.md").write_text(BRACKETS, encoding="utf-8")
    for name, unit in LONG_LINES.items():
        (archive / name).write_text(f"# {name.upper()}\n\n{one_mb(unit)}\n", encoding="utf-8")
    latin1 = article_markdown(headline="CAFÉ", body="Le café était très bon à Zürich.")
    (archive / "latin1.md").write_bytes(latin1.encode("cp1252"))
    write_article(archive, "m-vanishing/a.md", headline="GONE A", body="Text.")
    write_article(archive, "m-vanishing/b.md", headline="GONE B", body="Text.")
    write_article(archive, "locked/inside.md", headline="LOCKED IN", body="Text.")
    (archive / "cycle").mkdir()
    (archive / "cycle" / "up").symlink_to(archive, target_is_directory=True)

    failures = {
        "binary.md": "binary file",
        "bad\x1b[2J\nname.md": "binary file",
        "nul.md": "binary file",
        "empty.md": "empty file",
        "blank.txt": "empty file",
        "huge.md": "file too large (52.4 MB > 20 MB limit)",
        "illegible.md": "not UTF-8 (byte 0xe9 at offset 0) and not legible text;"
        " re-save the file as UTF-8",
        "unreadable.md": "permission denied",
        "locked": "cannot list folder: Permission denied",
        "loop.md": "cannot read: Too many levels of symbolic links",
        "dangling.md": "broken symbolic link",
        "m-vanishing/a.md": "no such file or directory",
        "m-vanishing/b.md": "no such file or directory",
    }
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    (archive / "binary.md").write_bytes(png)
    (archive / "bad\x1b[2J\nname.md").write_bytes(png)
    (archive / "nul.md").write_bytes(article_markdown(headline="NUL", body="a\x00b").encode())
    (archive / "empty.md").write_bytes(b"")
    (archive / "blank.txt").write_bytes(b"  \n\t\n\n")
    with (archive / "huge.md").open("w", encoding="utf-8") as f:
        f.write("# HUGE\n\n")
        line = "The body of a scraped page that never ends. " * 1000 + "\n"
        while f.tell() < 50 * MIB:
            f.write(line)
        f.truncate(50 * MIB)
    (archive / "illegible.md").write_bytes(bytes(range(0xE9, 0x100)) * 100)
    write_article(archive, "unreadable.md", headline="SECRET", body="Text.")
    (archive / "unreadable.md").chmod(0)
    (archive / "locked").chmod(0)
    (archive / "loop.md").symlink_to(archive / "loop.md")
    (archive / "dangling.md").symlink_to(archive / "nowhere.md")
    return {str(archive / name): reason for name, reason in failures.items()}


def indexed_ids(index_dir: Path) -> set[str]:
    with open_index(index_dir).searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


GOOD_IDS = {
    "good.md",
    *ODD_NAMES,
    "nested.md",
    "brackets.md",
    *LONG_LINES,
    "latin1.md",
}


class Hostile:
    def __init__(self, archive: Path, index_dir: Path, expected: dict[str, str]) -> None:
        self.archive, self.index_dir, self.expected = archive, index_dir, expected


@pytest.fixture
def hostile(tmp_path: Path, kernel_permissions: None) -> Iterator[Hostile]:
    archive = tmp_path / "archive"
    expected = write_hostile_archive(archive)
    yield Hostile(archive, tmp_path / "index", expected)
    (archive / "locked").chmod(0o755)  # so that the tmp folder can be removed


def vanish(folder: Path) -> Any:
    """A progress callback that deletes `folder` when the first file is done."""

    def progress(p: Progress) -> None:
        if p.done == 1:
            shutil.rmtree(folder)

    return progress


def test_each_hostile_file_is_reported_and_the_rest_indexed(hostile: Hostile) -> None:
    started = time.monotonic()
    report = build(
        [hostile.archive], hostile.index_dir, progress=vanish(hostile.archive / "m-vanishing")
    )
    seconds = time.monotonic() - started
    assert {f.path: f.error for f in report.failed} == hostile.expected
    assert [f.path for f in report.failed] == sorted(hostile.expected)  # one line each
    assert report.warnings == (
        Failure(str(hostile.archive / "latin1.md"), "not UTF-8; decoded as Windows-1252"),
    )
    assert (report.added, report.updated, report.removed) == (len(GOOD_IDS), 0, 0)
    assert indexed_ids(hostile.index_dir) == GOOD_IDS  # the cycle/up loop added nothing twice
    assert seconds < 20, f"indexing the hostile archive took {seconds:.1f} s"

    # Decoded, parsed and findable by their paths, odd names included.
    assert get_article(hostile.index_dir, str(hostile.archive / "latin1.md")).body == (
        "Le café était très bon à Zürich."
    )
    for name, headline in ODD_NAMES.items():
        assert get_article(hostile.index_dir, str(hostile.archive / name)).headline == headline
    assert get_article(hostile.index_dir, "nested.md").body.startswith("- - - ")

    # The next run reads nothing new and reports the same files, the vanished ones gone.
    again = build([hostile.archive], hostile.index_dir)
    gone = {str(hostile.archive / "m-vanishing" / n) for n in ("a.md", "b.md")}
    assert {f.path: f.error for f in again.failed} == {
        path: reason for path, reason in hostile.expected.items() if path not in gone
    }
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, len(GOOD_IDS))


def test_a_folder_that_becomes_unreadable_keeps_its_articles(
    tmp_path: Path, kernel_permissions: None
) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_article(archive, "sub/kept.md", headline="KEPT", body="Text.")
    write_article(archive, "top.md", headline="TOP", body="Text.")
    build([archive], index_dir)
    (archive / "sub").chmod(0)
    try:
        report = build([archive], index_dir)
    finally:
        (archive / "sub").chmod(0o755)
    assert report.failed == (
        Failure(str(archive / "sub"), "cannot list folder: Permission denied"),
    )
    assert (report.removed, report.unchanged) == (0, 1)
    assert indexed_ids(index_dir) == {"sub/kept.md", "top.md"}


def test_pathological_markdown_parses_quickly(tmp_path: Path) -> None:
    cases = {"nested.md": NESTED, "brackets.md": BRACKETS}
    cases |= {name: f"# LONG\n\n{one_mb(unit)}\n" for name, unit in LONG_LINES.items()}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        started = time.monotonic()
        parsed = read_file(path, tmp_path)  # a RecursionError would propagate from here
        seconds = time.monotonic() - started
        assert seconds < 2, f"{name} took {seconds:.2f} s"
        assert parsed.errors == ()
        (article,) = parsed.articles
        assert len(article.body) >= 20_000


def test_long_lines_shaped_like_taxonomy_lines_parse_quickly(tmp_path: Path) -> None:
    # A label followed by a run of spaces: a lazy regex over it backtracks
    # quadratically (50 000 spaces took 18 s).
    for end in (")", "•", "\\", "[x](#)", "[x](#) •"):
        path = tmp_path / "spaces.md"
        path.write_text(f"# SPACES\n\nBody.\n\nLABEL{' ' * 50_000}{end}\n", encoding="utf-8")
        started = time.monotonic()
        parsed = read_file(path, tmp_path)
        seconds = time.monotonic() - started
        assert seconds < 2, f"a line ending with {end!r} took {seconds:.2f} s"
        assert len(parsed.articles) == 1


def test_size_limit_is_reported_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: the size counts, not the content
    parsed = read_file(path, tmp_path)
    assert [e.reason for e in parsed.errors] == ["file too large (20.0 MB > 20 MB limit)"]
    path.write_bytes(b"# AT THE LIMIT\n\n" + b"word " * ((MAX_FILE_BYTES - 16) // 5))
    assert read_file(path, tmp_path).errors == ()


def test_jsonl_over_the_limit_is_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pressearch.index.ingest.decoding.MAX_FILE_BYTES", 1_000)
    path = tmp_path / "dump.jsonl"
    lines = [{"headline": f"LINE {i}", "body": "x" * 400} for i in range(4)]
    lines[2]["body"] = "x" * 2_000
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    parsed = read_file(path, tmp_path)
    assert [a.headline for a in parsed.articles] == ["LINE 0", "LINE 1", "LINE 3"]
    assert [str(e) for e in parsed.errors] == [
        f"{path}:3: line too long (2,034 characters > 1,000 limit)"
    ]


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"}, color=True)


def test_cli_index_reports_each_file_on_one_visible_line(hostile: Hostile) -> None:
    shutil.rmtree(hostile.archive / "m-vanishing")
    failures = {p: r for p, r in hostile.expected.items() if "m-vanishing" not in p}
    hostile_name = str(hostile.archive / "bad\x1b[2J\nname.md")
    errors = [
        f"Error: {hostile.archive / 'bad␛[2J␊name.md'}: binary file"
        if path == hostile_name
        else f"Error: {path}: {reason}"
        for path, reason in sorted(failures.items())
    ]
    warning = f"Warning: {hostile.archive / 'latin1.md'}: not UTF-8; decoded as Windows-1252"

    result = run("index", hostile.archive, "--index", hostile.index_dir)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [warning, *errors]
    assert result.stdout.startswith(
        f"{len(GOOD_IDS)} added, 0 updated, 0 removed, 0 unchanged, {len(failures)} failed"
    )
    assert "\x1b" not in result.stdout + result.stderr

    quiet = run("index", hostile.archive, "--index", hostile.index_dir, "--quiet")
    assert (quiet.exit_code, quiet.stdout) == (1, "")
    assert quiet.stderr.splitlines() == errors
