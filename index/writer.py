"""Build and update an index: walk, detect changes, index in parallel, commit atomically.

Model: one Whoosh document per article, carrying the absolute `path` of its
file and the file's signature `filesig` = "mtime_ns:size". A run

1. walks the given paths (sorted; hidden names skipped; symlinked folders
   followed once, so loops end) and stats every supported file;
2. takes Whoosh's write lock (an flock the kernel drops when its holder dies,
   so a lock left by a killed run never blocks the next one) for the whole
   run, and reads every live document's path, signature and id from the
   columns;
3. leaves unchanged files alone (stat only), indexes new and changed files,
   replaces their articles, and removes the articles of files gone from a
   walked folder; articles of other roots are never touched;
4. commits. Whoosh writes new segment files and then renames a new table of
   contents into place, so readers see the old state or the new one, and an
   interrupted run (exception, Ctrl-C, SIGKILL) leaves the last commit.

Files to index are cut into batches of consecutive files (at least
`BATCH_BYTES`, at most `MAX_BATCHES` per run). Each batch is parsed, analysed
and written as one new segment by a worker process (in this process for
small runs), in a private Whoosh index in a hidden folder inside the index
folder. This process takes the batches in order: it resolves duplicate ids
against the index (deleting the losers, old or new), moves the segment's
files in and commits a table of contents that adds it (a Whoosh merge policy
that returns the old segments plus the new one). So a run commits once per
batch, each commit is a consistent state (each file's articles all old or
all new, every file of the batches before it done), memory is bounded by
the batch size and the number of workers (postings beyond `LIMIT_MB` spill
to disk), and a large import interrupted near its end keeps most of its work
(each document carries its file's signature, so the next run resumes where
the last commit stopped). When the index holds more than `MAX_SEGMENTS`
segments, a worker merges the smallest ones into one (reading them, not
mapping them, so no process maps the whole index) and this process commits
the merged segment in their place, unless documents were deleted from them
meanwhile.

A rebuild holds the index's lock throughout and builds a new index the same
way in a hidden folder inside the index folder; then it moves the new
segment files in beside the old ones and commits a table of contents that
lists only the new segments (a Whoosh merge policy that returns them), so
readers switch from the old index to the new one in one rename, and an
interrupted rebuild leaves the old index whole and searchable (its leftover
folder is removed by the next run). It needs neither a readable old index
nor the old schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from pressearch.errors import ArticleParseError, IndexLockedError, PressearchError, UsageError
from pressearch.index.ingest import SUPPORTED_SUFFIXES, read_file
from pressearch.index.reader import (
    INDEX_DAMAGE,
    METADATA_FILE,
    check_index,
    close_leftovers,
    corrupt_error,
    has_index,
    retry_racing_commits,
)
from pressearch.index.schema import (
    SCHEMA_VERSION,
    PressText,
    build_schema,
    facet_field,
    join_values,
)
from pressearch.index.whoosh_internals import (
    WRITELOCK,
    delete_in_segment,
    is_whoosh_file,
    move_segment,
    post_word_counts,
    remove_new_segment_files,
    segment_deleted,
    segment_name,
    segment_of,
    segment_size,
    unlocked_writer,
    unmapped_segment_reader,
    writer_segments,
    written_segment,
)
from pressearch.locations import default_index_dir, sample_archive_dir
from pressearch.models import Article, Failure, IndexReport, Progress

__all__ = [
    "build",
    "default_index_dir",
    "sample_archive_dir",
]

# Bytes of files per batch, at least: a worker parses, analyses and writes
# each batch as one segment, which is committed as soon as it is done.
# Whoosh's posting pool takes 25-35 bytes per character of press text, so
# this is about 100 MB of postings per worker.
BATCH_BYTES = 3_000_000
# Batches per run, at most: a larger run gets larger batches (their postings
# spill to disk beyond LIMIT_MB), so that a full build makes a few segments
# and needs no merging (merging costs about as much as indexing again).
MAX_BATCHES = 12
# Whoosh's posting-pool budget per writer: room for a batch of BATCH_BYTES.
LIMIT_MB = 96
# Segments an index keeps, at most: queries visit every segment. Beyond
# this, a worker merges the smallest ones (runs that change a few files each
# add small segments, cheap to merge).
MAX_SEGMENTS = 16
# Fewer files or bytes than this to index are indexed in-process: a pool needs
# many files to spread, and starting workers costs about 0.1 s while parsing
# a 5 KB article takes 0.3 ms (measured: the 68 sample articles index 30%
# slower through a pool, 2,000 generated ones 5% faster).
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 4_000_000
# Tasks in flight per worker: enough to keep workers busy, few enough that
# memory does not grow with the corpus.
TASKS_PER_WORKER = 2
# Workers do all the parsing and indexing; each holds a batch's postings.
MAX_WORKERS = 4
# Seconds between progress reports while workers index a batch.
_PROGRESS_EVERY = 0.2
# Folders (inside the index folder) where a rebuild builds the new index and
# where workers write segments.
_REBUILD_PREFIX = ".rebuild-"
_WORK_PREFIX = ".segment-"


def build(
    paths: Sequence[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: float = 10.0,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index the articles under `paths` into `index_dir`, incrementally.

    `paths` are files or folders (walked recursively). The index is created
    when missing; `rebuild=True` replaces it with one built from `paths` alone.
    Waits up to `wait` seconds for another run's lock (IndexLockedError).
    Raises UsageError for a missing path before touching the index,
    SchemaVersionError / IndexCorruptError when the index must be rebuilt.
    Files that fail are reported in the result, never raised.
    """
    started = time.perf_counter()
    roots = _resolve_roots(paths)
    index_dir = Path(os.path.abspath(index_dir))
    walk = _walk(roots)
    _prepare_index_dir(index_dir)
    ix = _open_for_writing(index_dir, rebuild=rebuild, wait=wait)
    if rebuild:
        run = _rebuild(ix, index_dir, wait, walk, roots, progress)
    else:
        run = _Run(ix, index_dir, wait, walk, roots, progress, main=True)
        run.execute_and_commit()
    return run.report(time.perf_counter() - started, index_dir)


