"""Read one file to index: its articles, in order, and what went wrong.

Model: a job names a file (its path, the root it was found under and the
signature the walk saw); `read_job` parses it whole with the reader its
suffix names (`index.ingest`), keeps the last article of each id (within a
file, a later line wins), and returns the articles to index, in file order,
with a `FileResult` saying what became of the file. A parser bug costs its
file, never the batch; a file that changes while it is read is read once
more, and reported if it changes again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pressearch.errors import ArticleParseError
from pressearch.index.ingest import read_file
from pressearch.index.walk import signature
from pressearch.models import Article


@dataclass(frozen=True)
class Job:
    """A file to read: its path, the root it was found under, its signature at the walk."""

    path: str
    root: str
    sig: str


@dataclass(frozen=True)
class FileResult:
    """What a worker made of one file: reasons it failed, warnings, ids indexed in order."""

    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    ids: tuple[str, ...]


@dataclass(frozen=True)
class _Parsed:
    """A parse result that pickles (exceptions with custom arguments do not)."""

    articles: tuple[Article, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


# Why a file is not indexed when it kept changing while it was read.
CHANGING = "changed while it was being read, twice: not indexed — run again once it is written"


def read_job(job: Job) -> tuple[list[Article], str, FileResult]:
    """The articles of `job`'s file to index, in file order, the signature of
    what was read, and what became of the file."""
    parsed, sig = _read_whole(job.path, job.root, job.sig)
    warnings = list(parsed.warnings)
    keep: dict[str, Article] = {}
    for article in reversed(parsed.articles):  # within a file, the last line wins
        if article.id in keep:
            warnings.append(f"duplicate id {article.id}: a later line wins")
        else:
            keep[article.id] = article
    articles = list(reversed(keep.values()))
    return articles, sig, FileResult(parsed.errors, tuple(warnings), tuple(reversed(keep)))


def _read_whole(path: str, root: str, sig: str) -> tuple[_Parsed, str]:
    """Parse `path`, and the signature of what was read.

    A file rewritten while it is read would be stored torn (half one
    version, half the other): its size and modification time are compared
    before and after reading, and a file that changed is read once more.
    """
    for _attempt in range(2):
        before = _signature(path)
        parsed = _parse_one(path, root)
        if before is None or _signature(path) == before:
            return parsed, before or sig  # None: gone, and the parse says so
    return _Parsed((), (CHANGING,), ()), sig


def _signature(path: str) -> str | None:
    try:
        return signature(os.stat(path))
    except OSError:
        return None


def _parse_one(path: str, root: str) -> _Parsed:
    try:
        parsed = read_file(Path(path), Path(root))
    except Exception as exc:  # a parser bug must cost one file, not the run
        return _Parsed((), (f"cannot parse: {type(exc).__name__}: {exc}",), ())
    return _Parsed(parsed.articles, tuple(_reason(e, path) for e in parsed.errors), parsed.warnings)


def _reason(error: ArticleParseError, path: str) -> str:
    # A JSON Lines error names "path:lineno"; the report names the file.
    line = error.path[len(path) + 1 :] if error.path.startswith(path + ":") else ""
    return f"line {line}: {error.reason}" if line else error.reason
