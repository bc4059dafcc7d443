"""The exceptions pressearch raises: one root, one subclass per failure.

Every message says what went wrong and, where the user can act, what to do
next. The CLI maps these classes to exit codes in one place (`search.cli`).
"""

from __future__ import annotations


class PressearchError(Exception):
    """Root of every error pressearch raises on purpose."""


class UsageError(PressearchError):
    """The user asked for something malformed (bad option value, bad path)."""


class QueryError(UsageError):
    """A query string that cannot be understood.

    `position` is the 0-based character offset in the query where the problem
    starts, or None when the problem is the query as a whole.
    """

    def __init__(self, message: str, query: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.query = query
        self.position = position


class ArticleParseError(PressearchError):
    """A file that cannot be read or parsed as an article."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotFoundError(PressearchError):
    """No index exists at the location given."""


class IndexLockedError(PressearchError):
    """Another process holds the index's write lock past the wait timeout."""


class SchemaVersionError(PressearchError):
    """The index was written by a different schema version; it must be rebuilt."""


class IndexCorruptError(PressearchError):
    """An index file is missing, truncated or unreadable."""


class ArticleNotFoundError(PressearchError):
    """No indexed article matches the id, URL or path asked for."""


class ExportError(PressearchError):
    """An export's output cannot be written where the user asked."""


class WhooshVersionError(PressearchError):
    """The installed Whoosh is not the release pressearch's Whoosh internals were written for."""


class UntrustedIndexError(PressearchError):
    """An index file holds a pickled object that no pressearch index holds; none of it was run."""


class IndexStorageError(PressearchError):
    """The file system refused to read or write the index (disk full, read-only, permissions).

    Nothing committed is lost: the message says what happened and what to do.
    """


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped an index run; `committed` articles it indexed were committed and are kept.

    A KeyboardInterrupt (not a PressearchError), so that whatever stops on
    Ctrl-C still stops; its message says what was kept.
    """

    def __init__(self, message: str, committed: int) -> None:
        super().__init__(message)
        self.committed = committed


class FetchError(PressearchError):
    """A feed or page could not be fetched: the network failed, the server refused, too large."""


class WatchError(PressearchError):
    """The saved searches cannot be read or written (a damaged file, a lock held too long)."""
