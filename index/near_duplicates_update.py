"""One update of the near-duplicate pairs over an open index: its rows, keys and candidates.

Model (see `index.near_duplicates` for the pairs and the sidecar): the
live articles are rows in the order of their ids' digests, kept with the
changed articles' band keys and each band's keys sorted in tables in
temporary files (`index.sorted_tables`), and read a part at a time in id
order beside the old sidecar (`index.near_duplicates_file.Stored`), so an
update holds no memory by the article (`Run`). Pairs are proposed from
equal band keys (`candidates`) and verified on whole signatures hashed
again from stored text.
"""

from __future__ import annotations

import binascii
import hashlib
import itertools
import json
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any

from pressearch.index.minhash import BANDS, NUM_PERM, ROWS, signatures
from pressearch.index.near_duplicates_file import FINGERPRINT_BYTES, Pair, Stored
from pressearch.index.sorted_tables import Table, TableWriter, sort_rows
from pressearch.index.whoosh_internals.columns import column_values, each_value, joined_values
from pressearch.models import Article

if TYPE_CHECKING:
    import numpy as np

    from pressearch.index.minhash import Values

    Mask = np.ndarray[Any, np.dtype[np.bool_]]
    Keys = np.ndarray[Any, np.dtype[np.uint32]]
    Ids = np.ndarray[Any, np.dtype[np.bytes_]]
    Rows = np.ndarray[Any, np.dtype[np.integer[Any]]]
    Flags = np.ndarray[Any, np.dtype[np.uint8]]

# numpy is imported where it is used: asking for clusters from a current
# sidecar needs none of it.

# Candidate pairs verified at once: two signatures of 512 bytes each, 64 MB.
_VERIFY = 65536
# Rows read, matched, or written at once; changed articles' keys read at once
# (their bytes' places: 4 MB).
_ROWS = 65536
_KEY_ROWS = 4096
# A row's flags: it has band keys (signed); it is new or of a new text (changed).
_SIGNED, _CHANGED = 1, 2
# Changed rows whose keys are held to pick the rows that share one (16 MB of
# keys); past them, every signed row is sorted by key.
_ASKED_MAX = 1 << 22
# Segments whose whole id column is kept while pairs are named.
_ID_COLUMNS_KEPT = 8
# The tables' rows (numpy dtypes; numpy is imported only where it is used).
_SCANNED = [("id", "S16"), ("fingerprint", "S16"), ("leaf", "<u4"), ("doc", "<u4")]
_STATE = [*_SCANNED, ("old_key", "<i8"), ("flags", "u1")]
# A band's keys a column: reading one band then reads 4 bytes an article, not 128.
_KEYED = [("id", "S16"), *((f"band{b}", "<u4") for b in range(BANDS))]
_BANDED = [("key", ">u4"), ("member", "<u8")]  # member: row << 1 | changed
_COPIES = [("fingerprint", "S16"), ("row", "<u4")]


