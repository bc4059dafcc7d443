"""Build one segment in a private index: parse files, analyse, write; or merge segments.

Model: each task runs in a worker process (or in the run's own process
for small runs) and writes a new Whoosh index in a hidden folder of its
own inside the index folder (the same file system, so its segment's files
move in by rename). `index_files` reads a batch of files (`index.reading`)
and adds their articles, in file order, as one never-merged segment;
`merge_segments` copies the live documents of some of the index's segments
into one. Each returns a `Built`: the folder, the segment (None when it
holds no document) and, for files, what became of each. Spelling words
are counted per segment and posted once with their document count (see
`index.schema.PressText`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import whoosh.index

from pressearch.index.minhash import column_value
from pressearch.index.reading import FileResult, Job, read_job
from pressearch.index.schema import (
    PressText,
    build_schema,
    facet_field,
    join_values,
    text_hash,
)
from pressearch.index.store import WORK_PREFIX
from pressearch.index.whoosh_internals import (
    post_word_counts,
    segment_writer,
    unmapped_segment_reader,
    written_segment,
)
from pressearch.models import Article

# Whoosh's posting-pool budget per writer: room for a batch of files
# (`index.workers.BATCH_BYTES`); postings beyond it spill to disk.
LIMIT_MB = 64


def document_fields(article: Article, path: str, sig: str) -> dict[str, Any]:
    """The Whoosh fields of one article from file `path` with signature `sig`.

    Empty fields are left out. Public so that tests which build small indexes
    by hand index articles exactly as `build` does. The article's MinHash
    band keys are computed here, in the worker, for the near-duplicate
    update that follows the run (`index.near_duplicates`).
    """
    speakers = [s.name for s in article.speakers] + [q.speaker for q in article.quotes if q.speaker]
    doc: dict[str, Any] = {
        "id": article.id,
        "path": path,
        "filesig": sig,
        "url": article.url,
        "text_hash": text_hash(article.headline, article.body, (q.text for q in article.quotes)),
        "headline": article.headline,
        "body": article.body,
        "quotes": "\n".join(q.text for q in article.quotes),
        "speaker": "\n".join(dict.fromkeys(speakers)),
        "role": "\n".join(s.role for s in article.speakers if s.role),
        "date": dt.datetime.combine(article.date, dt.time()) if article.date else None,
        "record": json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":")),
        "band_keys": column_value(article),
    }
    for name, values in article.facets().items():
        doc[facet_field(name)] = join_values(values)
    return {name: value for name, value in doc.items() if value}


@dataclass(frozen=True)
class Built:
    """A segment a worker wrote in its own folder (None: no documents), and its files."""

    folder: str
    segment: Any
    files: tuple[FileResult, ...] = ()


def _private_writer(parent: str) -> tuple[str, Any]:
    """A writer of a new index in a hidden folder of `parent` (same file system)."""
    folder = tempfile.mkdtemp(prefix=WORK_PREFIX, dir=parent)
    ix = whoosh.index.create_in(folder, build_schema())
    return folder, segment_writer(ix, LIMIT_MB)


def _finish(folder: str, writer: Any, files: tuple[FileResult, ...] = ()) -> Built:
    if writer.doc_count() == 0:
        writer.cancel()
        return Built(folder, None, files)
    writer.commit(merge=False)
    return Built(folder, written_segment(writer), files)


def index_files(
    parent: str, jobs: Iterable[Job], on_file: Callable[[int], None] | None = None
) -> Built:
    """Read files and write their articles as one segment, in job order.

    `on_file(i)` is called after the i-th file (in-process runs report progress so).
    """
    folder, writer = _private_writer(parent)
    try:
        _count_spelling(writer)
        results: list[FileResult] = []
        for i, job in enumerate(jobs):
            articles, sig, result = read_job(job)
            for article in articles:
                writer.add_document(**document_fields(article, job.path, sig))
            results.append(result)
            if on_file is not None:
                on_file(i)
        _post_spelling(writer)
        return _finish(folder, writer, tuple(results))
    except BaseException:
        with contextlib.suppress(Exception):  # the error that got us here matters more
            writer.cancel()
        raise


def merge_segments(parent: str, segments: tuple[Any, ...]) -> Built:
    """Merge segments of the index in `parent` into one new segment, live documents only."""
    folder, writer = _private_writer(parent)
    # Read, not mapped: mapped pages of segments read count in this process's
    # memory, and they would grow with the index.
    for segment in segments:
        reader = unmapped_segment_reader(parent, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return _finish(folder, writer)


def _count_spelling(writer: Any) -> None:
    """Have the writer's spelling fields count their words (see `PressText`)."""
    for fieldtype in writer.schema:
        if isinstance(fieldtype, PressText) and fieldtype.separate_spelling():
            fieldtype.spelling_counts = Counter()


def _post_spelling(writer: Any) -> None:
    """Post each counted spelling word once, weighted by its document count.

    Into the writer's posting pool (as Whoosh's own per-document spelling
    postings go), on the segment's first document, as Whoosh does.
    """
    for name, fieldtype in writer.schema.items():
        counts = fieldtype.spelling_counts if isinstance(fieldtype, PressText) else None
        if counts is None:
            continue
        post_word_counts(writer, fieldtype.spelling_fieldname(name), counts)
        fieldtype.spelling_counts = None
