"""Open a pressearch index and read from it: one article, statistics, facet names.

Model: an index directory holds a Whoosh index (a `_MAIN_<generation>.toc`
naming the live segments) plus `pressearch.json`, `{"schema_version": N}`,
written by `writer`. Opening checks, in this order, that there is an index at
all, that it was written with this code's `SCHEMA_VERSION`, and that Whoosh
can open every segment, and turns each failure into one `PressearchError`
that says what to do next. Everything counted here is counted over live
(not deleted) documents, reading facet and date columns segment by segment.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import pickle
import stat
import struct
import warnings
import weakref
import zlib
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import whoosh.index
import whoosh.reading
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, Index

from pressearch.errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexNotFoundError,
    PressearchError,
    SchemaVersionError,
    UntrustedIndexError,
    UsageError,
)
from pressearch.index.schema import FACET_PREFIX, SCHEMA_VERSION, split_values
from pressearch.index.whoosh_internals import is_segment_file, is_whoosh_file, toc_generation
from pressearch.models import Article, IndexStats
from pressearch.vocabulary import BUILTIN_FACETS, STANDARD_FACETS

_T = TypeVar("_T")
METADATA_FILE = "pressearch.json"

# What Whoosh raises reading a table of contents or segment file that is
# missing, truncated or overwritten (each seen by damaging files of a real
# index at random): file errors, short reads, broken pickles and compressed
# blocks, bad UTF-8 and offsets, and its own format errors. Only calls that
# read the index are guarded by it. A TypeError, KeyError, AttributeError or
# AssertionError is not here: it is a bug (in pressearch, or a Whoosh that
# changed), and must surface as one rather than as "rebuild your index".
INDEX_DAMAGE = (
    OSError,
    EOFError,
    ValueError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
    whoosh.index.IndexError,
    whoosh.reading.CorruptIndexError,
    whoosh.reading.TermNotFound,
)

# Everything that means the index cannot be read as it is: damage, or a
# pickle no index holds.
UNREADABLE = (*INDEX_DAMAGE, UntrustedIndexError)

# Per segment reader: data read from it once, by key. A segment never changes
# once written (a commit that deletes documents comes with new reader
# objects), so the data stays valid for as long as the reader object lives.
_SEGMENT_DATA: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def segment_cached(leaf: Any, key: Hashable, build: Callable[[], _T]) -> _T:
    """`build()` for segment reader `leaf`, computed once per reader and `key`."""
    cache = _SEGMENT_DATA.setdefault(leaf, {})
    if key not in cache:
        cache[key] = build()
    result: _T = cache[key]
    return result


def has_index(index_dir: Path) -> bool:
    """True when `index_dir` holds a Whoosh table of contents (an index, maybe empty)."""
    try:
        return any(toc_generation(name) is not None for name in os.listdir(index_dir))
    except OSError:
        return False


# The largest `pressearch.json` read: it holds one small object.
MAX_METADATA_BYTES = 64 * 1024


def _read_metadata(index_dir: Path) -> dict[str, Any] | str:
    """The index's metadata object, or why none can be read.

    Only a regular file of at most `MAX_METADATA_BYTES` is read: a FIFO would
    block and a device never end.
    """
    path = index_dir / METADATA_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return f"has no readable {METADATA_FILE}"
    except OSError as exc:
        from pressearch.index.faults import ENVIRONMENT, storage_error

        if exc.errno in ENVIRONMENT:
            raise storage_error(index_dir, exc, writing=False) from exc
        return f"has no readable {METADATA_FILE} ({exc.strerror})"
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return f"has no readable {METADATA_FILE} (not a regular file)"
    with os.fdopen(fd, "rb") as f:
        raw = f.read(MAX_METADATA_BYTES + 1)
    if len(raw) > MAX_METADATA_BYTES:
        return f"has no readable {METADATA_FILE} (larger than pressearch writes)"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return f"has no readable {METADATA_FILE} (not the JSON pressearch writes)"
    return data if isinstance(data, dict) else {}


def _recorded_version(index_dir: Path) -> int | str:
    """The schema version recorded in the index's metadata, or why none can be read."""
    data = _read_metadata(index_dir)
    if isinstance(data, str):
        return data
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return f"has no readable {METADATA_FILE} (no schema version in it)"
    return version


