"""What an index holds, as an indexing run needs it: each live document's file, signature, id.

Model: a run must know, for each file it walks, whether the index holds it
and with which signature (an unchanged file is not read again), which
documents to delete when a file changed or is gone, and, for each article
it indexes, whether another file of the index holds its id. As Python
strings, dicts and lists that is ~650 bytes a document (measured: 13 MB
for 20,000), 650 MB for a million-article index before a file is read.
Here each live document is a row of numpy arrays: 16-byte digests
(`index.digests`) of its file's path, of the file's signature and of its
id, and its document number. Rows are sorted by path digest, so a file's
documents are one run of rows found by binary search, and a second order
(row numbers, searched through) sorts them by id digest: 56 bytes a
document (80 with the ids copied in that order, and 8-byte numbers).
Paths themselves are read back from the index's `path` column for the few
documents that need one (a file gone from the walk, the other file of a
duplicate id).

Digests are of the columns' UTF-8 bytes, which are the digests of the
strings they decode to (`index.digests.digest`), so they compare with a
walked file's path and signature and an article's id exactly as the strings
would.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from itertools import compress
from typing import Any

import numpy as np

from pressearch.index.digests import SIZE, Digests, digests_of
from pressearch.index.whoosh_internals.columns import each_value

Array = np.ndarray[Any, Any]


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=SIZE).digest()


class IndexedDocs:
    """The live documents of a committed index, read through `reader` (see above)."""

    def __init__(self, reader: Any) -> None:
        paths, sigs, ids = bytearray(), bytearray(), bytearray()
        docnums = array("i")  # 4 bytes: an index holds far fewer than 2**31 documents
        for leaf, base in reader.leaf_readers():
            if not leaf.has_column("path"):
                continue
            count = leaf.doc_count_all()
            live = None
            if leaf.has_deletions():
                live = [not leaf.is_deleted(docnum) for docnum in range(count)]
            # A column read at once (a read call per article costs ~20 times more),
            # each value digested as it is made, then the next column.
            for name, digests in (("path", paths), ("filesig", sigs), ("id", ids)):
                values = each_value(leaf, name)
                for raw in values if live is None else compress(values, live):
                    digests += _digest(raw)
            in_leaf = range(base, base + count)
            docnums.extend(in_leaf if live is None else compress(in_leaf, live))
        if not len(paths) == len(sigs) == len(ids) == len(docnums) * SIZE:
            raise ValueError("the path, filesig and id columns hold unequal numbers of values")
        # Each array put in order from the buffer it was read into, without a copy
        # of the buffer, and the buffer let go of before the next: a re-index of
        # 1,000,000 documents peaked at 150 MB of traced memory, now at 118.
        by_path = np.argsort(digests_of(paths), kind="stable")  # documents in order
        self._paths: Array = digests_of(paths)[by_path]
        del paths
        self._sigs: Array = digests_of(sigs)[by_path]
        del sigs
        self._ids: Array = digests_of(ids)[by_path]
        del ids
        self._docnums: Array = np.frombuffer(docnums, dtype=np.int32)[by_path]
        del docnums, by_path
        # Rows by id, then document number: of two live documents with one id
        # (only an index written otherwise holds them) the later counts.
        # Searched through this order (`sorter`), not a copy of the ids sorted.
        self._by_id: Array = np.lexsort((self._docnums, self._ids)).astype(np.int32)

    def __len__(self) -> int:
        return len(self._docnums)

    @property
    def nbytes(self) -> int:
        """The bytes the view holds."""
        arrays = (self._paths, self._sigs, self._ids, self._docnums, self._by_id)
        return sum(a.nbytes for a in arrays)

    def rows(self, path: str) -> range:
        """The rows of file `path`'s documents, in document order (empty: none)."""
        key = _digest(path.encode("utf-8", "surrogatepass"))
        start = int(np.searchsorted(self._paths, key, side="left"))
        end = int(np.searchsorted(self._paths, key, side="right"))
        return range(start, end)

    def signed(self, rows: range, sig: str) -> bool:
        """Whether the file of `rows` was indexed with signature `sig`."""
        wanted = np.array([_digest(sig.encode("utf-8", "surrogatepass"))], self._sigs.dtype)
        return bool(self._sigs[rows.start] == wanted[0])

    def docnum(self, row: int) -> int:
        return int(self._docnums[row])

    def id_digest(self, row: int) -> bytes:
        """The digest of the id of the document of `row`, as `index.digests.digest` makes it."""
        value: bytes = self._ids[row]
        return value.ljust(SIZE, b"\0")  # the array drops trailing NUL bytes

    def path_digest(self, row: int) -> bytes:
        value: bytes = self._paths[row]
        return value.ljust(SIZE, b"\0")

    def rows_of_ids(self, id_digests: Sequence[bytes]) -> dict[bytes, int]:
        """The row of each of `id_digests` the index holds (the later, of two)."""
        if not id_digests or not len(self):
            return {}
        wanted = np.array(id_digests, dtype=self._ids.dtype)
        at = np.searchsorted(self._ids, wanted, side="right", sorter=self._by_id) - 1
        rows = self._by_id[np.maximum(at, 0)]
        hit = (at >= 0) & (self._ids[rows] == wanted)
        found = [d for d, h in zip(id_digests, hit.tolist(), strict=True) if h]
        return dict(zip(found, rows[hit].tolist(), strict=True))

    def ids(self) -> Digests:
        """The ids of the documents, as a set of digests."""
        return Digests(self._ids)

    def docnums_outside(self, kept: Array) -> list[int]:
        """The document numbers of the rows `kept` (a boolean per row) leaves out."""
        left: list[int] = self._docnums[~kept].tolist()
        return left
