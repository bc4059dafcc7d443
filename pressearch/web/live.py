"""The one archive a server shares between requests, always reading the newest commit.

Model: `pressearch serve` opens one `Archive` and keeps its searcher open
(opening an index costs tens of milliseconds; a warm search a few). Requests
run in a thread pool; `LiveArchive.run` lets one at a time use the archive,
after `Archive.refresh()` has checked for a commit made since the last one
(a `pressearch index` run while serving), so each request sees one committed
state and a commit is seen by the next request. One at a time costs nothing
a thread would gain: searching is pure Python, bound by the interpreter lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from pressearch.archive import Archive

_T = TypeVar("_T")


class LiveArchive:
    """An `Archive` for many threads: `run(work)` calls `work(archive)` on the newest commit."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._lock = threading.Lock()

    def run(self, work: Callable[[Archive], _T]) -> _T:
        with self._lock:
            self.archive.refresh()
            return work(self.archive)

    def close(self) -> None:
        with self._lock:
            self.archive.close()
