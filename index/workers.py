"""Run segment-building tasks in worker processes, a few at a time, results in order.

Model: the files to index are cut into batches of consecutive files (at
least `BATCH_BYTES`, at most `MAX_BATCHES` per run); each batch is one task
(`index.segments.index_files`), and so is each merge the run asks for. A few
tasks per worker are in flight, so memory is bounded by the batch size and
the number of workers, never by the corpus; `Workers.results` yields each
task's result when its turn comes, in submission order. Runs too small to
spread (`PARALLEL_MIN_FILES`, `PARALLEL_MIN_BYTES`) run their tasks in this
process. Workers start with forkserver (or spawn), never fork: a forked
child would inherit the index's lock and keep holding it if this process
were killed. A worker leaves at once, mid-task, when its parent dies or
cancels the run (Ctrl-C, an error): nothing it was writing would be kept.
Workers count the files they finish in shared memory, and progress is
reported from the count.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from pressearch.errors import PressearchError
from pressearch.index.reading import Job
from pressearch.index.segments import Built, index_files, merge_segments
from pressearch.index.walk import SourceFile

# Bytes of files per batch, at least: a worker parses, analyses and writes
# each batch as one segment, which is committed as soon as it is done.
# Whoosh's posting pool takes 25-35 bytes per character of press text, so
# this is about 100 MB of postings per worker.
BATCH_BYTES = 3_000_000
# Batches per run, at most: a larger run gets larger batches (their postings
# spill to disk beyond `index.segments.LIMIT_MB`), so that a full build makes a few segments
# and needs no merging (merging costs about as much as indexing again).
MAX_BATCHES = 12
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


class _Inline:
    """Runs a task at once, in this process: for runs too small to spread."""

    def submit(self, fn: Callable[..., Built], *args: Any) -> Future[Built]:
        future: Future[Built] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool, cancel_futures: bool) -> None:
        pass


class Workers:
    """The tasks of one run, in worker processes or in this one (see above)."""

    def __init__(
        self, files: list[SourceFile], folder: str, on_file: Callable[[SourceFile], None]
    ) -> None:
        self.folder = folder
        self.on_file = on_file
        self.batches = deque(_batches(files))
        self.pending: deque[tuple[list[SourceFile] | Merge, Future[Built]]] = deque()
        self.executor: ProcessPoolExecutor | _Inline = _Inline()
        # Pool runs only: the workers' shared count of files done, and the
        # files submitted whose progress is not yet reported.
        self.files_done: Any = None
        self.stop: Connection | None = None
        self.unreported: deque[SourceFile] = deque()
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
            # Workers hold the reading end; this process alone the writing end.
            stop, self.stop = context.Pipe(duplex=False)
            self.executor = ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_worker_init,
                initargs=(self.files_done, stop),
            )
            self.window = workers * TASKS_PER_WORKER

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
        self.pending.append(
            (task, self.executor.submit(merge_segments, self.folder, task.segments))
        )

    def _submit(self) -> None:
        while self.batches and len(self.pending) < self.window:
            batch = self.batches.popleft()
            jobs = [Job(f.path, f.root, f.sig) for f in batch]
            if isinstance(self.executor, _Inline):
                on_file = partial(_on_file, self.on_file, batch)
                future = self.executor.submit(index_files, self.folder, jobs, on_file)
            else:
                future = self.executor.submit(index_files, self.folder, jobs, _count_file)
                self.unreported.extend(batch)
            self.pending.append((batch, future))

    def results(self) -> Iterator[tuple[list[SourceFile] | Merge, Built]]:
        self._submit()
        while self.pending:
            task, future = self.pending.popleft()
            while not future.done():
                wait([future], timeout=PROGRESS_EVERY)
                self._report_progress()
            try:
                built = future.result()
            except BrokenProcessPool as exc:
                where = "merging segments" if isinstance(task, Merge) else _files(task)
                raise PressearchError(
                    f"a worker process died while {where} (out of memory?);"
                    " the last commit is kept — run again"
                ) from exc
            self._report_progress()
            yield task, built
            self._submit()

    def busy(self) -> bool:
        """Whether tasks are left: running, waiting for their turn, or to submit."""
        return bool(self.pending or self.batches)

    def _report_progress(self) -> None:
        # Workers count files as they finish them, in no particular order
        # between batches; the count is exact, the files named approximate.
        if self.files_done is None:
            return
        done = self.files_done.value
        while self.reported < done and self.unreported:
            self.on_file(self.unreported.popleft())
            self.reported += 1


def _files(batch: list[SourceFile]) -> str:
    more = f" or one of the {len(batch) - 1} files after it" if len(batch) > 1 else ""
    return f"indexing {batch[0].path}{more}"


def _on_file(on_file: Callable[[SourceFile], None], batch: list[SourceFile], i: int) -> None:
    on_file(batch[i])


def _batches(files: list[SourceFile]) -> Iterator[list[SourceFile]]:
    limit = max(BATCH_BYTES, -(-sum(f.size for f in files) // MAX_BATCHES))
    batch: list[SourceFile] = []
    size = 0
    for f in files:
        batch.append(f)
        size += f.size
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