def _rebuild(
    ix: Any,
    index_dir: Path,
    wait: float,
    walk: _Walk,
    roots: list[_Root],
    progress: Callable[[Progress], None] | None,
) -> _Run:
    """Build a new index beside the old one, then switch to it in one commit."""
    try:
        main = ix.writer(timeout=wait)
    except whoosh.index.LockError:
        raise _locked(index_dir, wait) from None
    try:
        _remove_work_folders(index_dir)
        folder = Path(tempfile.mkdtemp(prefix=_REBUILD_PREFIX, dir=index_dir))
        try:
            new = whoosh.index.create_in(str(folder), build_schema())
            run = _Run(new, index_dir, wait, walk, roots, progress, main=False)
            run.execute_and_commit()
            with new.reader() as reader:
                segments = [segment_of(leaf) for leaf, _ in reader.leaf_readers()]
            segments = [segment for segment in segments if segment is not None]
            for segment in segments:
                move_segment(segment, folder, str(index_dir))
            # The merge policy decides which segments the new table of
            # contents lists: exactly the new ones. Whoosh then deletes the
            # files of the old ones.
            main.commit(mergetype=lambda _writer, _old: segments)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        with contextlib.suppress(Exception):  # the error that got us here matters more
            if not main.is_closed:
                main.cancel()
        raise
    _write_metadata(index_dir)
    return run


# -- walking ------------------------------------------------------------------


@dataclass(frozen=True)
class _Root:
    path: str  # absolute, symlinks kept: it is the prefix of its files' paths
    is_dir: bool


@dataclass(frozen=True)
class _File:
    path: str
    root: str  # folder the article id's relative path starts from
    sig: str
    size: int


@dataclass
class _Walk:
    files: list[_File] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Paths whose articles must stay although the walk did not list them:
    # files that could not be stat'ed and folders that could not be listed.
    keep: list[str] = field(default_factory=list)
    files_seen: int = 0


