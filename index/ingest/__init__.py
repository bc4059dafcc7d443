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

A format's module is imported the first time a file of that format is read
(`_Lazy`): listing the suffixes (`index.walk`, and through it everything
that names a path) must not cost the Markdown parser, the HTML and feed
libraries and the date parser, ~40 ms that a query never uses.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.parsed import ParsedFile


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


@dataclass
class _Lazy:
    """The reader `function` of module `ingest.<module>`, imported on its first call."""

    module: str
    function: str
    _read: ReadText | None = field(default=None, repr=False, compare=False)

    def __call__(self, text: str, *, path: str, rel_path: str) -> ParsedFile:
        if self._read is None:
            module = importlib.import_module(f"{__name__}.{self.module}")
            self._read = getattr(module, self.function)
        return self._read(text, path=path, rel_path=rel_path)


READERS: dict[str, Reader] = {
    **dict.fromkeys((".md", ".markdown"), Reader(_Lazy("markdown", "read_markdown"))),
    ".jsonl": Reader(_Lazy("jsonl", "read_jsonl"), per_line_limit=True),
    ".txt": Reader(_Lazy("text", "read_text")),
    **dict.fromkeys((".html", ".htm"), Reader(_Lazy("html", "read_html"))),
    **dict.fromkeys((".rss", ".atom"), Reader(_Lazy("feed", "read_feed"))),
    ".xml": Reader(_Lazy("feed", "read_xml_feed")),
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
    from pressearch.index.ingest.decoding import load

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
