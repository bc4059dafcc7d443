"""Read one file to index, or one part of a large one: its articles, in order, and what went wrong.

Model: a job names a file (its path, the root it was found under and the
signature the walk saw); `read_job` parses it whole with the reader its
suffix names (`index.ingest`), keeps the last article of each id (within a
file, a later line wins), and returns the articles to index, in file order,
with a `FileResult` saying what became of the file. A parser bug costs its
file, never the batch; a file that changes while it is read is read once
more, and reported if it changes again.

A job may name a part of a large JSON Lines file instead (`Span`: a byte
range cut at line ends, and the number of its first line; see
`index.parts`, which cuts files and joins their parts). A part's articles
are all returned, duplicates too, but those the job says a later line
replaces (`Job.skip`): which line of an id wins is decided for the whole
file once its parts are read. A part never retries: it says when the file
is not what was cut (its signature changed, before or after the part was
read: `CHANGED`) or when only a reading of the whole file can decode it or
say what is wrong with it (`WHOLE`), and the file is done again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pressearch.errors import ArticleParseError
from pressearch.index.file_list import PackedFiles
from pressearch.index.ingest import read_file, rel_path
from pressearch.index.ingest.jsonl import read_jsonl_part
from pressearch.index.walk import signature
from pressearch.models import Article


@dataclass(frozen=True)
class Span:
    """Part of a file: bytes `start` to `end`, cut at line ends; its first line is line `line`."""

    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class Job:
    """A file to read: its path, the root it was found under, its signature at the walk
    (for a part: when it was cut), and the part to read (None: the whole file).

    `skip`: the part's articles (positions among those it reads) to leave out.
    """

    path: str
    root: str
    sig: str
    span: Span | None = None
    skip: frozenset[int] = frozenset()


@dataclass(frozen=True)
class WholeFiles:
    """Jobs that read each of `files` whole, sent to a worker packed (one object, not one
    a file: see `index.file_list`)."""

    files: PackedFiles

    def __iter__(self) -> Iterator[Job]:
        return (Job(f.path, f.root, f.sig) for f in self.files)


# Why a part was not read: the file changed since it was cut, or only the
# whole file can be decoded (or says what is wrong with it).
CHANGED = "changed"
WHOLE = "whole"


@dataclass(frozen=True)
class FileResult:
    """What a worker made of one file: reasons it failed, warnings, ids indexed in order.

    For a part: every id read, in order, duplicates and those left out
    (`Job.skip`) too, or `redo` says why the part was not read (`CHANGED`,
    `WHOLE`; empty when it was).
    """

    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    ids: tuple[str, ...]
    redo: str = ""


@dataclass(frozen=True)
class _Parsed:
    """A parse result that pickles (exceptions with custom arguments do not)."""

    articles: tuple[Article, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


# Why a file is not indexed when it kept changing while it was read.
CHANGING = "changed while it was being read, twice: not indexed — run again once it is written"


def read_job(job: Job) -> tuple[list[Article], str, FileResult]:
    """The articles of `job`'s file (or part) to index, in file order, the
    signature of what was read, and what became of the file (or part)."""
    if job.span is not None:
        return _read_part(job, job.span)
    parsed, sig = _read_whole(job.path, job.root, job.sig)
    kept, duplicates = last_wins([article.id for article in parsed.articles])
    articles = [parsed.articles[i] for i in kept]
    ids = tuple(article.id for article in articles)
    return articles, sig, FileResult(parsed.errors, parsed.warnings + duplicates, ids)


def last_wins(ids: list[str]) -> tuple[list[int], tuple[str, ...]]:
    """Which of a file's articles, by their ids in file order, are kept
    (positions, in order), and a warning for each one a later line replaces."""
    keep: dict[str, int] = {}
    warnings: list[str] = []
    for i in range(len(ids) - 1, -1, -1):  # within a file, the last line wins
        if ids[i] in keep:
            warnings.append(f"duplicate id {ids[i]}: a later line wins")
        else:
            keep[ids[i]] = i
    return list(reversed(keep.values())), tuple(warnings)


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


def _read_part(job: Job, span: Span) -> tuple[list[Article], str, FileResult]:
    """Every article of one part of a JSON Lines file, or why the file must be done again.

    The file's signature is compared with the one it had when it was cut,
    before and after the part is read: equal, the part is a part of that file.
    """
    if _signature(job.path) != job.sig:
        return [], job.sig, FileResult((), (), (), CHANGED)
    try:
        with open(job.path, "rb") as handle:
            handle.seek(span.start)
            data = handle.read(span.end - span.start)
        parsed = read_jsonl_part(
            data,
            path=os.path.abspath(job.path),
            rel_path=rel_path(os.path.abspath(job.path), Path(job.root)),
            first_line=span.line,
        )
    except Exception:  # unreadable now, or a parser bug: the whole file's reading says what
        parsed = None
    if _signature(job.path) != job.sig:
        return [], job.sig, FileResult((), (), (), CHANGED)
    if parsed is None:
        return [], job.sig, FileResult((), (), (), WHOLE)
    errors = tuple(_reason(e, job.path) for e in parsed.errors)
    ids = tuple(article.id for article in parsed.articles)
    articles = [a for i, a in enumerate(parsed.articles) if i not in job.skip]
    return articles, job.sig, FileResult(errors, parsed.warnings, ids)


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
