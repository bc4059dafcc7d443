"""Plain-text articles (`.txt`).

Model: the first non-empty line is the headline; the rest, split at blank
lines, is the body, each paragraph's lines joined by spaces. There is no
date, type, speaker, quote, taxonomy or URL; the id is the relative path.
"""

from __future__ import annotations

from collections.abc import Iterable

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.cleaning import clean_lines, tidy
from pressearch.index.ingest.identity import article_id
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.models import Article


def read_text(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """The file's one article, or the error that stopped it."""
    try:
        return ParsedFile((parse_text(text, path=path, rel_path=rel_path),))
    except ArticleParseError as exc:
        return ParsedFile((), (exc,))


def parse_text(text: str, *, path: str, rel_path: str) -> Article:
    """A plain-text article: the first non-empty line is the headline, the rest the body."""
    lines = clean_lines(text)
    for n, line in enumerate(lines):
        if line.strip():
            return Article(
                id=article_id(None, rel_path),
                path=path,
                headline=tidy(line),
                body="\n\n".join(_plain_paragraphs(lines[n + 1 :])),
            )
    raise ArticleParseError(path, "empty file")


def _plain_paragraphs(lines: Iterable[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in (*lines, ""):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(tidy(" ".join(current)))
            current = []
    return paragraphs