def _resolve_roots(paths: Sequence[Path]) -> list[_Root]:
    roots: list[_Root] = []
    for given in paths:
        path = os.path.abspath(os.path.expanduser(given))
        if os.path.isdir(path):
            roots.append(_Root(path, True))
        elif os.path.isfile(path):
            if not _supported(path):
                raise UsageError(
                    f"{given}: not an article file (use {', '.join(SUPPORTED_SUFFIXES)})"
                )
            roots.append(_Root(path, False))
        else:
            raise UsageError(f"{given}: no such file or directory")
    return roots


def _supported(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES


def _signature(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}:{st.st_size}"


def _walk(roots: list[_Root]) -> _Walk:
    walk = _Walk()
    seen: set[str] = set()
    visited: set[tuple[int, int]] = set()

    def add(path: str, root: str) -> None:
        if path in seen:
            return  # reached through two overlapping roots: the first wins
        seen.add(path)
        walk.files_seen += 1
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                walk.failures.append(Failure(path, "broken symbolic link"))
                walk.keep.append(path)
            return  # deleted while we walked: it is gone
        except OSError as exc:
            walk.failures.append(Failure(path, f"cannot read: {exc.strerror}"))
            walk.keep.append(path)
            return
        if not stat.S_ISREG(st.st_mode):
            walk.failures.append(Failure(path, "not a regular file"))
            return
        walk.files.append(_File(path, root, _signature(st), st.st_size))

    for root in roots:
        if not root.is_dir:
            add(root.path, os.path.dirname(root.path))
            continue
        stack = [root.path]
        while stack:
            folder = stack.pop()
            try:
                st = os.stat(folder)
                if (st.st_dev, st.st_ino) in visited:
                    continue  # a symlink loop, or a folder reached twice
                visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    entries = list(it)
            except FileNotFoundError:
                continue  # vanished while we walked: its articles are gone
            except OSError as exc:
                walk.failures.append(Failure(folder, f"cannot list folder: {exc.strerror}"))
                walk.keep.append(folder + os.sep)
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                path = os.path.join(folder, entry.name)
                try:
                    is_dir = entry.is_dir()  # follows symlinks; loops end at `visited`
                except OSError:
                    is_dir = False
                if is_dir:
                    stack.append(path)
                elif _supported(entry.name):
                    add(path, root.path)
    walk.files.sort(key=lambda f: f.path)
    return walk


# -- opening ------------------------------------------------------------------


def _prepare_index_dir(index_dir: Path) -> None:
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir} is not a folder — pass another --index")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the index folder {index_dir}: {exc.strerror} — pass another --index"
        ) from exc
    if has_index(index_dir):
        return
    # Never fill a folder of someone else's files with index files.
    foreign = [name for name in os.listdir(index_dir) if not _index_file(name)]
    if foreign:
        raise UsageError(
            f"{index_dir} is not empty and holds no pressearch index"
            " — pass a new or empty folder with --index"
        )


def _index_file(name: str) -> bool:
    return name == METADATA_FILE or name.startswith(".") or is_whoosh_file(name)


def _open_for_writing(index_dir: Path, *, rebuild: bool, wait: float) -> Any:
    if not has_index(index_dir):
        _create(index_dir, wait, replace=False)
    if not rebuild:
        check_index(index_dir)
        try:
            return retry_racing_commits(index_dir, partial(whoosh.index.open_dir, str(index_dir)))
        except INDEX_DAMAGE as exc:
            raise corrupt_error(index_dir, exc) from exc
    try:
        # Our schema, not the one pickled in the old table of contents: a
        # rebuild must work across schema versions.
        schema = build_schema()
        return retry_racing_commits(
            index_dir, partial(whoosh.index.open_dir, str(index_dir), schema=schema)
        )
    except INDEX_DAMAGE as exc:
        # The old table of contents is unreadable, so there is nothing left
        # to protect: start a new one.
        close_leftovers(exc)
        _create(index_dir, wait, replace=True)
        return whoosh.index.open_dir(str(index_dir), schema=build_schema())