class Run:
    """One update over an open reader: the live articles, which changed, their band keys, the pairs.

    Rows are the live articles in the order of their ids' digests
    (`index.digests`), kept in a table in temporary files
    (`index.sorted_tables`): each row's id digest, text fingerprint,
    segment and document numbers, where its band keys are in the old
    sidecar, and whether it is signed and changed. The keys of the changed
    articles are read once from the index's `band_keys` column into a
    second table, by id digest; the others' stay in the old sidecar. Every
    step reads them a part at a time, in id order (`_band_parts`), and
    pairs are proposed from a band's keys sorted within a memory budget
    (`candidates`), so an update holds no memory by the article but a byte
    a document for the marks of the changed ones (`_match`), and the pairs.
    The signatures of the rows in proposed pairs are hashed from their
    stored text (`_signatures`), and an id is read as a string only for an
    article in a pair.
    """

    def __init__(self, leaves: list[Any], old: Stored | None, floor: float) -> None:
        self.leaves = leaves
        self.old = old
        self.floor = floor  # the least similarity a pair is kept at
        scanned = self._scan()
        try:
            state, changed_docs = self._match(scanned)
        finally:
            scanned.close()
        try:
            self.keyed = self._changed_keys(changed_docs)
            del changed_docs
            self.table = self._settle(state)
        finally:
            state.close()
        self.hashed: dict[int, Values | None] = {}  # rows in proposed pairs, hashed
        self._id_columns: dict[int, Sequence[bytes]] = {}

    def close(self) -> None:
        self.table.close()
        self.keyed.close()

    def _scan(self) -> Table:
        """Each live article's id digest, the fingerprint of its text hash, its leaf and
        document numbers, by id digest (index order among equal ones).

        Reads the columns segment by segment: a look-up by id per article
        would cost a term search in every segment.
        """
        import numpy as np

        from pressearch.index.digests import SIZE, digests_of

        writer = TableWriter(np.dtype(_SCANNED), ("id",))
        for number, leaf in enumerate(self.leaves):
            if not leaf.has_column("id"):
                continue  # an index with no article yet
            # Each column read at once: a read call per article costs ~20 times more.
            values = zip(each_value(leaf, "id"), each_value(leaf, "text_hash"), strict=True)
            deleted = leaf.has_deletions()
            last = leaf.doc_count_all() - 1
            ids, fingerprints, docs = bytearray(), bytearray(), array("I")
            for docnum, (raw_id, raw_hash) in enumerate(values):
                if not (deleted and leaf.is_deleted(docnum)):
                    ids += hashlib.blake2b(raw_id, digest_size=SIZE).digest()
                    fingerprints += _fingerprint(raw_hash)
                    docs.append(docnum)
                if len(docs) == _ROWS or docnum == last:
                    part = np.zeros(len(docs), dtype=_SCANNED)
                    part["id"], part["fingerprint"] = digests_of(ids), digests_of(fingerprints)
                    part["leaf"], part["doc"] = number, np.frombuffer(docs, dtype=np.uint32)
                    writer.append(part)
                    ids, fingerprints, docs = bytearray(), bytearray(), array("I")
        return writer.finish()

    def _match(self, scanned: Table) -> tuple[Table, list[Mask]]:
        """The rows, each id once (of two, the later in index order), matched with the
        old sidecar's: where their keys are in it, if their text is unchanged; marks
        the changed ones' documents, segment by segment."""
        import numpy as np

        writer = TableWriter(np.dtype(_STATE), ())
        changed_docs = [np.zeros(leaf.doc_count_all(), dtype=bool) for leaf in self.leaves]
        old = _OldRows(self.old)
        ids = scanned["id"]
        for start in range(0, len(scanned), _ROWS):
            stop = min(start + _ROWS, len(scanned))
            part = scanned.rows(start, stop, np.dtype(_STATE))
            later = ids[start + 1 : stop + 1]  # the next row's id, past the part too
            last = np.ones(len(part), dtype=bool)
            last[: len(later)] = part["id"][: len(later)] != later
            part = part[last]
            found, fingerprints, key_rows = old.match(part["id"])
            same = found & (fingerprints == part["fingerprint"])
            part["old_key"] = np.where(same, key_rows, -1)
            part["flags"] = np.where(same, 0, _CHANGED)
            changed = part[~same]
            for number in np.unique(changed["leaf"]).tolist():
                changed_docs[number][changed["doc"][changed["leaf"] == number]] = True
            writer.append(part)
            scanned.release()
        self.dropped = (self.old.head.articles if self.old else 0) - old.matched
        return writer.finish(), changed_docs

    def _changed_keys(self, changed_docs: list[Mask]) -> Table:
        """The band keys of the changed articles that are signed, by id digest, read from
        the index's `band_keys` column, segment by segment. The others are too short to
        sign, or damaged: such an article pairs with none."""
        import numpy as np

        from pressearch.index.digests import SIZE, digests_of

        writer = TableWriter(np.dtype(_KEYED), ("id",))
        for number, marks in enumerate(changed_docs):
            docs = np.flatnonzero(marks)
            joined = joined_values(self.leaves[number], "band_keys") if len(docs) else None
            if joined is None:  # a segment without it holds only articles too short
                continue
            lengths = np.asarray(joined[0], dtype=np.int64)
            docs = docs[lengths[docs] == BANDS * 4]
            if not len(docs):
                continue
            starts = (np.cumsum(lengths) - lengths)[docs]
            data = np.frombuffer(joined[1], dtype=np.uint8)
            wanted = np.zeros(len(lengths), dtype=bool)
            wanted[docs] = True
            # The column read at once, and only the wanted ids digested.
            raw_ids = compress(each_value(self.leaves[number], "id"), wanted.tolist())
            for first in range(0, len(docs), _KEY_ROWS):
                count = len(docs[first : first + _KEY_ROWS])
                part = np.zeros(count, dtype=_KEYED)
                part["id"] = digests_of(
                    b"".join(
                        hashlib.blake2b(raw, digest_size=SIZE).digest()
                        for raw in itertools.islice(raw_ids, count)
                    )
                )
                at = starts[first : first + count, None] + np.arange(BANDS * 4)
                keys = data[at].view("<u4").reshape(count, BANDS)
                for b in range(BANDS):
                    part[f"band{b}"] = keys[:, b]
                writer.append(part)
        return writer.finish()

    def _settle(self, state: Table) -> Table:
        """The rows with their flags settled: signed when their keys are the old
        sidecar's or the changed keys' table's."""
        import numpy as np

        writer = TableWriter(np.dtype(_STATE), ())
        keyed_ids = self.keyed["id"]
        taken = 0  # changed keys before the part: theirs are the next ones
        self.signed_count = self.changed_count = self.asking_count = 0
        for start in range(0, len(state), _ROWS):
            part = state.rows(start, start + _ROWS, np.dtype(_STATE))
            changed = (part["flags"] & _CHANGED) > 0
            changed_ids = part["id"][changed]
            window = keyed_ids[taken : taken + len(changed_ids)]
            at = np.minimum(np.searchsorted(window, changed_ids), max(len(window) - 1, 0))
            keyed = window[at] == changed_ids if len(window) else np.zeros(0, dtype=bool)
            signed = part["old_key"] >= 0
            signed[np.flatnonzero(changed)[keyed]] = True
            part["flags"] |= np.where(signed, _SIGNED, 0).astype(np.uint8)
            taken += int(np.count_nonzero(keyed))
            self.signed_count += int(np.count_nonzero(signed))
            self.changed_count += int(np.count_nonzero(changed))
            self.asking_count += int(np.count_nonzero(changed & signed))
            writer.append(part)
            state.release()
            self.keyed.release()
        return writer.finish()

    # -- Reading the rows a part at a time

    def _where(self, row: int) -> tuple[int, int]:
        """The leaf and document numbers of row `row`."""
        return int(self.table["leaf"][row]), int(self.table["doc"][row])

    def _id(self, row: int) -> str:
        """The id of row `row`, read from its segment's column."""
        number, docnum = self._where(row)
        column = self._id_columns.get(number)
        if column is None:
            if len(self._id_columns) >= _ID_COLUMNS_KEPT:
                self._id_columns.clear()
            column = column_values(self.leaves[number], "id")
            assert column is not None  # the scan found the row in this column
            self._id_columns[number] = column
        return column[docnum].decode("utf-8")

    def _band_parts(self, number: int) -> Iterator[tuple[int, Keys, Flags]]:
        """(first row, keys, flags) of band `number`, `_ROWS` rows at a time, in row order:
        the key of a row not signed is 0."""
        import numpy as np

        table, keyed = self.table, self.keyed[f"band{number}"]
        taken = 0  # changed keys before the part
        for start in range(0, len(table), _ROWS):
            flags = table["flags"][start : start + _ROWS].copy()
            old_keys = table["old_key"][start : start + _ROWS]
            keys = np.zeros(len(flags), dtype=np.uint32)
            reused = old_keys >= 0
            if self.old is not None and reused.any():
                wanted = old_keys[reused]
                first, stop = int(wanted[0]), int(wanted[-1]) + 1  # ascending with the rows
                keys[reused] = self.old.band(number, first, stop)[wanted - first]
            new = flags == _CHANGED | _SIGNED
            count = int(np.count_nonzero(new))
            keys[new] = keyed[taken : taken + count]
            taken += count
            table.release()
            self.keyed.release()
            yield start, keys, flags

    def body(self) -> Iterator[bytes]:
        """The sidecar's body (`index.near_duplicates_file`), a part at a time."""
        import numpy as np

        for name in ("id", "fingerprint"):
            for _, values in self.table.chunks(name, _ROWS):
                yield values.tobytes()
        for _, flags in self.table.chunks("flags", _ROWS):
            yield ((flags & _SIGNED) > 0).astype(np.uint8).tobytes()
        for number in range(BANDS):
            for _, keys, flags in self._band_parts(number):
                yield keys[(flags & _SIGNED) > 0].astype("<u4").tobytes()

    def _article(self, row: int) -> Article:
        number, docnum = self._where(row)
        return stored_article(self.leaves[number], docnum)

    def pairs(self) -> tuple[Pair, ...]:
        """The kept pairs: old ones between unchanged articles, and new ones.

        Short articles (no signature) pair only with their identical copies,
        chained in id order so that each set of copies is one cluster; those
        chains are made anew every time, so a removed copy never breaks a set.
        """
        import numpy as np

        old_pairs = self.old.head.pairs if self.old else ()
        kept = [
            pair for pair, both in zip(old_pairs, self._unchanged(old_pairs), strict=True) if both
        ]
        proposed = candidates(self._band_parts, self.asking_count, self.signed_count)
        kept.extend(self._verified(proposed))
        by_print = sort_rows(np.dtype(_COPIES), ("fingerprint",), self._unsigned())
        for rows in _groups(by_print, "fingerprint", "row"):
            ids = sorted(self._id(row) for row in rows.tolist())
            kept.extend(Pair(a, b, 1.0) for a, b in itertools.pairwise(ids))
        kept.sort(key=lambda pair: (pair.a, pair.b))
        return tuple(kept)

    def _unsigned(self) -> Iterator[Any]:
        """The fingerprint and row of each row not signed, a part at a time."""
        import numpy as np

        for start, flags in self.table.chunks("flags", _ROWS):
            unsigned = np.flatnonzero((flags & _SIGNED) == 0)
            part = np.zeros(len(unsigned), dtype=_COPIES)
            part["fingerprint"] = self.table["fingerprint"][start + unsigned]
            part["row"] = start + unsigned
            self.table.release()
            yield part

    def _unchanged(self, pairs: Sequence[Pair]) -> list[bool]:
        """Whether both articles of each of `pairs` are live, signed and unchanged."""
        import numpy as np

        from pressearch.index.digests import digest, digests_of

        if not pairs:
            return []
        ends = digests_of(b"".join(digest(pair.a) + digest(pair.b) for pair in pairs))
        ids = self.table["id"]
        at = np.searchsorted(ids, ends)
        inside = at < len(ids)
        held = np.zeros(len(ends), dtype=bool)
        held[inside] = (ids[at[inside]] == ends[inside]) & (
            self.table["flags"][at[inside]] == _SIGNED
        )
        self.table.release()
        both: list[bool] = (held[0::2] & held[1::2]).tolist()
        return both

    def _verified(self, candidates: list[tuple[int, int]]) -> Iterator[Pair]:
        """The proposed pairs (rows) with a band of equal values and at least `floor`."""
        import numpy as np

        for first in range(0, len(candidates), _VERIFY):
            chunk = candidates[first : first + _VERIFY]
            rows = sorted({row for pair in chunk for row in pair})
            matrix, usable = self._signatures(rows)
            place = {row: at for at, row in enumerate(rows)}
            one = np.array([place[a] for a, _ in chunk])
            other = np.array([place[b] for _, b in chunk])
            equal = matrix[one] == matrix[other]
            banded = equal.reshape(len(chunk), BANDS, ROWS).all(axis=2).any(axis=1)
            banded &= usable[one] & usable[other]
            counts = np.count_nonzero(equal, axis=1)
            for (a, b), band, count in zip(chunk, banded.tolist(), counts.tolist(), strict=True):
                estimate = count / NUM_PERM
                if band and estimate >= self.floor:
                    first_id, second_id = sorted((self._id(a), self._id(b)))
                    yield Pair(first_id, second_id, estimate)

    def _signatures(self, rows: list[int]) -> tuple[Values, Mask]:
        """The signatures of `rows`, and which are usable.

        Each is hashed from the article's stored text, once a run, in index
        order (stored fields are read in file order). That text is the one
        indexing took the band keys from, so its signature has those keys,
        unless the index's text and its columns disagree (damage): a row
        then too short to sign is not usable.
        """
        import numpy as np

        fresh = sorted((row for row in set(rows) if row not in self.hashed), key=self._where)
        self.hashed.update(zip(fresh, signatures(self._article(row) for row in fresh), strict=True))
        matrix = np.zeros((len(rows), NUM_PERM), dtype=np.uint32)
        usable = np.ones(len(rows), dtype=bool)
        for at, row in enumerate(rows):
            values = self.hashed[row]
            if values is None:
                usable[at] = False
            else:
                matrix[at] = values
        return matrix, usable


