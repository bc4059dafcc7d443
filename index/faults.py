"""The file system's refusals, said as what happened and what to do.

Model: an `OSError` met while reading or writing the index folder is either
damage (a missing or unreadable-because-broken file: `reader.read_error`
names the cure, a rebuild) or the environment refusing: a full disk, a
quota, a read-only mount, missing permissions, too many open files. The
environment's refusals become one `IndexStorageError` here, naming the place
and the remedy; none of them calls for a rebuild, and a failed write never
loses what was committed (a commit is one rename of a table of contents).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from pressearch.errors import IndexStorageError
from pressearch.index.walk import shown

_KEPT = " — nothing committed was lost"

# The errors of the environment, not of the index's files.
ENVIRONMENT = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EMFILE, errno.ENFILE}
)


def storage_error(index_dir: Path, exc: OSError, *, writing: bool) -> IndexStorageError:
    """The error for `exc`, met reading (`writing=False`) or writing the index at `index_dir`."""
    where = _where(exc.filename) if exc.filename else str(index_dir)
    kept = _KEPT if writing else ""
    code = exc.errno
    if code == errno.ENOSPC:
        message = f"no space left on device at {index_dir}: free space and run again{kept}"
    elif code == errno.EDQUOT:
        message = f"disk quota exceeded at {index_dir}: free space and run again{kept}"
    elif code == errno.EROFS:
        message = (
            f"{index_dir} is on a read-only file system: make it writable"
            f" or pass another --index{kept}"
        )
    elif code in (errno.EACCES, errno.EPERM):
        access = "write" if writing else "read"
        message = (
            f"permission denied on {where}: give your user {access} access to the index"
            f" folder and its files, or pass another --index{kept}"
        )
    elif code in (errno.EMFILE, errno.ENFILE):
        message = f"too many open files while using {where}: raise `ulimit -n` and run again{kept}"
    else:
        doing = "write" if writing else "read"
        reason = exc.strerror or type(exc).__name__
        message = f"cannot {doing} {where}: {reason}{kept}"
    return IndexStorageError(message)


def _where(filename: str | bytes | int) -> str:
    if isinstance(filename, int):
        return f"file descriptor {filename}"
    return shown(os.fsdecode(filename))