def _create(index_dir: Path, wait: float, *, replace: bool) -> None:
    # Under the write lock, so that two first runs cannot both create (the
    # second would wipe the first one's table of contents).
    lock = FileStorage(str(index_dir)).lock(WRITELOCK)
    if not _acquire(lock, wait):
        raise _locked(index_dir, wait)
    try:
        if replace or not has_index(index_dir):
            _write_metadata(index_dir)
            whoosh.index.create_in(str(index_dir), build_schema())
    finally:
        lock.release()


def _acquire(lock: Any, wait: float) -> bool:
    """Take `lock`, trying every 0.1 s for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while not lock.acquire():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _write_metadata(index_dir: Path) -> None:
    temp = index_dir / f".{METADATA_FILE}.tmp"
    temp.write_text(json.dumps({"schema_version": SCHEMA_VERSION}) + "\n", encoding="utf-8")
    os.replace(temp, index_dir / METADATA_FILE)


def _locked(index_dir: Path, wait: float) -> IndexLockedError:
    return IndexLockedError(
        f"another `pressearch index` is writing to {index_dir}; waited {wait:g} s"
        " — try again later or pass --wait"
    )


# -- the run ------------------------------------------------------------------


@dataclass
class _Indexed:
    """The live documents of one file in the index."""

    sig: str
    docs: list[tuple[int, str]]  # (document number, article id)


class _Run:
    """One indexing run: the lock, the writer, what the index held, and the tallies.

    Holds the index's lock from start to end (its writers take none), so no
    other run can commit between two of its commits.
    """

    def __init__(
        self,
        ix: Any,
        index_dir: Path,
        wait: float,
        walk: _Walk,
        roots: list[_Root],
        progress: Callable[[Progress], None] | None,
        *,
        main: bool,
    ) -> None:
        self.ix = ix
        self.index_dir = index_dir
        self.folder = Path(ix.storage.folder)  # where the index being written lives
        self.wait = wait
        self.walk = walk
        self.roots = roots
        self.progress = progress
        self.main = main  # writing the index itself, not a rebuild's new one
        self.writer: Any = None
        self.by_path: dict[str, _Indexed] = {}
        self.by_id: dict[str, tuple[str, int]] = {}
        self.old_ids: set[str] = set()
        self.deleted: set[int] = set()
        self.removed_ids: set[str] = set()
        self.added_ids: dict[str, str] = {}  # id -> path it was indexed from
        self.unchanged_paths: set[str] = set()
        self.unchanged = 0
        self.failures: list[Failure] = list(walk.failures)
        self.warnings: list[Failure] = []
        self.done = 0
        self.merging: set[str] = set()  # ids of segments a worker is merging
        self.uncommitted = False  # the writer holds deletions

    # The writer and its view of the index

    def _open_writer(self, *, read: bool = True) -> None:
        """Open a writer (the run holds the lock); `read`: learn the live documents anew."""
        self.writer = unlocked_writer(self.ix)
        if not read:
            return
        self.deleted = set()
        try:
            with self.writer.reader() as reader:
                self.by_path, self.by_id = _read_indexed(reader)
        except INDEX_DAMAGE as exc:
            raise corrupt_error(self.index_dir, exc) from exc

    def execute_and_commit(self) -> None:
        lock = self.ix.lock("WRITELOCK")
        if not _acquire(lock, self.wait):
            raise _locked(self.index_dir, self.wait)
        try:
            self._execute()
            if self.uncommitted:
                self._commit()
            else:
                self._discard_writer()
        except BaseException:
            if self.writer is not None:
                with contextlib.suppress(Exception):  # the error that got us here matters more
                    self.writer.cancel()
            raise
        finally:
            _remove_work_folders(self.folder)
            lock.release()

    def _commit(self, add: Any = None, drop: frozenset[str] = frozenset()) -> None:
        """Commit the writer's deletions, adding segment `add` and leaving out those in `drop`."""

        def segments(_writer: Any, current: list[Any]) -> list[Any]:
            kept = [s for s in current if segment_name(s) not in drop]
            return [*kept, add] if add is not None else kept

        self.writer.commit(mergetype=segments)
        self.writer = None
        self.uncommitted = False

    def _discard_writer(self) -> None:
        """Cancel a writer that holds no change, and remove the files it opened."""
        self.writer.cancel()
        remove_new_segment_files(self.writer, self.folder)
        self.writer = None

    def _adopt(self, built: _Built, drop: frozenset[str] = frozenset()) -> None:
        """Move a segment built by a worker into the index and commit it.

        The segment goes last, so documents keep their numbers unless
        segments are dropped (merged): then the next writer reads the
        committed state afresh.
        """
        segment = built.segment
        if segment is not None:
            move_segment(segment, built.folder, str(self.folder))
        shutil.rmtree(built.folder, ignore_errors=True)
        self._commit(segment, drop)
        self._open_writer(read=bool(drop))

    # Planning and doing

    def _execute(self) -> None:
        self._open_writer()
        if self.main:
            _remove_work_folders(self.index_dir)
        self.old_ids = set(self.by_id)
        total = len(self.walk.files)
        to_parse = self._plan(total)
        with _Workers(to_parse, str(self.folder), lambda f: self._step(total, f.path)) as workers:
            del to_parse  # the workers hold the batches left; memory goes as they are done
            for task, result in workers.results():
                if isinstance(task, _Merge):
                    self._merged(task, result)
                else:
                    self._apply_batch(task, result)
                self._plan_merge(workers)

    def _plan(self, total: int) -> list[_File]:
        """Files to index, in the order to index them; deletes the articles of gone files."""
        files, self.walk.files = self.walk.files, []
        walked = {f.path for f in files}
        to_parse: list[_File] = []
        for f in files:
            entry = self.by_path.get(f.path)
            if entry is not None and entry.sig == f.sig:
                self.unchanged_paths.add(f.path)
                self.unchanged += len(entry.docs)
                self._step(total, f.path)
            else:
                to_parse.append(f)
        for path in sorted(self.by_path):
            if path not in walked and self._gone(path):
                self._delete_file(path)
        # Last path first: the first article seen with an id is the one kept,
        # so of two files with the same id the later in path order wins.
        to_parse.reverse()
        return to_parse

    def _step(self, total: int, path: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(Progress(self.done, total, path))

    def _gone(self, path: str) -> bool:
        """Whether an indexed file missing from the walk is gone from a walked root."""
        for kept in self.walk.keep:
            if path == kept or (kept.endswith(os.sep) and path.startswith(kept)):
                return False
        for root in self.roots:
            if root.is_dir and path.startswith(root.path.rstrip(os.sep) + os.sep):
                return True
        return False

    def _delete_file(self, path: str) -> None:
        entry = self.by_path.pop(path, None)
        if entry is None:
            return
        for docnum, ident in entry.docs:
            self._delete_doc(docnum, ident)

    def _delete_doc(self, docnum: int, ident: str) -> None:
        if docnum in self.deleted:
            return
        self.writer.delete_document(docnum)
        self.deleted.add(docnum)
        self.uncommitted = True
        if ident in self.old_ids:
            self.removed_ids.add(ident)

    def _apply_batch(self, files: list[_File], built: _Built) -> None:
        """Take a worker's segment of `files`: resolve ids against the index, commit."""
        docnum = 0  # in the new segment, which holds the files' indexed articles in order
        for f, result in zip(files, built.files, strict=True):
            for reason in result.errors:
                self.failures.append(Failure(f.path, reason))
            for warning in result.warnings:
                self.warnings.append(Failure(f.path, warning))
            if result.errors and not result.ids:
                continue  # a failed file keeps its previous articles
            self._delete_file(f.path)
            # `by_path` and `by_id` need not learn the new documents: this run
            # never looks up a path twice, and `added_ids` answers for its ids.
            for ident in result.ids:
                if self._wins(ident, f.path):
                    self.added_ids[ident] = f.path
                else:
                    delete_in_segment(built.segment, docnum)
                docnum += 1
        self._adopt(built)

    def _wins(self, ident: str, path: str) -> bool:
        """Whether article `ident` from `path` is kept; resolves a duplicate id if not new."""
        if ident in self.added_ids:
            other = self.added_ids[ident]
            self.warnings.append(_duplicate(ident, kept=other, dropped=path))
            return False
        old = self.by_id.get(ident)
        if old is None or old[1] in self.deleted:
            return True
        other, docnum = old
        if other > path:
            self.warnings.append(_duplicate(ident, kept=other, dropped=path))
            return False
        self.warnings.append(_duplicate(ident, kept=path, dropped=other))
        self._delete_doc(docnum, ident)
        if other in self.unchanged_paths:
            self.unchanged -= 1
        return True

    # Merging

    def _plan_merge(self, workers: _Workers) -> None:
        """Have a worker merge the smallest segments if there are too many."""
        free = sorted(
            (s for s in writer_segments(self.writer) if segment_name(s) not in self.merging),
            key=segment_size,
        )
        excess = len(free) - MAX_SEGMENTS
        if excess > 0:
            segments = tuple(free[: excess + 1])
            self.merging.update(segment_name(s) for s in segments)
            workers.merge(_Merge(segments, tuple(segment_deleted(s) for s in segments)))

    def _merged(self, task: _Merge, built: _Built) -> None:
        ids = [segment_name(s) for s in task.segments]
        self.merging.difference_update(ids)
        current = {segment_name(s): segment_deleted(s) for s in writer_segments(self.writer)}
        if [current.get(i) for i in ids] != list(task.deleted):
            # Documents were deleted from the segments meanwhile: the merged
            # segment would bring them back.
            shutil.rmtree(built.folder, ignore_errors=True)
            return
        self._adopt(built, frozenset(ids))

    def report(self, seconds: float, index_dir: Path) -> IndexReport:
        indexed = self.added_ids.keys()
        updated = sum(1 for ident in indexed if ident in self.old_ids)
        return IndexReport(
            added=len(indexed) - updated,
            updated=updated,
            removed=len(self.removed_ids - indexed),
            unchanged=self.unchanged,
            failed=tuple(sorted(self.failures, key=lambda x: x.path)),
            warnings=tuple(sorted(self.warnings, key=lambda x: x.path)),
            files_seen=self.walk.files_seen,
            seconds=seconds,
            index_dir=str(index_dir),
        )


def _duplicate(ident: str, *, kept: str, dropped: str) -> Failure:
    return Failure(dropped, f"duplicate id {ident}, also in {kept}, which is kept")


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


def _read_indexed(reader: Any) -> tuple[dict[str, _Indexed], dict[str, tuple[str, int]]]:
    """Path -> live documents, and id -> (path, document number), from the columns."""
    by_path: dict[str, _Indexed] = {}
    by_id: dict[str, tuple[str, int]] = {}
    for leaf, base in reader.leaf_readers():
        if not leaf.has_column("path"):
            continue
        columns = zip(
            leaf.column_reader("path", translate=False),
            leaf.column_reader("filesig", translate=False),
            leaf.column_reader("id", translate=False),
            strict=True,
        )
        deleted = leaf.has_deletions()
        for docnum, (raw_path, raw_sig, raw_id) in enumerate(columns):
            if deleted and leaf.is_deleted(docnum):
                continue
            path, ident = raw_path.decode("utf-8"), raw_id.decode("utf-8")
            entry = by_path.get(path)
            if entry is None:
                entry = by_path[path] = _Indexed(raw_sig.decode("utf-8"), [])
            entry.docs.append((base + docnum, ident))
            by_id[ident] = (path, base + docnum)
    return by_path, by_id


def document_fields(article: Article, path: str, sig: str) -> dict[str, Any]:
    """The Whoosh fields of one article from file `path` with signature `sig`.

    Empty fields are left out. Public so that tests which build small indexes
    by hand index articles exactly as `build` does.
    """
    speakers = [s.name for s in article.speakers] + [q.speaker for q in article.quotes if q.speaker]
    doc: dict[str, Any] = {
        "id": article.id,
        "path": path,
        "filesig": sig,
        "url": article.url,
        "headline": article.headline,
        "body": article.body,
        "quotes": "\n".join(q.text for q in article.quotes),
        "speaker": "\n".join(dict.fromkeys(speakers)),
        "role": "\n".join(s.role for s in article.speakers if s.role),
        "date": dt.datetime.combine(article.date, dt.time()) if article.date else None,
        "record": json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":")),
    }
    for name, values in article.facets().items():
        doc[facet_field(name)] = join_values(values)
    return {name: value for name, value in doc.items() if value}