def recorded_roots(index_dir: Path) -> tuple[str, ...] | None:
    """The roots (absolute paths) the index covers, as its runs recorded them.

    Empty for a new index or none; None when the metadata records no roots
    (an index written before they were recorded, or damaged metadata).
    """
    if not has_index(index_dir):
        return ()
    data = _read_metadata(index_dir)
    roots = data.get("roots") if isinstance(data, dict) else None
    if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
        return None
    return tuple(roots)


def check_schema_version(index_dir: Path) -> None:
    """Raise SchemaVersionError unless the index was written with `SCHEMA_VERSION`."""
    version = _recorded_version(index_dir)
    if version == SCHEMA_VERSION:
        return
    if isinstance(version, str):
        found = version
    else:
        found = f"was built with schema version {version}, this pressearch uses {SCHEMA_VERSION}"
    # A rebuild with no path re-reads the roots the index recorded; older
    # indexes recorded none, so the user must name them.
    paths = "" if recorded_roots(index_dir) else " PATH..., naming the folders it covered"
    raise SchemaVersionError(
        f"the index at {index_dir} {found} — run `pressearch index --rebuild{paths}`"
    )


def check_index(index_dir: Path) -> None:
    """Raise unless `index_dir` holds our index: UsageError for a folder of other
    files (`refuse_foreign`), IndexNotFoundError when it holds none,
    IndexCorruptError when its table of contents is gone, SchemaVersionError."""
    if not has_index(index_dir):
        if lost_toc(index_dir):
            raise IndexCorruptError(
                f"the index at {index_dir} is damaged (its table of contents is missing)"
                " — run `pressearch index --rebuild`"
            )
        refuse_foreign(index_dir)
        raise IndexNotFoundError(f"no index at {index_dir} — run `pressearch index` first")
    check_schema_version(index_dir)


def refuse_foreign(index_dir: Path) -> None:
    """UsageError when `index_dir` is a folder of other files and no index.

    Checked before anything else a command does with the index, so that a
    mistyped `--index` is named as such, and never written into.
    """
    if has_index(index_dir) or lost_toc(index_dir):
        return
    try:
        names = os.listdir(index_dir)
    except OSError:
        return  # missing, or not a folder: said by whoever uses it
    if any(not _index_file(name) for name in names):
        raise UsageError(
            f"{index_dir} is not a pressearch index (it holds other files):"
            " give an empty or new folder to --index"
        )


def _index_file(name: str) -> bool:
    """Whether `name` is one an index folder holds (its metadata, work folders, Whoosh's)."""
    return name == METADATA_FILE or name.startswith(".") or is_whoosh_file(name)


def lost_toc(index_dir: Path) -> bool:
    """Whether `index_dir` holds segments but no table of contents to list them."""
    try:
        names = os.listdir(index_dir)
    except OSError:
        return False
    return any(map(is_segment_file, names)) and not any(
        toc_generation(name) is not None for name in names
    )


def open_index(index_dir: Path) -> Index:
    """Open the index at `index_dir`, checked: present, right version, readable.

    Raises IndexNotFoundError, SchemaVersionError, IndexCorruptError,
    UntrustedIndexError or IndexStorageError (see `read_error`); never a raw
    Whoosh or OS error. Every segment is opened here, so a missing or
    truncated file is reported now rather than halfway through a search; the
    reader opened for that check is the one the first `reader()` or
    `searcher()` call gets, so the check costs nothing extra.
    """
    check_index(index_dir)
    try:
        return retry_racing_commits(index_dir, lambda: _CheckedIndex(FileStorage(str(index_dir))))
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc


# Opening attempts when commits keep replacing the files being opened.
_OPEN_ATTEMPTS = 10


def retry_racing_commits(index_dir: Path, open_: Callable[[], _T]) -> _T:
    """`open_()`, tried again when a concurrent commit deleted the files it was opening.

    A commit deletes the table of contents and the segments it replaced, so
    an open that read the old table of contents can miss a file: gone while
    the generation moved on, that is a race; gone with no new commit, damage
    (the FileNotFoundError is raised).
    """
    attempts = _OPEN_ATTEMPTS
    while True:
        generation = latest_generation(index_dir)
        try:
            return open_()
        except FileNotFoundError as exc:
            attempts -= 1
            if not attempts or latest_generation(index_dir) == generation:
                raise
            close_leftovers(exc)


def latest_generation(index_dir: Path) -> int:
    """The generation of the newest table of contents (-1 when there is none)."""
    try:
        names = os.listdir(index_dir)
    except OSError:
        return -1
    found = (toc_generation(name) for name in names)
    return max((generation for generation in found if generation is not None), default=-1)


class _CheckedIndex(FileIndex):  # type: ignore[misc]
    """A Whoosh FileIndex that opens its first reader up front (see `open_index`)."""

    def __init__(self, storage: Any) -> None:
        super().__init__(storage)
        self._checked: Any = super().reader()

    def reader(self, reuse: Any = None) -> Any:
        checked, self._checked = self._checked, None
        if checked is not None:
            if reuse is None and checked.generation() in (None, self.latest_generation()):
                return checked
            checked.close()  # a commit happened since: read the new state
        return super().reader(reuse=reuse)

    def close(self) -> None:
        if self._checked is not None:
            self._checked.close()
            self._checked = None


def read_error(index_dir: Path, exc: BaseException) -> PressearchError:
    """The error for an index that cannot be read: damage (rebuild it), a pickle
    no index holds (`untrusted_error`), or the file system refusing (permissions
    and the like: `index.faults`)."""
    close_leftovers(exc)
    if isinstance(exc, UntrustedIndexError):
        return untrusted_error(index_dir, exc)
    # Only on failure: `faults` imports the file walk and the reader table.
    from pressearch.index.faults import ENVIRONMENT, storage_error

    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT:
        return storage_error(index_dir, exc, writing=False)
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return IndexCorruptError(
        f"the index at {index_dir} is damaged ({reason}) — run `pressearch index --rebuild`"
    )


def untrusted_error(index_dir: Path, exc: UntrustedIndexError) -> UntrustedIndexError:
    """The error for an index holding a pickle no index holds, naming the index."""
    close_leftovers(exc)
    if str(exc).startswith("the index at "):  # named already, by the read that found it
        return exc
    return UntrustedIndexError(
        f"the index at {index_dir} was refused: {exc} — if you did not put it there,"
        " run `pressearch index --rebuild` to build it anew from your articles"
    )