class _OldRows:
    """The old sidecar's articles, read a part at a time in id order, matched with ours."""

    def __init__(self, old: Stored | None) -> None:
        self._old = old
        self._count = old.head.articles if old else 0
        self._next = 0  # the first row not read yet
        self._signed_before = 0  # signed rows before it
        self._part: Any = None  # ids, fingerprints, key rows (-1: not signed) of a part read
        self.matched = 0

    def _read(self) -> bool:
        """Read the next part; False at the end."""
        import numpy as np

        if self._old is None or self._next >= self._count:
            self._part = None
            return False
        stop = min(self._next + _ROWS, self._count)
        ids, fingerprints, flags = self._old.rows(self._next, stop)
        before = self._signed_before + np.cumsum(flags) - flags
        self._part = (ids, fingerprints, np.where(flags, before, -1))
        self._signed_before += int(np.count_nonzero(flags))
        self._next = stop
        return True

    def match(self, ids: Ids) -> tuple[Mask, Ids, Rows]:
        """For each of `ids` (ascending, after those of the calls before): whether the old
        sidecar holds it, with which fingerprint, and its keys' row (-1: not signed)."""
        import numpy as np

        found = np.zeros(len(ids), dtype=bool)
        fingerprints = np.zeros(len(ids), dtype=ids.dtype)
        key_rows = np.full(len(ids), -1, dtype=np.int64)
        i = 0
        while i < len(ids):
            while self._part is None or self._part[0][-1] < ids[i]:
                if not self._read():
                    i = len(ids)  # the rest are new
                    break
            if self._part is None:
                break
            part_ids, part_prints, part_keys = self._part
            j = int(np.searchsorted(ids, part_ids[-1], side="right"))
            at = np.searchsorted(part_ids, ids[i:j])
            hit = part_ids[at] == ids[i:j]
            found[i:j] = hit
            fingerprints[i:j][hit] = part_prints[at[hit]]
            key_rows[i:j][hit] = part_keys[at[hit]]
            i = j
        self.matched += int(np.count_nonzero(found))
        return found, fingerprints, key_rows