# -- building segments ----------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """A parse result that pickles (exceptions with custom arguments do not)."""

    articles: tuple[Article, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _FileResult:
    """What a worker made of one file: reasons it failed, warnings, ids indexed in order."""

    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    ids: tuple[str, ...]


@dataclass(frozen=True)
class _Built:
    """A segment a worker wrote in its own folder (None: no documents), and its files."""

    folder: str
    segment: Any
    files: tuple[_FileResult, ...] = ()


@dataclass(frozen=True)
class _Merge:
    """Segments of the index to merge into one, with their deleted counts when planned."""

    segments: tuple[Any, ...]
    deleted: tuple[int, ...]


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


def _private_writer(parent: str) -> tuple[str, Any]:
    """A writer of a new index in a hidden folder of `parent` (same file system)."""
    folder = tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=parent)
    ix = whoosh.index.create_in(folder, build_schema())
    return folder, ix.writer(limitmb=LIMIT_MB)


def _finish(folder: str, writer: Any, files: tuple[_FileResult, ...] = ()) -> _Built:
    if writer.doc_count() == 0:
        writer.cancel()
        return _Built(folder, None, files)
    writer.commit(merge=False)
    return _Built(folder, written_segment(writer), files)


def _index_files(
    parent: str, jobs: list[tuple[str, str, str]], on_file: Callable[[int], None] | None = None
) -> _Built:
    """Parse files (path, root, signature) and write their articles as one segment.

    `on_file(i)` is called after the i-th file (in-process runs report progress so).
    """
    folder, writer = _private_writer(parent)
    try:
        _count_spelling(writer)
        results: list[_FileResult] = []
        for i, (path, root, sig) in enumerate(jobs):
            parsed = _parse_one(path, root)
            warnings = list(parsed.warnings)
            keep: dict[str, Article] = {}
            for article in reversed(parsed.articles):  # within a file, the last line wins
                if article.id in keep:
                    warnings.append(f"duplicate id {article.id}: a later line wins")
                else:
                    keep[article.id] = article
            for article in reversed(keep.values()):
                writer.add_document(**document_fields(article, path, sig))
            results.append(_FileResult(parsed.errors, tuple(warnings), tuple(reversed(keep))))
            if on_file is not None:
                on_file(i)
        _post_spelling(writer)
        return _finish(folder, writer, tuple(results))
    except BaseException:
        with contextlib.suppress(Exception):  # the error that got us here matters more
            writer.cancel()
        raise


