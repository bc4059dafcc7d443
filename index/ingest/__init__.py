"""Archive files in, `Article` records out: one reader per input format, chosen by suffix.

Model: `read_file` takes one file through three steps: its suffix picks a
`Reader` from `READERS` (the one table of formats: a new format is one
module and one row here); `decoding` turns its bytes into text; the reader
turns the text into articles. Every problem, from an unreadable file to a
line of bad JSON, is reported in the `ParsedFile` it returns, never raised.

Modules: `decoding` (bytes → text), `cleaning` (control characters,
spaces), `markdown` (the article format of docs/FORMAT.md) with `inline`,
`dates`, `paragraphs`, `names` and `attribution` (who said a quote),
`jsonl`, `text`, `identity` (ids and sources), `parsed` (`ParsedFile`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.decoding import load
from pressearch.index.ingest.feed import read_feed, read_xml_feed
from pressearch.index.ingest.html import read_html
from pressearch.index.ingest.jsonl import read_jsonl
from pressearch.index.ingest.markdown import read_markdown
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.index.ingest.text import read_text


class ReadText(Protocol):
    """A format's reader: a file's decoded text → its articles and errors."""

    def __call__(self, text: str, *, path: str, rel_path: str) -> ParsedFile: ...


@dataclass(frozen=True)
class Reader:
    """One input format: what turns a file's text into articles, and how its size is limited."""

    read: ReadText
    # One article per line: the size limit applies to each line (the reader
    # checks it), not to the file.
    per_line_limit: bool = False


READERS: dict[str, Reader] = {
    ".md": Reader(read_markdown),
    ".markdown": Reader(read_markdown),
    ".jsonl": Reader(read_jsonl, per_line_limit=True),
    ".txt": Reader(read_text),
    **dict.fromkeys((".html", ".htm"), Reader(read_html)),
    **dict.fromkeys((".rss", ".atom"), Reader(read_feed)),
    ".xml": Reader(read_xml_feed),
}
SUPPORTED_SUFFIXES = tuple(READERS)


def read_file(path: Path, root: Path) -> ParsedFile:
    """Read and parse one archive file; every problem is reported, none raised."""
    where = os.path.abspath(path)
    suffix = os.path.splitext(where)[1].lower()
    reader = READERS.get(suffix)
    if reader is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        reason = f"unsupported file type '{suffix}' (supported: {supported})"
        return ParsedFile((), (ArticleParseError(where, reason),))
    try:
        text, warnings = load(where, whole_file_limit=not reader.per_line_limit)
    except ArticleParseError as exc:
        return ParsedFile((), (exc,))
    parsed = reader.read(text, path=where, rel_path=rel_path(where, root))
    return replace(parsed, warnings=warnings + parsed.warnings)


def rel_path(path: str, root: Path) -> str:
    """Absolute `path` relative to the indexed root, POSIX style (root may be the file)."""
    # String operations: pathlib costs ~25 µs a file here, a tenth of a parse.
    base = os.path.abspath(root)
    if path == base:
        rel = os.path.basename(path)
    elif path.startswith(base.rstrip(os.sep) + os.sep):
        rel = path[len(base.rstrip(os.sep)) + 1 :]
    else:
        rel = path
    return rel.replace(os.sep, "/")