def _groups(parts: Iterable[Any], key: str, value: str) -> Iterator[Any]:
    """The `value`s of each run of two rows or more with an equal `key`, in the order of
    `parts` (arrays of rows sorted by `key`, one after another)."""
    import numpy as np

    carry_keys: Any = None
    carry_values: Any = None
    for part in parts:
        keys, values = part[key], part[value]
        if carry_keys is not None:
            keys = np.concatenate((carry_keys, keys))
            values = np.concatenate((carry_values, values))
        if not len(keys):
            continue
        bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
        # The last run may go on in the next part.
        last = bounds[-2]
        carry_keys, carry_values = keys[last:], values[last:]
        begins, ends = bounds[:-2], bounds[1:-1]
        several = ends - begins > 1
        for begin, end in zip(begins[several].tolist(), ends[several].tolist(), strict=True):
            yield values[begin:end]
    if carry_values is not None and len(carry_values) > 1:
        yield carry_values


def candidates(
    band_parts: Callable[[int], Iterable[tuple[int, Keys, Flags]]], asking: int, signed: int
) -> list[tuple[int, int]]:
    """Row pairs (lower first, sorted) of signed rows with a changed row and an equal band key.

    Per band (`band_parts(b)`: each row's key and flags, a part at a time),
    the signed rows are sorted by key (in memory, or in a table past its
    budget: `index.sorted_tables.sort_rows`), and only keys held by two
    rows or more, one of them changed, make
    pairs: the banding of datasketch's `MinHashLSH(params=(BANDS, ROWS))`,
    over all rows at once in numpy (its in-memory index costs 0.35 ms an
    insertion), one band at a time. When few of the `signed` rows changed
    (`asking`, at most `_ASKED_MAX` and a quarter of them), only the rows
    that share a key with one of them are sorted.
    """
    import numpy as np

    found: set[tuple[int, int]] = set()
    for number in range(BANDS) if asking else ():
        asked = None
        if asking <= min(_ASKED_MAX, signed // 4):
            asked = np.unique(
                np.concatenate(
                    [keys[flags == _CHANGED | _SIGNED] for _, keys, flags in band_parts(number)]
                )
            )
        by_key = sort_rows(np.dtype(_BANDED), ("key",), _banded(band_parts(number), asked))
        for group in _groups(by_key, "key", "member"):
            members = (group >> 1).tolist()
            flags_of = (group & 1).tolist()
            for x, y in itertools.combinations(range(len(members)), 2):
                if flags_of[x] or flags_of[y]:
                    found.add((members[x], members[y]))
    return sorted(found)


def _banded(parts: Iterable[tuple[int, Keys, Flags]], asked: Keys | None) -> Iterator[Any]:
    """The key and member (row, and whether it changed) of each signed row of a band's
    `parts` whose key is among `asked` (None: any)."""
    import numpy as np

    for start, keys, flags in parts:
        chosen = (flags & _SIGNED) > 0
        if asked is not None and len(asked):
            at = np.minimum(np.searchsorted(asked, keys), len(asked) - 1)
            chosen &= asked[at] == keys
        rows = np.flatnonzero(chosen)
        part = np.zeros(len(rows), dtype=_BANDED)
        part["key"] = keys[rows]
        asks = (flags[rows] == _CHANGED | _SIGNED).astype(np.uint64)
        part["member"] = (start + rows).astype(np.uint64) << np.uint64(1) | asks
        yield part


def _fingerprint(text_hash: bytes) -> bytes:
    """The 16 bytes of a text hash's 32 hex digits (`index.schema.text_hash`).

    Any other value (no index of this schema holds one) is hashed to 16 bytes.
    """
    try:
        raw = binascii.unhexlify(text_hash)
    except ValueError:  # binascii.Error is one
        raw = b""
    if len(raw) == FINGERPRINT_BYTES:
        return raw
    return hashlib.blake2b(text_hash, digest_size=FINGERPRINT_BYTES).digest()


def stored_article(leaf: Any, docnum: int) -> Article:
    """The article stored as document `docnum` of segment `leaf`."""
    return Article.from_dict(json.loads(leaf.stored_fields(docnum)["record"]))
