"""Verify an index: every segment opens, every stored article reads, counts agree.

Model: `open_index` already proves that the index exists, has our schema
version and that Whoosh can open every segment (each failure raises its own
error). `check_index` then reads everything a search may touch, segment by
segment: the stored record of every live document (valid JSON of an
`Article` whose id is the document's `id`), every column (one value per
document; the `id` and `path` columns the writer relies on must agree with
the records) and every term's postings (document numbers inside the segment).
It compares each segment's live count with the documents found, the index's
count with the records read, and checks that no id is stored twice.
Whoosh's damage errors and a planted pickle (`UNREADABLE`), and a
contradiction found here, raised while reading an item, become one problem
naming the cure (a bug's TypeError and the like propagate); the first
failure of a kind in a segment stands for the rest of that kind, so a
damaged file costs one line, not thousands.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pressearch.index.reader import UNREADABLE, close_leftovers, open_index, read_error
from pressearch.index.whoosh_internals import segment_name, segment_of
from pressearch.models import Article, CheckReport

_CURE = "run `pressearch index --rebuild`"
_T = TypeVar("_T")


def check_index(index_dir: Path) -> CheckReport:
    """Read the whole index at `index_dir` and report every inconsistency found.

    Raises IndexNotFoundError, SchemaVersionError or IndexCorruptError (from
    `open_index`) when the index cannot be opened at all.
    """
    ix = open_index(index_dir)
    problems: list[str] = []
    ids: Counter[str] = Counter()
    documents = segments = 0
    try:
        with ix.reader() as reader:
            documents = reader.doc_count()
            for leaf, _base in reader.leaf_readers():
                if segment_of(leaf) is None:
                    continue  # an index with no segment yet (nothing committed but the schema)
                segments += 1
                problems += _check_segment(leaf, ids)
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    live = sum(ids.values())
    if not problems and live != documents:
        problems.append(f"the index counts {documents} articles but {live} were read — {_CURE}")
    for ident, count in sorted(ids.items()):
        if count > 1:
            problems.append(f"article id {ident!r} is stored {count} times — {_CURE}")
    return CheckReport(str(index_dir), documents, segments, tuple(problems))


class _Mismatch(Exception):
    """What a segment holds contradicts itself or its stored articles."""


class _Segment:
    """The problems found in one segment, at most one per kind of read."""

    def __init__(self, leaf: Any) -> None:
        self.leaf = leaf
        self.name = segment_name(segment_of(leaf))
        self.problems: list[str] = []
        self.failed: set[str] = set()

    def attempt(self, kind: str, what: str, action: Callable[[], _T]) -> _T | None:
        """`action()`, or None: its first failure of `kind` is a problem, later ones skipped."""
        if kind in self.failed:
            return None
        try:
            return action()
        except (*UNREADABLE, _Mismatch) as exc:
            close_leftovers(exc)
            self.failed.add(kind)
            self.report(f"cannot read {what} ({_reason(exc)})")
            return None

    def report(self, message: str) -> None:
        self.problems.append(f"segment {self.name}: {message} — {_CURE}")


def _check_segment(leaf: Any, ids: Counter[str]) -> list[str]:
    seg = _Segment(leaf)
    total = leaf.doc_count_all()
    live = [n for n in range(total) if not leaf.is_deleted(n)]
    if len(live) != leaf.doc_count():
        seg.report(f"{leaf.doc_count()} live articles recorded but {len(live)} found")

    def record(docnum: int) -> tuple[str, Article]:
        fields = leaf.stored_fields(docnum)
        return fields.get("id"), Article.from_dict(json.loads(fields["record"]))

    # What the writer reads to tell changed files: id and path must agree with the record.
    expected: dict[str, dict[int, bytes]] = {"id": {}, "path": {}}
    for docnum in live:
        read = seg.attempt("record", f"stored article {docnum}", partial(record, docnum))
        if read is not None:
            ident, article = read
            if article.id != ident:
                seg.report(f"stored article {docnum} has id {article.id!r}, indexed as {ident!r}")
            ids[article.id] += 1
            expected["id"][docnum] = article.id.encode("utf-8")
            expected["path"][docnum] = article.path.encode("utf-8")

    # Glob facet fields (`facet_*`) are named by the segment, not the schema.
    for name in sorted({*leaf.schema.names(), *leaf.indexed_field_names()}):
        if leaf.has_column(name):
            check = partial(_column, leaf, name, total, expected.get(name, {}))
            seg.attempt("column " + name, f"the column of field {name!r}", check)
    for name in sorted(leaf.indexed_field_names()):
        check = partial(_postings, leaf, name, total)
        seg.attempt("postings", f"the terms of field {name!r}", check)
    return seg.problems


def _column(leaf: Any, name: str, total: int, expected: dict[int, bytes]) -> None:
    values = list(leaf.column_reader(name, translate=False))
    if len(values) != total:
        raise _Mismatch(f"{len(values)} values for {total} documents")
    for docnum, value in expected.items():
        if values[docnum] != value:
            raise _Mismatch(f"document {docnum} does not match its stored article")


def _postings(leaf: Any, name: str, total: int) -> None:
    for term in leaf.lexicon(name):
        for docnum in leaf.postings(name, term).all_ids():
            if not 0 <= docnum < total:
                raise _Mismatch(f"term {term!r} lists document {docnum} of {total}")


_MAX_REASON = 160


def _reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= _MAX_REASON else message[: _MAX_REASON - 1] + "…"