def _merge_segments(parent: str, segments: tuple[Any, ...]) -> _Built:
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


def _remove_work_folders(folder: Path) -> None:
    # Called with the lock held: no run is using them.
    for name in os.listdir(folder):
        if name.startswith((_REBUILD_PREFIX, _WORK_PREFIX)):
            shutil.rmtree(folder / name, ignore_errors=True)


# In a worker: the count of files done by all workers, shared with the parent.
_files_done: Any = None


def _count_file(_index: int) -> None:
    """Counts a file done in a worker: the parent shows progress from the count."""
    with _files_done.get_lock():
        _files_done.value += 1


def _worker_init(files_done: Any) -> None:
    global _files_done
    _files_done = files_done
    # Ctrl-C is the parent's to handle (it cancels the run and stops us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker whose parent was killed would wait for work forever (holding
    # the forkserver alive too): leave as soon as the parent is gone.
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


class _Inline:
    """Runs a task at once, in this process: for runs too small to spread."""

    def submit(self, fn: Callable[..., _Built], *args: Any) -> Future[_Built]:
        future: Future[_Built] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool, cancel_futures: bool) -> None:
        pass


class _Workers:
    """Builds segments of files, in batches, and merges segments: in worker processes.

    Each batch is a run of consecutive files of about `BATCH_BYTES`, parsed,
    analysed and written as a segment by one worker; `results` gives each
    batch's result in input order, and each merge's when it is its turn. A
    few tasks per worker are in flight, so memory is bounded by the batch
    size, never by the corpus. Workers start with forkserver (or spawn),
    never fork: a forked child would inherit the index's lock and keep
    holding it if this process were killed.
    """

    def __init__(self, files: list[_File], folder: str, on_file: Callable[[_File], None]) -> None:
        self.folder = folder
        self.on_file = on_file
        self.batches = deque(_batches(files))
        self.pending: deque[tuple[list[_File] | _Merge, Future[_Built]]] = deque()
        self.executor: ProcessPoolExecutor | _Inline = _Inline()
        # Pool runs only: the workers' shared count of files done, and the
        # files submitted whose progress is not yet reported.
        self.files_done: Any = None
        self.unreported: deque[_File] = deque()
        self.reported = 0
        self.window = 1
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if (
            workers > 1
            and len(files) >= PARALLEL_MIN_FILES
            and sum(f.size for f in files) >= PARALLEL_MIN_BYTES
        ):
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                # Workers forked from a server that imported us once start
                # without importing Whoosh each (about 0.4 s of CPU).
                context.set_forkserver_preload([__name__])
            self.files_done = context.Value("q", 0)
            self.executor = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_worker_init,
                initargs=(self.files_done,),
            )
            self.window = workers * TASKS_PER_WORKER

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=exc[0] is None, cancel_futures=True)

    def merge(self, task: _Merge) -> None:
        self.pending.append(
            (task, self.executor.submit(_merge_segments, self.folder, task.segments))
        )

    def _submit(self) -> None:
        while self.batches and len(self.pending) < self.window:
            batch = self.batches.popleft()
            jobs = [(f.path, f.root, f.sig) for f in batch]
            if isinstance(self.executor, _Inline):
                on_file = partial(_on_file, self.on_file, batch)
                future = self.executor.submit(_index_files, self.folder, jobs, on_file)
            else:
                future = self.executor.submit(_index_files, self.folder, jobs, _count_file)
                self.unreported.extend(batch)
            self.pending.append((batch, future))

    def results(self) -> Iterator[tuple[list[_File] | _Merge, _Built]]:
        self._submit()
        while self.pending:
            task, future = self.pending.popleft()
            while not future.done():
                wait([future], timeout=_PROGRESS_EVERY)
                self._report_progress()
            try:
                built = future.result()
            except BrokenProcessPool as exc:
                where = "merging segments" if isinstance(task, _Merge) else _files(task)
                raise PressearchError(
                    f"a worker process died while {where} (out of memory?);"
                    " the last commit is kept — run again"
                ) from exc
            self._report_progress()
            yield task, built
            self._submit()

    def _report_progress(self) -> None:
        # Workers count files as they finish them, in no particular order
        # between batches; the count is exact, the files named approximate.
        if self.files_done is None:
            return
        done = self.files_done.value
        while self.reported < done and self.unreported:
            self.on_file(self.unreported.popleft())
            self.reported += 1


def _files(batch: list[_File]) -> str:
    more = f" or one of the {len(batch) - 1} files after it" if len(batch) > 1 else ""
    return f"indexing {batch[0].path}{more}"


def _on_file(on_file: Callable[[_File], None], batch: list[_File], i: int) -> None:
    on_file(batch[i])


def _batches(files: list[_File]) -> Iterator[list[_File]]:
    limit = max(BATCH_BYTES, -(-sum(f.size for f in files) // MAX_BATCHES))
    batch: list[_File] = []
    size = 0
    for f in files:
        batch.append(f)
        size += f.size
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
