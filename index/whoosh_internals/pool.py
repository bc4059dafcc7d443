"""A segment's postings, grouped by term in memory, spilled to sorted runs past a budget.

Model: Whoosh's posting pool keeps every posting of a segment as its own
tuple, sorts them all when the segment is written and, past its budget,
pickles them one by one to runs merged posting by posting. Here each
field maps each term to one flat list of its postings, `[docnum, weight,
value, docnum, weight, value, ...]`, appended in document order, so a
term's postings are already together and in order: writing the segment
sorts only the terms. When the estimated memory passes `limitmb`, the
terms are written, sorted, to a run file (one marshal record per term,
after its size) and memory starts empty; writing the segment merges the
runs term by term, joining a term's lists in run order (runs hold
earlier documents).
Peak memory is the budget plus one term and a read buffer per run, the
buffers 16 MB together (64 KB each at least).
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import os
import struct
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

# Estimated bytes of a new term (its key, its list, a dict slot) and of a
# posting (three list slots, its share of values): measured 31 MB for the
# 94k terms and 590k postings of 3,000 posts, estimated 35 MB.
_TERM_COST = 200
_POSTING_COST = 28
# A run record's size, before it.
_SIZE = struct.Struct("<I")
# Read buffers of the runs merged at once, together, and of one run at most
# and at least: a large segment spills a hundred runs, and a megabyte each
# would grow a worker's memory with the segment's size.
_READ_BUFFERS = 16 << 20
_READ_BUFFER_MAX = 1 << 20
_READ_BUFFER_MIN = 64 << 10

Postings = list[Any]  # docnum, weight, value, docnum, weight, value, ...


class TermPool:
    """Whoosh's posting pool interface (`add`, `iter_postings`, `cleanup`), by term."""

    def __init__(self, tempstore: Any, limitmb: float) -> None:
        self._folder = tempstore.folder
        self._limit = limitmb * 1024 * 1024
        self._size = 0
        self._fields: dict[str, dict[bytes, Postings]] = {}
        self._runs: list[str] = []
        # Equal weights share one float object (most are 1.0, 2.0, 3.0, ...).
        self._weights: dict[float, float] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one posting: (field, term, docnum, weight, value)."""
        fieldname, text, docnum, weight, value = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        weight = self._weights.setdefault(weight, weight)
        value = value or b""
        postings = terms.get(text)
        if postings is None:
            terms[text] = [docnum, weight, value]
            self._size += _TERM_COST
        else:
            postings += (docnum, weight, value)
            self._size += _POSTING_COST
        if self._size > self._limit:
            self._spill()

    def add_terms(
        self,
        fieldname: str,
        docnum: int,
        items: Iterable[tuple[bytes, int, float, bytes]],
        boost: float,
        scorable: bool,
    ) -> int:
        """Add a document's postings of one field, as `field.index` yields
        them, weights times `boost`; return the field's length (0 unless
        `scorable`), as Whoosh's `SegmentWriter.add_document` does."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        if boost != 1.0:
            shared = self._weights.setdefault
            items = [(t, f, shared(w * boost, w * boost), v) for t, f, w, v in items]
        elif not isinstance(items, list):
            items = list(items)
        get = terms.get
        new = length = 0
        for text, freq, weight, value in items:
            length += freq
            postings = get(text)
            if postings is None:
                terms[text] = [docnum, weight, value]
                new += 1
            else:
                postings += (docnum, weight, value)
        self._size += new * _TERM_COST + len(items) * _POSTING_COST
        if self._size > self._limit:
            self._spill()
        return length if scorable else 0

    def add_postings(self, fieldname: str, text: bytes, postings: Postings) -> None:
        """Add a term's postings (flat, in document order, after any added before)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        found = terms.get(text)
        if found is None:
            terms[text] = postings
            self._size += _TERM_COST + len(text)
        else:
            found += postings
        # Values read back are objects of their own, not shared.
        values = postings[2::3]
        self._size += (_POSTING_COST + 33) * len(values) + sum(map(len, values))
        if self._size > self._limit:
            self._spill()

    def _spill(self) -> None:
        """Write the terms in memory to a new run, sorted, and start empty."""
        path = os.path.join(self._folder, f"terms-{len(self._runs)}.run")
        with open(path, "wb") as run:
            for fieldname, terms in self._sorted_terms():
                for text, postings in terms:
                    record = marshal.dumps((fieldname, text, postings))
                    run.write(_SIZE.pack(len(record)))
                    run.write(record)
        self._runs.append(path)
        self._size = 0

    def _sorted_terms(self) -> Iterator[tuple[str, Iterator[tuple[bytes, Postings]]]]:
        """Each field and its terms in order, emptying memory as they are read."""
        fields = self._fields
        self._fields = {}
        for fieldname in sorted(fields):
            terms = fields.pop(fieldname)
            yield fieldname, ((text, terms.pop(text)) for text in sorted(terms))

    def iter_postings(self) -> GroupedPostings:
        return GroupedPostings(self)

    def grouped(self) -> Iterator[tuple[str, Iterator[tuple[bytes, Postings]]]]:
        """Each field, in order, with its terms in order and their postings."""
        if not self._runs:
            yield from self._sorted_terms()
            return
        buffer = min(_READ_BUFFER_MAX, max(_READ_BUFFER_MIN, _READ_BUFFERS // len(self._runs)))
        streams = [_read_run(path, i, buffer) for i, path in enumerate(self._runs)]
        streams.append(
            (fieldname, text, len(self._runs), postings)
            for fieldname, terms in self._sorted_terms()
            for text, postings in terms
        )
        merged = heapq.merge(*streams, key=itemgetter(0, 1, 2))
        for fieldname, records in itertools.groupby(merged, key=itemgetter(0)):
            yield fieldname, _join_runs(records)

    def cleanup(self) -> None:
        """Remove the run files."""
        for path in self._runs:
            if os.path.exists(path):
                os.remove(path)
        self._runs = []


class GroupedPostings:
    """A pool's postings for Whoosh's field writer: see `TermPool.grouped`."""

    def __init__(self, pool: TermPool) -> None:
        self.pool = pool


def _read_run(path: str, order: int, buffer: int) -> Iterator[tuple[str, bytes, int, Postings]]:
    # marshal.load from a file reads it a few bytes at a time: each record
    # is read whole, then decoded from bytes.
    with open(path, "rb", buffering=buffer) as run:
        while size := run.read(_SIZE.size):
            fieldname, text, postings = marshal.loads(run.read(_SIZE.unpack(size)[0]))
            yield fieldname, text, order, postings


def _join_runs(
    records: Iterator[tuple[str, bytes, int, Postings]],
) -> Iterator[tuple[bytes, Postings]]:
    """One field's terms with their postings joined across runs."""
    for text, parts in itertools.groupby(records, key=itemgetter(1)):
        lists = [part[3] for part in parts]
        yield text, lists[0] if len(lists) == 1 else list(itertools.chain.from_iterable(lists))
