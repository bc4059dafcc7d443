"""Run segment-building tasks in worker processes, a few at a time, results in order.

Model: the files to index are cut into batches of consecutive files (at
least `BATCH_BYTES`, at most `BATCHES_PER_WORKER` per worker, unless that
would make a batch larger than `MAX_BATCH_BYTES` or `MAX_BATCH_FILES`);
each batch is one task (`index.segments.index_files`), and so is each
merge the run asks for. A large JSON Lines file is a batch of its own, cut
into parts of `BATCH_BYTES` when its turn comes (`index.parts`): one task per worker, or
per `MAX_BATCH_BYTES` of the file if that makes more, each reading a share
of consecutive parts into a segment, so that every worker reads it at once;
the parts' results are joined into the file's once all are done, and a
file that must be done again (it changed, or only a whole reading decodes
it) is done again before any later batch. A few tasks per worker are in
flight, so memory is bounded by the largest batch and the number of
workers, never by the corpus; `Workers.results` yields each
batch's result (a batch of files, a split file, a merge) when its turn
comes, in submission order, so the run commits each one whole, in order.
Runs too small to spread (`PARALLEL_MIN_FILES`, `PARALLEL_MIN_BYTES`, no
file to split) run their tasks in this process. Workers start with
forkserver (or spawn), never fork: a forked child would inherit the index's
lock and keep holding it if this process were killed. A worker leaves at
once, mid-task, when its parent dies or cancels the run (Ctrl-C, an
error): nothing it was writing would be kept. Workers count the files they
finish in shared memory (a split file when its last part is done), and
progress is reported from the count.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from pressearch.errors import PressearchError
from pressearch.index.file_list import FileList, PackedFiles, SourceFile
from pressearch.index.memory import give_back
from pressearch.index.parts import Joined, Split, cut, join, splits
from pressearch.index.reading import CHANGED, Job, Span, WholeFiles
from pressearch.index.segments import Built, index_files, merge_segments

# Bytes of files per batch, at least: a worker parses, analyses and writes
# each batch as one segment, which is committed as soon as it is done. A
# large file is read a part of about this size at a time.
# Whoosh's posting pool takes 25-35 bytes per character of press text, so
# this is about 100 MB of postings per worker.
BATCH_BYTES = 3_000_000
# Batches per worker, at most: each batch is a segment, and a query looks each
# of its words up in every segment, so a run makes as few as keep every worker
# busy. A larger run gets larger batches (their postings spill to disk beyond
# `index.segments.LIMIT_MB`) and needs no merging (merging costs about as much
# as indexing again). Measured on Reuters (22 MB, 2 workers): 8 batches of 3 MB
# answered `batch`'s queries in 6.6 ms of CPU each, 2 batches in 4.4 ms, and
# built in the same time within the machine's noise (11-15 s).
BATCHES_PER_WORKER = 1
# A batch's bytes and files, at most, whatever the archive: a worker's memory
# grows with its segment beyond the posting pool's budget (its documents'
# lengths, columns and results), and so does this process's with a batch in
# flight (its files, then its result): cut into 12 batches, a 1,000,000-article
# build held ~1.2 GB. A larger archive makes more segments, each about this
# size, which are never merged (`index.writer.FULL_SEGMENT_BYTES`).
MAX_BATCH_BYTES = 96_000_000
MAX_BATCH_FILES = 30_000
# Fewer files or bytes than this to index are indexed in-process: a pool needs
# many files to spread, and starting workers costs about 0.1 s while parsing
# a 5 KB article takes 0.3 ms (measured: the 68 sample articles index 30%
# slower through a pool, 2,000 generated ones 5% faster).
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 4_000_000
# Tasks in flight per worker: enough to keep workers busy, few enough that
# memory does not grow with the corpus (one when batches are large, below).
TASKS_PER_WORKER = 2
# Workers do all the parsing and indexing; each holds a batch's postings.
MAX_WORKERS = 4
# Seconds between progress reports while workers index a batch.
PROGRESS_EVERY = 0.2


@dataclass(frozen=True)
class Merge:
    """Segments of the index to merge into one, with their deleted counts when planned."""

    segments: tuple[Any, ...]
    deleted: tuple[int, ...]


# In a worker: the count of files done by all workers, shared with the parent.
_files_done: Any = None


def _count_file(_index: int) -> None:
    """Counts a file done in a worker: the parent shows progress from the count."""
    with _files_done.get_lock():
        _files_done.value += 1


def _worker_init(files_done: Any, stop: Connection) -> None:
    global _files_done
    _files_done = files_done
    # Ctrl-C is the parent's to handle (it stops us through `stop`).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Leave at once, mid-task, when the parent closes its end of `stop` (a
    # cancelled run: the task's work is thrown away anyway) or dies (a worker
    # would wait for work forever, holding the forkserver alive too).
    parent = multiprocessing.parent_process()
    waited: list[Any] = [stop] if parent is None else [stop, parent.sentinel]

    def watch() -> None:
        multiprocessing.connection.wait(waited)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _in_worker(task: Callable[..., Built], *args: Any) -> Built:
    """`task(*args)`, then the memory it freed given back (`index.memory`).

    A worker keeps its process between tasks, and the allocator keeps what
    a task freed (its posting pool, a batch's documents) for the next: an
    idle worker held ~114 MB after a batch of 5,000 articles, ~80 MB once it
    gave that back, while the run committed (measured at 1,000,000 articles).
    """
    try:
        return task(*args)
    finally:
        give_back()


class _Inline:
    """Runs a task at once, in this process: for runs too small to spread."""

    def submit(self, fn: Callable[..., Built], *args: Any) -> Future[Built]:
        future: Future[Built] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool, cancel_futures: bool) -> None:
        pass


# What a batch is: files read whole into one segment, a file read in parts
# (one segment each), or a merge.
Task = PackedFiles | Split | Merge


class _Batch:
    """One batch of the run, committed whole: its tasks, to submit and submitted."""

    def __init__(
        self, task: Task, jobs: Sequence[tuple[Iterable[Job], Iterable[SourceFile | None]]]
    ) -> None:
        self.task = task
        # Each task's jobs, and the file to report done after each job (None: none).
        self.todo = deque(jobs)
        self.futures: list[Future[Built]] = []


class Workers:
    """The tasks of one run, in worker processes or in this one (see above)."""

    def __init__(self, files: FileList, folder: str, on_file: Callable[[SourceFile], None]) -> None:
        """Index `files` last first (see `index.writer`), reading the list as batches are due."""
        self.folder = folder
        self.on_file = on_file
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        parallel = (
            workers > 1
            and (len(files) >= PARALLEL_MIN_FILES or any(map(splits, files)))
            and files.total_size >= PARALLEL_MIN_BYTES
        )
        total = files.total_size
        share = -(-total // (BATCHES_PER_WORKER * (workers if parallel else 1)))
        limit = min(MAX_BATCH_BYTES, max(BATCH_BYTES, share))
        # Batches of about equal size, as many as a multiple of the workers:
        # of 7 batches and a small one, one worker would index the seventh
        # while the other has only the small one left.
        count = -(-total // limit)
        if parallel:
            count = -(-count // workers) * workers
        # Batches are made from the list as they are due: a million files
        # made into batches at once would be a million objects.
        self.batches = _batches(reversed(files), total, count, MAX_BATCH_FILES)
        self.next_batch = next(self.batches, None)
        self.pending: deque[_Batch] = deque()  # in commit order
        self.in_flight = 0  # tasks submitted whose results are not taken yet
        self.executor: ProcessPoolExecutor | _Inline = _Inline()
        # Pool runs only: the workers' shared count of files done, and the
        # files submitted whose progress is not yet reported.
        self.files_done: Any = None
        self.stop: Connection | None = None
        # Per task submitted: the files to name as the workers' count grows.
        self.unreported: deque[Iterator[SourceFile | None]] = deque()
        self.reported = 0
        self.window = 1
        self.workers = 1  # processes indexing
        if parallel:
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                # Workers forked from a server that imported us once start
                # without importing Whoosh each (about 0.4 s of CPU).
                context.set_forkserver_preload([__name__])
            self.files_done = context.Value("q", 0)
            # Workers hold the reading end; this process alone the writing end.
            stop, self.stop = context.Pipe(duplex=False)
            self.executor = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_worker_init,
                initargs=(self.files_done, stop),
            )
            # Batches over BATCH_BYTES are one per worker, or in a larger run
            # up to MAX_BATCH_BYTES, a minute or more of work each: a second one
            # queued per worker would keep workers busy through a commit of
            # seconds, and hold a batch's files more in memory (at 1,000,000
            # files, ~60 MB of this process's memory a batch).
            large = limit > BATCH_BYTES
            self.window = workers * (1 if large else TASKS_PER_WORKER)
            self.workers = workers

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None and self.stop is not None:
            # Interrupted or failed: the tasks' work would be thrown away, so
            # the workers stop now rather than finish it (Ctrl-C exits at once).
            self.stop.close()
        self.executor.shutdown(wait=exc[0] is None, cancel_futures=True)
        if self.stop is not None:
            self.stop.close()

    def merge(self, task: Merge) -> None:
        batch = _Batch(task, [])
        batch.futures.append(self._run(merge_segments, self.folder, task.segments))
        self.in_flight += 1
        self.pending.append(batch)

    def _run(self, task: Callable[..., Built], *args: Any) -> Future[Built]:
        """`task(*args)` in a worker (which then gives back the memory it freed), or here."""
        if isinstance(self.executor, _Inline):
            return self.executor.submit(task, *args)
        return self.executor.submit(_in_worker, task, *args)

    def _submit(self) -> None:
        """Submit tasks, the earliest batches' first, until the window is full."""
        while self.in_flight < self.window:
            batch = next((b for b in self.pending if b.todo), None)
            if batch is not None:
                self._start(batch)
            elif self.next_batch is not None:
                self.pending.append(self._batch(self.next_batch))
                self.next_batch = next(self.batches, None)
            else:
                return

    def _start(self, batch: _Batch) -> None:
        """Submit the next task of `batch`."""
        jobs, names = batch.todo.popleft()
        if isinstance(self.executor, _Inline):
            on_file = partial(_on_file, self.on_file, list(names))
            future = self._run(index_files, self.folder, jobs, on_file)
        else:
            future = self._run(index_files, self.folder, jobs, _count_file)
            self.unreported.append(iter(names))
        batch.futures.append(future)
        self.in_flight += 1

    def _batch(self, files: PackedFiles | SourceFile, attempt: int = 1) -> _Batch:
        """A batch of whole files, or a large file cut into parts (read whole if it cannot be).

        A batch done again (`attempt` 2) reports no progress: its files were reported.
        """
        if isinstance(files, PackedFiles):
            reported = files if attempt == 1 else itertools.repeat(None, len(files))
            return _Batch(files, [(WholeFiles(files), reported)])
        split = cut(files, BATCH_BYTES, attempt)
        if split is None:
            return self._batch(PackedFiles.pack([files]), attempt)
        return self._split(split, report=attempt == 1)

    def _split(self, split: Split, *, report: bool) -> _Batch:
        """The batch of a file cut into parts: one task, one segment, per worker (or
        per `MAX_BATCH_BYTES` of the file, if more), each reading its share of
        the parts one after another (segments repeat the vocabulary they hold:
        as few as keep every worker busy and bound its memory)."""
        n = max(self.workers, -(-split.spans[-1].end // MAX_BATCH_BYTES))
        tasks: list[tuple[list[Job], list[SourceFile | None]]] = [
            (split.jobs(share), [None] * len(share)) for share in _shares(split.spans, n)
        ]
        if report:
            tasks[-1][1][-1] = split.file  # a split file is done with its last part
        return _Batch(split, tasks)

    def results(self) -> Iterator[tuple[PackedFiles | Merge, Built] | Joined]:
        """Each batch's result, in order: files or a merge and their segment, or a split file's."""
        self._submit()
        while self.pending:
            batch = self.pending[0]
            built: list[Built] = []
            while batch.todo or len(built) < len(batch.futures):
                if len(built) == len(batch.futures):
                    # Its turn, though later batches fill the window (it is done again).
                    self._start(batch)
                built.append(self._take(batch, batch.futures[len(built)]))
                self._submit()
            self.pending.popleft()
            if not isinstance(batch.task, Split):
                yield batch.task, built[0]
                continue
            joined = join(batch.task, built)
            if not (isinstance(joined, Joined) and joined.builts):
                for part in built:  # segments of a file not taken as read
                    shutil.rmtree(part.folder, ignore_errors=True)
            if isinstance(joined, Joined):
                yield joined
                continue
            # Done again before any later batch is committed, so that the
            # run commits its files in their order.
            f = batch.task.file
            if isinstance(joined, Split):
                again = self._split(joined, report=False)
            else:
                again = self._batch(f if joined == CHANGED else PackedFiles.pack([f]), 2)
            self.pending.appendleft(again)
            self._submit()

    def _take(self, batch: _Batch, future: Future[Built]) -> Built:
        """The result of one of `batch`'s tasks, reporting progress while it runs."""
        while not future.done():
            wait([future], timeout=PROGRESS_EVERY)
            self._report_progress()
        try:
            built = future.result()
        except BrokenProcessPool as exc:
            raise PressearchError(
                f"a worker process died while {_doing(batch.task)} (out of memory?);"
                " the last commit is kept — run again"
            ) from exc
        self.in_flight -= 1
        self._report_progress()
        return built

    def busy(self) -> bool:
        """Whether tasks are left: running, waiting for their turn, or to submit."""
        return bool(self.pending) or self.next_batch is not None

    def _report_progress(self) -> None:
        # Workers count files as they finish them, in no particular order
        # between batches; the count is exact, the files named approximate.
        if self.files_done is None:
            return
        done = self.files_done.value
        while self.reported < done and self.unreported:
            name = next(self.unreported[0], _NO_MORE)
            if name is _NO_MORE:
                self.unreported.popleft()
                continue
            if isinstance(name, SourceFile):
                self.on_file(name)
            self.reported += 1


# The end of a task's names.
_NO_MORE = object()


def _shares(spans: Sequence[Span], n: int) -> list[range]:
    """The parts of a file (positions in `spans`) in `n` runs of consecutive
    parts of about equal size (fewer when there are fewer parts)."""
    size = spans[-1].end
    shares: list[range] = []
    start = 0
    for _share, parts in itertools.groupby(spans, lambda s: (s.start + s.end) // 2 * n // size):
        end = start + sum(1 for _ in parts)
        shares.append(range(start, end))
        start = end
    return shares


def _doing(task: Task) -> str:
    if isinstance(task, Merge):
        return "merging segments"
    if isinstance(task, Split):
        return f"indexing part of {task.file.path}"
    more = f" or one of the {len(task) - 1} files after it" if len(task) > 1 else ""
    return f"indexing {task[0].path}{more}"


def _on_file(on_file: Callable[[SourceFile], None], names: list[SourceFile | None], i: int) -> None:
    name = names[i]
    if name is not None:
        on_file(name)


def _batches(
    files: Iterable[SourceFile], total: int, count: int, most_files: int
) -> Iterator[PackedFiles | SourceFile]:
    """`count` batches of consecutive files of about equal size, of `total` bytes
    together (each cut where it comes nearest to an equal share of what is left),
    or of `most_files` files; a file to split alone (not counted)."""
    batch: list[SourceFile] = []
    size = 0
    left, share = total, total / max(count, 1)
    for f in files:
        if splits(f):
            if batch:
                yield PackedFiles.pack(batch)
                batch, size = [], 0
            left -= f.size
            yield f
            continue
        batch.append(f)
        size += f.size
        if size >= share - f.size / 2 or len(batch) >= most_files:
            yield PackedFiles.pack(batch)
            left -= size
            count = max(count - 1, 1)
            batch, size, share = [], 0, left / count
    if batch:
        yield PackedFiles.pack(batch)