def close_leftovers(exc: BaseException) -> None:
    """Close the files Whoosh left open when it failed to read a damaged index.

    They hang from the traceback; dropping it now, quietly, beats a warning
    about an unclosed file at some later garbage collection.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        exc.__traceback__ = None
        gc.collect()


def article_keys(key: str) -> list[tuple[str, str]]:
    """The (field, value) lookups that find the article a user means by `key`.

    In order: the id; the source URL as given and with or without its
    trailing slash; the file path, relative to the current directory, as
    given and through any symlink.
    """
    lookups = [("id", key), ("url", key)]
    if "://" in key:
        lookups.append(("url", key[:-1] if key.endswith("/") else key + "/"))
    given = os.path.abspath(os.path.expanduser(key))
    lookups.append(("path", given))
    real = os.path.realpath(given)
    if real != given:
        lookups.append(("path", real))
    return lookups


def find_docnum(searcher: Any, key: str) -> int | None:
    """The document number of the article `key` names (see `article_keys`), or None.

    When one file holds several articles (JSON Lines), a path finds the first.
    """
    for field, value in article_keys(key):
        docnum = searcher.document_number(**{field: value})
        if docnum is not None:
            return int(docnum)
    return None


def not_found(key: str, index_dir: Path) -> ArticleNotFoundError:
    """The error for a reference that names no article in the index."""
    return ArticleNotFoundError(
        f"no article with id, URL or path {key!r} in the index at {index_dir}"
        " — check it with `pressearch query` or `pressearch stats`"
    )


def stored_article(searcher: Any, docnum: int) -> Article:
    """The `Article` stored with document `docnum`."""
    return Article.from_dict(json.loads(searcher.stored_fields(docnum)["record"]))


def get_article(index_dir: Path, key: str) -> Article:
    """The article whose id, source URL or file path is `key` (see `article_keys`)."""
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            docnum = find_docnum(searcher, key)
            if docnum is not None:
                return stored_article(searcher, docnum)
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    raise not_found(key, index_dir)


def facet_names(reader: Any) -> list[str]:
    """Facet names with at least one live document, in display order.

    Standard taxonomy facets first (target_group, crime_area, entity,
    organisation), then other taxonomy facets alphabetically, then year,
    month, type, source.
    """
    present = {
        name[len(FACET_PREFIX) :]
        for name in reader.indexed_field_names()
        if name.startswith(FACET_PREFIX) and _has_live_postings(reader, name)
    }
    first = [name for name in STANDARD_FACETS if name in present]
    last = [name for name in BUILTIN_FACETS if name in present]
    middle = sorted(present - set(first) - set(last))
    return first + middle + last


def _has_live_postings(reader: Any, fieldname: str) -> bool:
    # Deleted documents keep their terms until segments merge: a facet whose
    # articles are all gone must not be listed.
    return any(reader.postings(fieldname, term).is_active() for term in reader.lexicon(fieldname))


def stats(index_dir: Path) -> IndexStats:
    """Document count, date range, facet value counts, location and size of an index."""
    ix = open_index(index_dir)
    try:
        with ix.reader() as reader:
            documents = reader.doc_count()
            date_min, date_max = _date_range(reader)
            facets: dict[str, dict[str, int]] = {}
            for name in facet_names(reader):
                counts: Counter[str] = Counter()
                for joined in _live_column_values(reader, FACET_PREFIX + name):
                    counts.update(set(split_values(joined)))
                ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                facets[name] = dict(ordered)
    except UNREADABLE as exc:
        raise read_error(index_dir, exc) from exc
    return IndexStats(
        documents=documents,
        date_min=date_min,
        date_max=date_max,
        facets=facets,
        index_path=str(index_dir),
        index_bytes=_tree_bytes(index_dir),
    )


def _live_column_values(reader: Any, fieldname: str) -> Iterator[Any]:
    """Raw column values of `fieldname` for every live document that has one.

    Walks the segments one by one: Whoosh's multi-segment column reader
    misnumbers documents when a segment lacks the column (a facet absent
    from a whole segment). Documents without a value are skipped.
    """
    for leaf, _base in reader.leaf_readers():
        if not leaf.has_column(fieldname):
            continue
        column_type = leaf.schema[fieldname].column_type
        missing = column_type.default_value()
        column = leaf.column_reader(fieldname, translate=False)
        deleted = leaf.has_deletions()
        for docnum, value in enumerate(column):
            if value != missing and not (deleted and leaf.is_deleted(docnum)):
                yield value


def _date_range(reader: Any) -> tuple[dt.date | None, dt.date | None]:
    values = list(_live_column_values(reader, "date"))
    if not values:
        return None, None
    field = reader.schema["date"]
    return (
        field.from_column_value(min(values)).date(),
        field.from_column_value(max(values)).date(),
    )


def _tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue  # removed by a concurrent commit while we walked
    return total
