"""Reading files: the suffix table, decoding, and files that cannot be read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pressearch.index.ingest import (
    READERS,
    SUPPORTED_SUFFIXES,
    ParsedFile,
    Reader,
    decoding,
    read_file,
)
from pressearch.models import Article
from tests.index.ingest.articles import (
    FIXTURES,
    error_of,
    read_one_from,
)


@pytest.mark.parametrize("name", ["empty.md", "whitespace_only.md"])
def test_empty_files(name: str) -> None:
    assert error_of(FIXTURES / name) == "empty file"


def test_binary_file_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert error_of(path, tmp_path) == "binary file"


def test_binary_file_with_many_control_bytes(tmp_path: Path) -> None:
    path = tmp_path / "blob.md"
    path.write_bytes(b"# T\n" + bytes(range(1, 32)) * 4)
    assert error_of(path, tmp_path) == "binary file"


def test_windows_1252_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "legacy.md"
    path.write_bytes("# CAFÉ RAID\n\n“Fraud costs €5m,” said René Côté.\n".encode("cp1252"))
    parsed = read_file(path, tmp_path)
    assert parsed.errors == ()
    assert parsed.warnings == ("not UTF-8; decoded as Windows-1252",)
    (article,) = parsed.articles
    assert article.headline == "CAFÉ RAID"
    assert article.body == "“Fraud costs €5m,” said René Côté."


def test_invalid_utf8_that_is_not_legible_text(tmp_path: Path) -> None:
    path = tmp_path / "garbage.md"
    path.write_bytes(b"# T\n" + bytes(range(0xA0, 0x100)) * 3)
    assert error_of(path, tmp_path) == (
        "not UTF-8 (byte 0xa0 at offset 4) and not legible text; re-save the file as UTF-8"
    )


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "wide.md"
    path.write_bytes("# WIDE\n\nSaved as UTF-16 by Notepad.\n".encode("utf-16"))
    article = read_one_from(path, tmp_path)
    assert (article.headline, article.body) == ("WIDE", "Saved as UTF-16 by Notepad.")


def test_missing_file(tmp_path: Path) -> None:
    assert error_of(tmp_path / "gone.md", tmp_path) == "no such file or directory"


def test_directory_with_an_article_suffix(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()
    assert error_of(tmp_path / "folder.md", tmp_path) == "is a directory"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.md"
    path.write_text("# SECRET\n\nText.\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert error_of(path, tmp_path) == "permission denied"
    finally:
        path.chmod(0o600)


def test_os_errors_become_their_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(file: str, mode: str = "r") -> Any:
        raise PermissionError(13, "Permission denied", file)

    monkeypatch.setattr(decoding, "open", refuse, raising=False)
    assert error_of(tmp_path / "locked.md", tmp_path) == "permission denied"


def test_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "file.md").write_text("# T\n\nBody.\n", encoding="utf-8")
    assert error_of(tmp_path / "file.md" / "inner.md", tmp_path) == "not a directory"


def test_unicode_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text(" \u2028\u00a0\n\u3000\n", encoding="utf-8")
    assert error_of(path, tmp_path) == "empty file"


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7")
    assert error_of(path, tmp_path) == (
        "unsupported file type '.pdf'"
        " (supported: .md, .markdown, .jsonl, .txt, .html, .htm, .rss, .atom, .xml)"
    )
    assert SUPPORTED_SUFFIXES == (
        ".md",
        ".markdown",
        ".jsonl",
        ".txt",
        ".html",
        ".htm",
        ".rss",
        ".atom",
        ".xml",
    )


def test_a_format_is_one_row_of_the_reader_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_lines(text: str, *, path: str, rel_path: str) -> ParsedFile:
        lines = text.split()
        return ParsedFile((Article(id=rel_path, path=path, headline=lines[0], body=lines[1]),))

    monkeypatch.setitem(READERS, ".lines", Reader(read_lines))
    path = tmp_path / "two.LINES"
    path.write_bytes(b"\xef\xbb\xbfHEADLINE\nBody\n")  # decoded like any other format
    assert read_file(path, tmp_path) == ParsedFile(
        (Article(id="two.LINES", path=str(path), headline="HEADLINE", body="Body"),)
    )


def test_markdown_suffix_and_upper_case_suffix(tmp_path: Path) -> None:
    for name in ("a.markdown", "b.MD"):
        (tmp_path / name).write_text("# T\n\nBody.\n", encoding="utf-8")
        assert read_one_from(tmp_path / name, tmp_path).id == name
