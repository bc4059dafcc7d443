"""What an index holds, as an indexing run needs it: each live document's file, signature, id.

Model: a run must know, for each file it walks, whether the index holds it
and with which signature (an unchanged file is not read again), which
documents to delete when a file changed or is gone, and, for each article
it indexes, whether another file of the index holds its id. As Python
strings, dicts and lists that is ~650 bytes a document (measured: 13 MB
for 20,000), 650 MB for a million-article index before a file is read;
as arrays in memory 56 bytes, which still grows with the index. Here each
live document is a row of a table in temporary files
(`index.sorted_tables`): 16-byte digests (`index.digests`) of its file's
path, of the file's signature and of its id, and its document number,
sorted by path digest (a file's documents are one run of rows, in
document order, found by binary search); a second table sorts the rows by
id digest, then document number. Both are read through maps whose pages
are let go of after each search of many ids and every `_LOOKUPS_KEPT`
single ones, so the view holds no memory per document (building it sorts
at most `index.sorted_tables.SORT_BYTES` in memory). Paths themselves are
read back from the index's `path` column for the few documents that need
one (a file gone from the walk, the other file of a duplicate id).

Digests are of the columns' UTF-8 bytes, which are the digests of the
strings they decode to (`index.digests.digest`), so they compare with a
walked file's path and signature and an article's id exactly as the strings
would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from itertools import compress, islice
from typing import Any

import numpy as np

from pressearch.index.digests import SIZE, Digests, digests_of
from pressearch.index.sorted_tables import TableWriter
from pressearch.index.whoosh_internals.columns import each_value

Array = np.ndarray[Any, Any]

_DIGEST = f"S{SIZE}"
_BY_PATH = np.dtype([("path", _DIGEST), ("sig", _DIGEST), ("id", _DIGEST), ("doc", "<i4")])
_BY_ID = np.dtype([("id", _DIGEST), ("doc", "<i4"), ("row", "<i4")])
# Documents digested before they are written to the table, and rows read at once.
_CHUNK = 65_536
# Single look-ups (`rows`, `docnum`, ...) between two releases of the tables' pages.
_LOOKUPS_KEPT = 4096


def _digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=SIZE).digest()


class IndexedDocs:
    """The live documents of a committed index, read through `reader` (see above).

    Its tables are temporary files, removed when the view is collected.
    """

    def __init__(self, reader: Any) -> None:
        writer = TableWriter(_BY_PATH, ("path",))  # documents in order: ties stay so
        try:
            for leaf, base in reader.leaf_readers():
                if leaf.has_column("path"):
                    self._read_leaf(leaf, base, writer)
        except BaseException:
            writer.abandon()
            raise
        self._rows = writer.finish()
        by_id = TableWriter(_BY_ID, ("id", "doc"))
        # Rows by id, then document number: of two live documents with one id
        # (only an index written otherwise holds them) the later counts.
        for start, ids in self._rows.chunks("id", _CHUNK):
            part = np.zeros(len(ids), dtype=_BY_ID)
            part["id"] = ids
            part["doc"] = self._rows["doc"][start : start + len(ids)]
            part["row"] = np.arange(start, start + len(ids), dtype=np.int32)
            by_id.append(part)
        self._by_id = by_id.finish()
        self._lookups = 0

    @staticmethod
    def _read_leaf(leaf: Any, base: int, writer: TableWriter) -> None:
        """Append the live documents of segment `leaf` (numbered from `base`) to `writer`."""
        count = leaf.doc_count_all()
        live = None
        if leaf.has_deletions():
            live = [not leaf.is_deleted(docnum) for docnum in range(count)]
        docnums = np.arange(base, base + count, dtype=np.int32)
        if live is not None:
            docnums = docnums[np.array(live, dtype=bool)]
        # A column read at once (a read call per article costs ~20 times more),
        # each value digested as it is made, a chunk of documents at a time.
        columns = [each_value(leaf, name) for name in ("path", "filesig", "id")]
        if live is not None:
            columns = [compress(values, live) for values in columns]
        values = zip(*columns, strict=True)
        for start in range(0, len(docnums), _CHUNK):
            paths, sigs, ids = bytearray(), bytearray(), bytearray()
            for path, sig, ident in islice(values, _CHUNK):
                paths += _digest(path)
                sigs += _digest(sig)
                ids += _digest(ident)
            part = np.zeros(len(paths) // SIZE, dtype=_BY_PATH)
            part["path"], part["sig"], part["id"] = map(digests_of, (paths, sigs, ids))
            part["doc"] = docnums[start : start + len(part)]
            if len(part) != len(docnums[start : start + _CHUNK]):
                raise ValueError("the path, filesig and id columns hold unequal numbers of values")
            writer.append(part)
        if next(values, None) is not None:
            raise ValueError("the path, filesig and id columns hold unequal numbers of values")

    def __len__(self) -> int:
        return len(self._rows)

    def release(self) -> None:
        """Let go of the tables' pages read so far."""
        self._rows.release()
        self._by_id.release()

    def _looked_up(self) -> None:
        self._lookups += 1
        if self._lookups >= _LOOKUPS_KEPT:
            self._lookups = 0
            self.release()

    def rows(self, path: str) -> range:
        """The rows of file `path`'s documents, in document order (empty: none)."""
        self._looked_up()
        starts, ends = self._spans([path])
        return range(int(starts[0]), int(ends[0]))

    def files(self, paths: Sequence[str], sigs: Sequence[str]) -> tuple[list[range], list[bool]]:
        """`rows` of each of `paths`, and whether each file was indexed with its
        signature in `sigs`: one search for all."""
        if not paths:
            return [], []
        starts, ends = self._spans(paths)
        wanted = np.array([_digest(s.encode("utf-8", "surrogatepass")) for s in sigs], _DIGEST)
        held = starts < ends
        same = np.zeros(len(paths), dtype=bool)
        same[held] = self._rows["sig"][starts[held]] == wanted[held]
        self.release()
        rows = list(map(range, starts.tolist(), ends.tolist()))
        return rows, same.tolist()

    def _spans(self, paths: Sequence[str]) -> tuple[Array, Array]:
        """Where the rows of each of `paths` start and end (equal: none)."""
        keys = np.array([_digest(p.encode("utf-8", "surrogatepass")) for p in paths], _DIGEST)
        column = self._rows["path"]
        return np.searchsorted(column, keys, side="left"), np.searchsorted(
            column, keys, side="right"
        )

    def docnum(self, row: int) -> int:
        self._looked_up()
        return int(self._rows["doc"][row])

    def id_digest(self, row: int) -> bytes:
        """The digest of the id of the document of `row`, as `index.digests.digest` makes it."""
        value: bytes = self._rows["id"][row]
        return value.ljust(SIZE, b"\0")  # the array drops trailing NUL bytes

    def path_digest(self, row: int) -> bytes:
        value: bytes = self._rows["path"][row]
        return value.ljust(SIZE, b"\0")

    def rows_of_ids(self, id_digests: Sequence[bytes]) -> dict[bytes, int]:
        """The row of each of `id_digests` the index holds (the later, of two)."""
        if not id_digests or not len(self):
            return {}
        wanted = np.array(id_digests, dtype=_DIGEST)
        ids = self._by_id["id"]
        at = np.maximum(np.searchsorted(ids, wanted, side="right") - 1, 0)
        hit = ids[at] == wanted
        rows = self._by_id["row"][at[hit]].tolist()
        self.release()
        found = compress(id_digests, hit.tolist())
        return dict(zip(found, rows, strict=True))

    def ids(self) -> Digests:
        """The ids of the documents, as a set of digests (reading this view's table)."""
        return Digests.of_sorted(self._by_id, "id")

    def docnums_outside(self, kept: Array) -> Iterator[int]:
        """The document numbers of the rows `kept` (a boolean per row) leaves out, in row
        order (a file's documents together)."""
        for start, docnums in self._rows.chunks("doc", _CHUNK):
            yield from docnums[~kept[start : start + len(docnums)]].tolist()
