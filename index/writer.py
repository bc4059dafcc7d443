"""One indexing run: decide what to read, commit each batch in order, report.

Model: one Whoosh document per article, carrying the absolute `path` of its
file and the file's signature `filesig` (see `index.walk`). A run

1. walks the given paths (`index.walk`), or, given none, the roots the
   index records (`index.store`), or for a new index the sample archive;
2. takes the index's lock for the whole run (`index.store`), and reads
   every live document's path, signature and id from the columns;
3. leaves unchanged files alone (stat only), indexes new and changed files,
   replaces their articles, and removes the articles of files gone from a
   walked folder; articles of other roots are never touched;
4. commits. Whoosh writes new segment files and then renames a new table of
   contents into place, so readers see the old state or the new one, and an
   interrupted run (exception, Ctrl-C, SIGKILL) leaves the last commit.

The files to index go to workers in batches (`index.workers`), each written
as one segment in a private index (`index.segments`); a large JSON Lines
file is a batch of its own, read in parts by several workers, a segment
each (`index.parts`). This process takes the batches in order: it
resolves duplicate ids against the index (deleting the losers, old or
new), moves the batch's segments in and commits a table of contents that
adds them (a Whoosh merge policy that returns the old segments plus the
new ones). So a run commits once per batch, each commit is a consistent
state (each file's articles all old or all new, every file of the batches
before it done), and a large import interrupted near its end keeps most of
its work (each document carries its file's signature, so the next run
resumes where the last commit stopped). A commit leaves out the segments
whose documents are all deleted (a file re-indexed whose articles filled
one), and Whoosh deletes their files. When the index holds more than
`MAX_SEGMENTS` segments besides full ones (`FULL_SEGMENT_BYTES`, as a large
archive's batches make), a worker merges the smallest ones into one and
this process commits the merged segment in their place, unless documents
were deleted from them meanwhile.

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
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import whoosh.index

from pressearch.errors import Interrupted, UsageError
from pressearch.index.digests import Digests, digest
from pressearch.index.faults import storage_error
from pressearch.index.file_list import FileList, PackedFiles, SourceFile
from pressearch.index.indexed import IndexedDocs
from pressearch.index.memory import give_back
from pressearch.index.parts import Joined
from pressearch.index.reader import (
    UNREADABLE,
    close_leftovers,
    read_error,
    recorded_roots,
    refuse_foreign,
)
from pressearch.index.reading import FileResult
from pressearch.index.schema import build_schema
from pressearch.index.segments import Built
from pressearch.index.store import (
    REBUILD_PREFIX,
    add_roots,
    held_lock,
    locked_error,
    open_for_writing,
    prepare_index_dir,
    remove_work_folders,
    write_metadata,
)
from pressearch.index.walk import Root, Walk, resolve_roots, walk
from pressearch.index.whoosh_internals import (
    delete_in_segment,
    move_segment,
    remove_new_segment_files,
    segment_deleted,
    segment_files,
    segment_name,
    segment_of,
    segment_size,
    unlocked_writer,
    writer_segments,
)
from pressearch.index.workers import MAX_BATCH_BYTES, Merge, Workers
from pressearch.locations import sample_archive_dir
from pressearch.models import Failure, IndexReport, Progress

# Segments an index keeps, at most, besides full ones: queries visit every
# segment. Beyond this, a worker merges the smallest ones (runs that change a
# few files each add small segments, cheap to merge).
MAX_SEGMENTS = 16
# A segment whose files hold this much is full, and never merged unless half
# its documents are deleted: an archive too large for a batch per worker of at
# most `index.workers.MAX_BATCH_BYTES` is built in more segments, and
# merging them would cost about as much as indexing again (an index holds
# more bytes than the text it indexes, so a batch that large makes a full one).
FULL_SEGMENT_BYTES = MAX_BATCH_BYTES
# Walked files looked up in the view at once, and paths of documents left out
# of the walk read at once.
_PATHS_READ = 4096


def build(
    paths: Sequence[Path] | None,
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: float = 10.0,
    progress: Callable[[Progress], None] | None = None,
    follow_links: bool = False,
) -> IndexReport:
    """Index the articles under `paths` into `index_dir`, incrementally.

    `paths` are files or folders (walked recursively); None re-scans the
    roots the index covers, or, for a new or empty index, indexes the
    bundled sample archive (the report says so). The index is created
    when missing; `rebuild=True` replaces it with one built from `paths` alone.
    Waits up to `wait` seconds for another run's lock (IndexLockedError).
    Symbolic links out of `paths` are reported and not followed, unless
    `follow_links`.
    Ctrl-C raises `Interrupted` (a KeyboardInterrupt) once the workers are
    stopped, saying how many articles were committed and are kept.
    Raises UsageError for a folder of other files as `index_dir`, then for a
    missing path, before touching the index;
    SchemaVersionError / IndexCorruptError when the index must be rebuilt,
    IndexStorageError when the file system refuses (a full disk, a read-only
    folder). Files that fail are reported in the result, never raised.
    """
    started = time.perf_counter()
    index_dir = Path(os.path.abspath(index_dir))
    refuse_foreign(index_dir)
    gone: list[Failure] = []
    sample = False
    if paths is None:
        paths, gone, sample = _default_paths(index_dir)
    roots = resolve_roots(paths)
    found = walk(roots, follow_links=follow_links)
    found.warnings.extend(gone)
    try:
        with found.files:
            run = _write(index_dir, wait, found, roots, progress, rebuild=rebuild)
    except OSError as exc:
        # Files that cannot be read are reported in the run's result: this is
        # the index folder refusing a write (a full disk, a read-only mount).
        close_leftovers(exc)  # the files Whoosh was writing, held by the run's frames
        raise storage_error(index_dir, exc, writing=True) from exc
    report = run.report(time.perf_counter() - started, index_dir)
    return replace(report, roots=tuple(root.path for root in roots), sample=sample)


def _default_paths(index_dir: Path) -> tuple[list[Path], list[Failure], bool]:
    """What a run given no paths scans: the index's roots, else the sample archive.

    Returns the paths, a warning for each root that is gone (its articles
    stay: a folder on an unplugged drive is not a deleted one), and whether
    it is the sample.
    """
    known = recorded_roots(index_dir)
    if known is None:
        raise UsageError(
            f"the index at {index_dir} does not record which files and folders it covers"
            " (an older pressearch built it) — give them: `pressearch index --rebuild PATH...`"
        )
    if not known:
        return [sample_archive_dir()], [], True
    present = [Path(root) for root in known if os.path.lexists(root)]
    gone = [
        Failure(root, "indexed before but gone: its articles stay in the index")
        for root in known
        if not os.path.lexists(root)
    ]
    return present, gone, False


def _write(
    index_dir: Path,
    wait: float,
    found: Walk,
    roots: list[Root],
    progress: Callable[[Progress], None] | None,
    *,
    rebuild: bool,
) -> _Run:
    prepare_index_dir(index_dir)
    ix = open_for_writing(index_dir, rebuild=rebuild, wait=wait)
    if rebuild:
        try:
            return _rebuild(ix, index_dir, wait, found, roots, progress)
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted: the index at {index_dir} is as it was before the rebuild", 0
            ) from None
    run = _Run(ix, index_dir, wait, found, roots, progress, main=True)
    try:
        run.execute_and_commit()
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: {run.committed} articles of this run were committed and are kept"
            " — run it again to index the rest",
            run.committed,
        ) from None
    return run


def _rebuild(
    ix: Any,
    index_dir: Path,
    wait: float,
    found: Walk,
    roots: list[Root],
    progress: Callable[[Progress], None] | None,
) -> _Run:
    """Build a new index beside the old one, then switch to it in one commit."""
    try:
        main = ix.writer(timeout=wait)
    except whoosh.index.LockError:
        raise locked_error(index_dir, wait) from None
    try:
        remove_work_folders(index_dir)
        folder = Path(tempfile.mkdtemp(prefix=REBUILD_PREFIX, dir=index_dir))
        try:
            new = whoosh.index.create_in(str(folder), build_schema())
            run = _Run(new, index_dir, wait, found, roots, progress, main=False)
            run.execute_and_commit()
            with new.reader() as reader:
                segments = [segment_of(leaf) for leaf, _ in reader.leaf_readers()]
            segments = [segment for segment in segments if segment is not None]
            for segment in segments:
                move_segment(segment, folder, str(index_dir))
            # The merge policy decides which segments the new table of
            # contents lists: exactly the new ones. Whoosh then deletes the
            # files of the old ones.
            run.stage("committing")
            main.commit(mergetype=lambda _writer, _old: segments)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    except BaseException:
        with contextlib.suppress(Exception):  # the error that got us here matters more
            if not main.is_closed:
                main.cancel()
        raise
    write_metadata(index_dir, [root.path for root in roots])
    return run


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
        walk: Walk,
        roots: list[Root],
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
        self.indexed: IndexedDocs | None = None  # the committed index, read by the writer
        self.old_ids = Digests()  # the ids the index held when the run began
        # The committed documents this run deleted, by number (a byte each, where a set
        # of numbers costs ~60): the writer's view is read anew when they are renumbered.
        self.deleted = np.zeros(0, dtype=bool)
        self.removed_ids = Digests()  # the ids of documents of the index deleted
        # The ids this run indexed, as 16-byte digests: a million ids as
        # strings, each with its file's path, would hold ~370 MB; a digest
        # costs 16 bytes (`index.digests`), and the path of a duplicate is
        # looked up when one turns up (`_added_path`).
        self.added = Digests()
        self.batch_ids: dict[str, str] = {}  # id -> path, of the batch being taken
        # The ids of the batch being taken that earlier batches indexed, as digests,
        # and the rows (`indexed`) of those that the index holds.
        self.earlier: set[bytes] = set()
        self.held: dict[bytes, int] = {}
        self.unchanged_paths = Digests()  # files found unchanged, as digests of their paths
        self.unchanged = 0
        self.failures: list[Failure] = list(walk.failures)
        self.warnings: list[Failure] = list(walk.warnings)
        self.done = 0
        self.total = 0  # files walked
        self.last_path = ""  # the last file read, named by progress reports
        self.merging: set[str] = set()  # ids of segments a worker is merging
        self.committed = 0  # articles this run added or updated, committed
        self.uncommitted = False  # the writer holds deletions

    # The writer and its view of the index

    def _open_writer(self, *, read: bool = True) -> None:
        """Open a writer (the run holds the lock); `read`: learn the live documents anew."""
        self.writer = unlocked_writer(self.ix)
        if not read:
            return
        self.indexed = None  # let go of before the new one is made
        try:
            with self.writer.reader() as reader:
                self.indexed = IndexedDocs(reader)
                self.deleted = np.zeros(reader.doc_count_all(), dtype=bool)
        except UNREADABLE as exc:
            raise read_error(self.index_dir, exc) from exc

    def execute_and_commit(self) -> None:
        with held_lock(self.ix.lock("WRITELOCK"), self.index_dir, self.wait):
            try:
                self._execute()
                if self.uncommitted:
                    self.stage("committing")
                    self._commit()
                else:
                    self._discard_writer()
            except BaseException:
                if self.writer is not None:
                    with contextlib.suppress(Exception):  # the error that got us here matters more
                        self._discard_writer()
                raise
            finally:
                remove_work_folders(self.folder)

    def _commit(self, add: Sequence[Any] = (), drop: frozenset[str] = frozenset()) -> bool:
        """Commit the writer's deletions, adding segments `add` and leaving out those
        in `drop` and those whose documents are all deleted.

        Returns whether a segment of the index was left out: the documents
        after it are numbered anew.
        """
        renumbered = False

        def segments(_writer: Any, current: list[Any]) -> list[Any]:
            nonlocal renumbered
            kept = [s for s in current if segment_name(s) not in drop and _live(s)]
            renumbered = len(kept) < len(current)
            return [*kept, *filter(_live, add)]

        self.writer.commit(mergetype=segments)
        self.writer = None
        self.uncommitted = False
        self.committed = len(self.added)
        return renumbered

    def _discard_writer(self) -> None:
        """Cancel a writer that holds no change, and remove the files it opened."""
        self.writer.cancel()
        remove_new_segment_files(self.writer, self.folder)
        self.writer = None

    def _adopt(self, builts: Iterable[Built], drop: frozenset[str] = frozenset()) -> None:
        """Move segments built by workers into the index and commit them, in one commit.

        The segments go last, so documents keep their numbers unless
        segments are left out (merged, or all deleted): then the next writer
        reads the committed state afresh.
        """
        segments = []
        for built in builts:
            if built.segment is not None:
                move_segment(built.segment, built.folder, str(self.folder))
                segments.append(built.segment)
            shutil.rmtree(built.folder, ignore_errors=True)
        renumbered = self._commit(segments, drop)
        self._open_writer(read=renumbered)
        give_back()  # the batch's results and ids, freed, before the next comes in

    # Planning and doing

    def _execute(self) -> None:
        self._open_writer()
        if self.main:
            remove_work_folders(self.index_dir)
            # Before the first commit: every committed article is under a
            # recorded root, even if the run is interrupted.
            add_roots(self.index_dir, [root.path for root in self.roots])
        self.old_ids = self._indexed().ids()
        self.total = len(self.walk.files)
        with (
            self._plan() as to_parse,
            Workers(to_parse, str(self.folder), lambda f: self._step(f.path)) as workers,
        ):
            # What reading the index's view and planning took beyond what they
            # keep, given back before the workers start (on their first task).
            give_back()
            for done in workers.results():
                self.stage("committing")
                if isinstance(done, Joined):
                    self._apply_split(done)
                elif isinstance(done[0], Merge):
                    self._merged(done[0], done[1])
                else:
                    self._apply_batch(done[0], done[1])
                self._plan_merge(workers)
                if self.done == self.total and workers.busy():
                    # Reading goes on in the workers, its next file reported
                    # as it is done; once every file is read, writing is left.
                    self.stage("writing")

    def _plan(self) -> FileList:
        """Files to index, in path order (`Workers` takes them last first: the first
        article seen with an id is the one kept, so of two files with the same id the
        later in path order wins); deletes the articles of gone files."""
        indexed = self._indexed()
        walked = np.zeros(len(indexed), dtype=bool)  # the indexed documents whose file is here
        to_parse = FileList()
        files = iter(self.walk.files)
        while chunk := list(itertools.islice(files, _PATHS_READ)):
            found, same = indexed.files([f.path for f in chunk], [f.sig for f in chunk])
            for f, rows, unchanged in zip(chunk, found, same, strict=True):
                if rows:
                    walked[rows.start : rows.stop] = True
                if unchanged:
                    self.unchanged_paths.add(digest(f.path))
                    self.unchanged += len(rows)
                    self._step(f.path, planning=True)
                else:
                    to_parse.append(f)
        # A file's documents are side by side among those left out: each path once
        # in a row, never all the paths at once.
        gone = indexed.docnums_outside(walked)
        while docnums := list(itertools.islice(gone, _PATHS_READ)):
            for path, _ in itertools.groupby(list(self._paths(docnums))):
                if self._gone(path):
                    self._delete_file(path)
        return to_parse

    def _indexed(self) -> IndexedDocs:
        assert self.indexed is not None, "read when the first writer opens"
        return self.indexed

    def _paths(self, docnums: Sequence[int]) -> Iterator[str]:
        """The path of each of the committed documents `docnums`."""
        if not docnums:
            return
        with self.writer.reader() as reader:
            column = reader.column_reader("path", translate=False)
            for docnum in docnums:
                raw: bytes = column[docnum]
                yield raw.decode("utf-8")

    def _step(self, path: str, *, planning: bool = False) -> None:
        """Count a file read (or found unchanged, while `planning`), and report it."""
        self.done += 1
        self.last_path = path
        self.stage("reading")
        if self.done == self.total and not planning:
            # Every file is read: what is left is writing their segments.
            self.stage("writing")

    def stage(self, stage: Literal["reading", "writing", "committing"]) -> None:
        """Report what the run is doing (see `Progress`)."""
        if self.progress is not None:
            self.progress(Progress(self.done, self.total, self.last_path, stage))

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
        indexed = self._indexed()
        for row in indexed.rows(path):
            self._delete_doc(indexed.docnum(row), indexed.id_digest(row))

    def _delete_doc(self, docnum: int, id_digest: bytes) -> None:
        if self.deleted[docnum]:
            return
        self.writer.delete_document(docnum)
        self.deleted[docnum] = True
        self.uncommitted = True
        if id_digest in self.old_ids:
            self.removed_ids.add(id_digest)

    def _apply_batch(self, files: PackedFiles, built: Built) -> None:
        """Take a worker's segment of `files`: resolve ids against the index, commit."""
        docnums = itertools.count()  # the segment holds the files' indexed articles in order
        self._expect(ident for result in built.files for ident in result.ids)
        for f, result in zip(files, built.files, strict=True):
            self._take_file(f, result, (built,), [(0, next(docnums)) for _ in result.ids])
        self.batch_ids, self.earlier, self.held = {}, set(), {}
        self._adopt((built,))

    def _apply_split(self, joined: Joined) -> None:
        """Take the segments of a file's parts: resolve ids against the index, commit all."""
        self._expect(joined.result.ids)
        self._take_file(joined.split.file, joined.result, joined.builts, joined.places)
        self.batch_ids, self.earlier, self.held = {}, set(), {}
        self._adopt(joined.builts)

    def _expect(self, ids: Iterable[str]) -> None:
        """Learn which of a batch's `ids` earlier batches indexed, and which the index
        holds (one search for all)."""
        digests = [digest(ident) for ident in ids]
        self.earlier = self.added.among(digests)
        self.held = self._indexed().rows_of_ids(digests)

    def _take_file(
        self,
        f: SourceFile,
        result: FileResult,
        builts: Sequence[Built],
        places: Sequence[tuple[int, int]],
    ) -> None:
        """Take file `f`'s articles, at `places` (segment of `builts`, document number):
        they replace its old ones unless it failed with none."""
        for reason in result.errors:
            self.failures.append(Failure(f.path, reason))
        for warning in result.warnings:
            self.warnings.append(Failure(f.path, warning))
        if result.errors and not result.ids:
            return  # a failed file keeps its previous articles
        self._delete_file(f.path)
        # `indexed` need not learn the new documents: this run never looks up
        # a path twice, and `added` answers for its ids.
        for ident, (segment, docnum) in zip(result.ids, places, strict=True):
            if self._wins(ident, f.path):
                self.added.add(digest(ident))
                self.batch_ids[ident] = f.path
            else:
                delete_in_segment(builts[segment].segment, docnum)

    def _wins(self, ident: str, path: str) -> bool:
        """Whether article `ident` from `path` is kept; resolves a duplicate id if not new."""
        id_digest = digest(ident)
        if ident in self.batch_ids or id_digest in self.earlier:
            other = self._added_path(ident)
            self.warnings.append(_duplicate(ident, kept=other, dropped=path))
            return False
        row = self.held.get(id_digest)
        if row is None or self.deleted[self._indexed().docnum(row)]:
            return True
        docnum = self._indexed().docnum(row)
        (other,) = self._paths([docnum])
        if other > path:
            self.warnings.append(_duplicate(ident, kept=other, dropped=path))
            return False
        self.warnings.append(_duplicate(ident, kept=path, dropped=other))
        self._delete_doc(docnum, id_digest)
        if self._indexed().path_digest(row) in self.unchanged_paths:
            self.unchanged -= 1
        return True

    def _added_path(self, ident: str) -> str:
        """The path this run indexed article `ident` from (it did)."""
        path = self.batch_ids.get(ident)
        if path is not None:
            return path
        # Indexed by an earlier batch, so committed: the writer's reader sees it.
        with self.writer.reader() as reader:
            docnum = reader.first_id("id", ident)
            if docnum is None:  # only a digest collision, never seen, gets here
                return "another file"
            raw: bytes = reader.column_reader("path", translate=False)[docnum]
            return raw.decode("utf-8")

    # Merging

    def _plan_merge(self, workers: Workers) -> None:
        """Have a worker merge the smallest segments if there are too many."""
        free = sorted(
            (
                s
                for s in writer_segments(self.writer)
                if segment_name(s) not in self.merging and not self._full(s)
            ),
            key=segment_size,
        )
        excess = len(free) - MAX_SEGMENTS
        if excess > 0:
            segments = tuple(free[: excess + 1])
            self.merging.update(segment_name(s) for s in segments)
            workers.merge(Merge(segments, tuple(segment_deleted(s) for s in segments)))

    def _full(self, segment: Any) -> bool:
        """Whether `segment` is full (`FULL_SEGMENT_BYTES`), half its documents live."""
        if segment_deleted(segment) * 2 > segment_size(segment):
            return False
        names = segment_files(segment, self.folder)
        return sum(os.path.getsize(self.folder / name) for name in names) >= FULL_SEGMENT_BYTES

    def _merged(self, task: Merge, built: Built) -> None:
        ids = [segment_name(s) for s in task.segments]
        self.merging.difference_update(ids)
        current = {segment_name(s): segment_deleted(s) for s in writer_segments(self.writer)}
        if [current.get(i) for i in ids] != list(task.deleted):
            # Documents were deleted from the segments meanwhile: the merged
            # segment would bring them back.
            shutil.rmtree(built.folder, ignore_errors=True)
            return
        self._adopt((built,), frozenset(ids))

    def report(self, seconds: float, index_dir: Path) -> IndexReport:
        updated = self.old_ids.common(self.added)
        readded = self.removed_ids.common(self.added)
        return IndexReport(
            added=len(self.added) - updated,
            updated=updated,
            removed=len(self.removed_ids) - readded,
            unchanged=self.unchanged,
            failed=tuple(sorted(self.failures, key=lambda x: x.path)),
            warnings=tuple(sorted(self.warnings, key=lambda x: x.path)),
            files_seen=self.walk.files_seen,
            seconds=seconds,
            index_dir=str(index_dir),
        )


def _live(segment: Any) -> bool:
    """Whether `segment` holds a document not deleted."""
    return segment_size(segment) > segment_deleted(segment)


def _duplicate(ident: str, *, kept: str, dropped: str) -> Failure:
    return Failure(dropped, f"duplicate id {ident}, also in {kept}, which is kept")
