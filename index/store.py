"""The index folder: open it for writing, lock it, record its schema version.

Model: an index folder holds a Whoosh index and `pressearch.json` (the
schema version, written beside every new table of contents, and the roots
the index covers, so that a run given no paths re-scans them), nothing else
but hidden work folders: a rebuild's new index (`REBUILD_PREFIX`) and the
segments workers write (`WORK_PREFIX`), both removed by the next run that
holds the lock. The lock is Whoosh's `MAIN_WRITELOCK`, an flock the kernel
drops when its holder dies, so a lock left by a killed run never blocks the
next one; a run holds it from start to end. A folder holding other files
and no index is refused, so an index is never written among someone
else's files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from pressearch.errors import IndexLockedError, IndexStorageError, UsageError
from pressearch.index.reader import (
    METADATA_FILE,
    UNREADABLE,
    check_index,
    close_leftovers,
    has_index,
    lost_toc,
    read_error,
    recorded_roots,
    refuse_foreign,
    retry_racing_commits,
)
from pressearch.index.schema import SCHEMA_VERSION, build_schema
from pressearch.index.whoosh_internals import WRITELOCK

# Hidden folders inside the index folder: where a rebuild builds the new
# index, and where workers write segments.
REBUILD_PREFIX = ".rebuild-"
WORK_PREFIX = ".segment-"


def prepare_index_dir(index_dir: Path) -> None:
    """Create `index_dir` if missing; UsageError if it cannot hold an index."""
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir} is not a folder — pass another --index")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the index folder {index_dir}: {exc.strerror} — pass another --index"
        ) from exc
    refuse_foreign(index_dir)


def open_for_writing(index_dir: Path, *, rebuild: bool, wait: float) -> Any:
    """The Whoosh index in `index_dir`, created when missing.

    For a rebuild it is opened with this code's schema, and replaced by a new
    empty index when its table of contents cannot be read (there is nothing
    left to protect); otherwise it must be sound and of this schema version.
    """
    if not rebuild and lost_toc(index_dir):
        check_index(index_dir)  # says it is damaged: a new index would lose its articles
    if not has_index(index_dir):
        _create(index_dir, wait, replace=False)
    if not rebuild:
        check_index(index_dir)
        try:
            return retry_racing_commits(index_dir, partial(whoosh.index.open_dir, str(index_dir)))
        except UNREADABLE as exc:
            raise read_error(index_dir, exc) from exc
    try:
        # Our schema, not the one pickled in the old table of contents: a
        # rebuild must work across schema versions.
        schema = build_schema()
        return retry_racing_commits(
            index_dir, partial(whoosh.index.open_dir, str(index_dir), schema=schema)
        )
    except UNREADABLE as exc:
        close_leftovers(exc)
        _create(index_dir, wait, replace=True)
        return whoosh.index.open_dir(str(index_dir), schema=build_schema())


def _create(index_dir: Path, wait: float, *, replace: bool) -> None:
    # Under the write lock, so that two first runs cannot both create (the
    # second would wipe the first one's table of contents).
    with held_lock(FileStorage(str(index_dir)).lock(WRITELOCK), index_dir, wait):
        if replace or not has_index(index_dir):
            write_metadata(index_dir)
            whoosh.index.create_in(str(index_dir), build_schema())


@contextlib.contextmanager
def held_lock(lock: Any, index_dir: Path, wait: float) -> Iterator[None]:
    """Hold `lock`, trying every 0.1 s for up to `wait` seconds (IndexLockedError)."""
    deadline = time.monotonic() + wait
    while not lock.acquire():
        if time.monotonic() >= deadline:
            raise locked_error(index_dir, wait)
        time.sleep(0.1)
    try:
        yield
    finally:
        lock.release()


def locked_error(index_dir: Path, wait: float) -> IndexLockedError:
    """The error for an index another run holds past `wait` seconds."""
    return IndexLockedError(
        f"another `pressearch index` is writing to {index_dir}; waited {wait:g} s"
        " — try again later or pass --wait"
    )


def write_metadata(index_dir: Path, roots: Sequence[str] = ()) -> None:
    """Record this code's schema version and the `roots` covered in `index_dir` (atomically).

    `roots` are absolute paths, in the order first indexed.
    """
    target = index_dir / METADATA_FILE
    if target.is_dir() and not target.is_symlink():
        raise IndexStorageError(
            f"{target} is a folder where pressearch keeps a file: move it away and run again"
        )
    temp = index_dir / f".{METADATA_FILE}.tmp"
    metadata = {"schema_version": SCHEMA_VERSION, "roots": list(roots)}
    temp.write_text(json.dumps(metadata, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, target)


def add_roots(index_dir: Path, roots: Sequence[str]) -> None:
    """Record that the index also covers `roots`; call it with the lock held."""
    known = recorded_roots(index_dir) or ()
    new = [root for root in roots if root not in known]
    if new:
        write_metadata(index_dir, [*known, *new])


def remove_work_folders(folder: Path) -> None:
    """Remove the work folders of earlier runs; call it with the lock held."""
    for name in os.listdir(folder):
        if name.startswith((REBUILD_PREFIX, WORK_PREFIX)):
            shutil.rmtree(folder / name, ignore_errors=True)
