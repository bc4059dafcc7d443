"""Memory a process freed, handed back to the system (glibc's `malloc_trim`).

Model: CPython's allocator and the C library keep what a process frees for
its own later use, so its RSS stays at its peak. Where one process of an
indexing run lets go of a large structure while the others work on (a
worker between batches; the run's own process once it has read the
index's view, and after each commit, when a batch's results are freed),
keeping it would add that peak to theirs. `give_back` collects garbage and
asks the C library to return its free pages; where the C library has no
`malloc_trim` (not glibc), the memory stays with the process.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable
from functools import cache


def give_back() -> None:
    """Collect garbage, and hand the free pages of the C library's heap back."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # no C library to load by that name (Windows)
        return None
    found: Callable[[int], int] | None = getattr(libc, "malloc_trim", None)
    return found
