"""Verify an index: every segment opens, every stored article reads, counts agree.

Model: `open_index` already proves that the index exists, has our schema
version and that Whoosh can open every segment (each failure raises its own
error). `check_index` then reads everything a search may touch, segment by
segment: the stored record of every live document (valid JSON of an
`Article`, whose id matches the document's `id`), the columns (one value per
document), and every term's postings (document numbers inside the segment).
It compares the live count of each segment with the records read and checks
that no id appears twice. Whatever Whoosh or the OS raises while reading is
caught per item (any exception: Whoosh's own damage errors have no common
base, and a checker must report, not crash) and becomes one problem string naming the cure; the first
failure of a kind in a segment stands for the rest of that kind, so a
truncated file costs one line, not one per document.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.article import Article
from index.reader import INDEX_DAMAGE, close_leftovers, corrupt_error, open_index

_CURE = "run `pressearch index --rebuild`"


@dataclass(frozen=True)
class CheckReport:
    """What `check_index` found: live articles, segments, and problems (empty: consistent)."""

    index_path: str
    documents: int
    segments: int
    problems: tuple[str, ...]


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
                if leaf.segment() is None:
                    continue  # an index with no segment yet (nothing committed but the schema)
                segments += 1
                problems += _check_segment(leaf, ids)
    except INDEX_DAMAGE as exc:
        raise corrupt_error(index_dir, exc) from exc
    live = sum(ids.values())
    if not problems and live != documents:
        problems.append(
            f"the index counts {documents} articles but {live} were read — {_CURE}"
        )
    for ident, count in sorted(ids.items()):
        if count > 1:
            problems.append(f"article id {ident!r} is stored {count} times — {_CURE}")
    return CheckReport(str(index_dir), documents, segments, tuple(problems))


class _Segment:
    """The problems found in one segment, at most one per kind."""

    def __init__(self, leaf: Any) -> None:
        self.leaf = leaf
        self.name = leaf.segment().segment_id()
        self.problems: list[str] = []
        self.failed: set[str] = set()

    def attempt(self, kind: str, what: str, action: Callable[[], None]) -> None:
        """Run `action`; the first failure of `kind` becomes a problem, later ones are skipped."""
        if kind in self.failed:
            return
        try:
            action()
        except Exception as exc:  # whatever stops a read here is damage (Whoosh has many)
            close_leftovers(exc)
            self.failed.add(kind)
            self.report(f"{what} unreadable ({_reason(exc)})")

    def report(self, message: str) -> None:
        self.problems.append(f"segment {self.name}: {message} — {_CURE}")


def _check_segment(leaf: Any, ids: Counter[str]) -> list[str]:
    seg = _Segment(leaf)
    total = leaf.doc_count_all()
    live = [n for n in range(total) if not leaf.is_deleted(n)]
    if len(live) != leaf.doc_count():
        seg.report(f"{leaf.doc_count()} live articles recorded but {len(live)} found")

    def record(docnum: int) -> None:
        fields = leaf.stored_fields(docnum)
        article = Article.from_dict(json.loads(fields["record"]))
        if article.id != fields.get("id"):
            raise ValueError(f"its record has id {article.id!r}, the document {fields.get('id')!r}")
        ids[article.id] += 1

    for docnum in live:
        seg.attempt("record", f"stored article {docnum}", lambda d=docnum: record(d))

    # Glob facet fields (`facet_*`) are named by the segment, not the schema.
    for name in sorted({*leaf.schema.names(), *leaf.indexed_field_names()}):
        if leaf.has_column(name):

            def column(name: str = name) -> None:
                values = sum(1 for _ in leaf.column_reader(name, translate=False))
                if values != total:
                    raise ValueError(f"{values} values for {total} documents")

            seg.attempt("column " + name, f"column {name!r}", column)

    for name in sorted(leaf.indexed_field_names()):

        def postings(name: str = name) -> None:
            for term in leaf.lexicon(name):
                for docnum in leaf.postings(name, term).all_ids():
                    if not 0 <= docnum < total:
                        raise ValueError(f"term {term!r} lists document {docnum} of {total}")

        seg.attempt("postings " + name, f"terms of field {name!r}", postings)
    return seg.problems


_MAX_REASON = 160


def _reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= _MAX_REASON else message[: _MAX_REASON - 1] + "…"
