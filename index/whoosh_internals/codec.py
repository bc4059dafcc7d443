"""pressearch's Whoosh codec and segment writer: Whoosh's W3, with postings written in bulk.

Model: `PressCodec` is Whoosh's W3 codec (per-document columns, stored
fields, lengths and compound segments unchanged) whose terms and postings
are written and read in the layouts of `terms` and `postings`. `PressWriter`
is Whoosh's segment writer with a `pool.TermPool` in place of its posting
pool: a document's postings go to their terms field by field, a merged
segment's postings term by term and block by block (when the segment read
is of this codec), and writing the segment encodes each term once, in a
loop over terms rather than over postings. A segment of this codec reads
through Whoosh's ordinary readers, searchers and matchers.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, _lenfield
from whoosh.system import pack_uint
from whoosh.util.text import utf8encode
from whoosh.writing import SegmentWriter

from pressearch.index.whoosh_internals.columns import STORED_COLUMN
from pressearch.index.whoosh_internals.pool import GroupedPostings, TermPool
from pressearch.index.whoosh_internals.postings import PressLeafMatcher, TermEncoder
from pressearch.index.whoosh_internals.terms import PressTermsReader, TermTableWriter


def perdoc_length_bytes(perdoc: Any, fieldname: str, count: int) -> bytes:
    """Each document's length byte of `fieldname` from a per-document reader (0: none)."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = b"" if column is None else column._dbfile.get(column._basepos, min(column._count, count))
    return bytes(raw) + bytes(count - len(raw))


class PressCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec with the term dictionary and postings of this package."""

    def field_writer(self, storage: Any, segment: Any) -> PressFieldWriter:
        return PressFieldWriter(storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        raise NotImplementedError("postings are written by PressFieldWriter")

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        raise NotImplementedError("postings are read by PressTermsReader.matcher")

    def per_document_reader(self, storage: Any, segment: Any) -> PressPerDocReader:
        return PressPerDocReader(storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> PressTermsReader:
        name = segment.make_filename(self.TERMS_EXT)
        tifile = storage.open_file(name)
        try:
            postfile = segment.open_file(storage, self.POSTS_EXT)
        except BaseException:
            tifile.close()
            raise
        try:
            return PressTermsReader(
                tifile, storage.file_length(name), postfile, segment.doc_count_all()
            )
        except BaseException:
            tifile.close()
            postfile.close()
            raise


class PressPerDocReader(W3PerDocReader):  # type: ignore[misc]
    """Whoosh's W3 per-document reader, its stored fields read through `columns.STORED_COLUMN`:
    a segment's first stored document costs no Python loop over its documents."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        values: dict[str, Any] | None = self._cached_reader("_stored", STORED_COLUMN)[docnum]
        return {} if values is None else values


class PressFieldWriter:
    """Writes a segment's term dictionary and postings from a `TermPool`'s terms."""

    def __init__(self, storage: Any, segment: Any) -> None:
        self._table = TermTableWriter(segment.create_file(storage, W3Codec.TERMS_EXT))
        self._postfile = segment.create_file(storage, W3Codec.POSTS_EXT)
        self._encoder = TermEncoder(self._postfile)
        self.is_closed = False

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Write every term of `items` (a pool's `GroupedPostings`), field by field."""
        if not isinstance(items, GroupedPostings):
            raise TypeError("PressCodec writes the postings of a TermPool (use PressWriter)")
        count = lengths.doc_count_all()
        table = self._table
        add = table.add
        encode = self._encoder.encode
        for fieldname, terms in items.pool.grouped():
            lens = perdoc_length_bytes(lengths, fieldname, count)
            table.start_field(fieldname)
            for text, postings in terms:
                add(text, encode(postings, lens))
            table.finish_field()

    def close(self) -> None:
        self._encoder.flush()
        self._postfile.close()
        self._table.close()
        self.is_closed = True


class PressWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, writing a `PressCodec` segment through a `TermPool`."""

    def __init__(self, ix: Any, limitmb: float, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, codec=PressCodec(), **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)

    def add_document(self, **fields: Any) -> None:
        """Whoosh's `SegmentWriter.add_document`, passing each field's postings at once."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    items = field.index(value)
                    length = pool.add_terms(fieldname, docnum, items, boost, field.scorable)
                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(fieldname)
                    for word in field.spellable_words(value):
                        pool.add((spellfield, utf8encode(word)[0], 0, 1, pack_uint(1)))
                if field.vector:
                    raise NotImplementedError("term vectors are not written by PressWriter")
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        """Add the postings of segment `reader`, renumbered, term by term."""
        schema = self.schema
        pool = self.pool
        for fieldname, text in reader.all_terms():
            if fieldname not in schema:
                continue
            matcher = reader._terms.matcher(fieldname, text, schema[fieldname].format)
            postings: list[Any] = []
            for ids, weights, values in _blocks(matcher):
                if docmap is None:
                    keep: Any = range(len(ids))
                    renumbered = [startdoc + i for i in ids]
                else:  # deleted documents are not in the map
                    keep = [k for k, i in enumerate(ids) if i in docmap]
                    renumbered = [docmap[ids[k]] for k in keep]
                flat: list[Any] = [None] * (3 * len(keep))
                flat[0::3] = renumbered
                flat[1::3] = [weights[k] for k in keep]
                flat[2::3] = [b"" if values[k] is None else values[k] for k in keep]
                postings += flat
            if postings:
                pool.add_postings(fieldname, text, postings)


def _blocks(matcher: Any) -> Any:
    """(ids, weights, values) of each block of a leaf matcher, deleted documents included."""
    if isinstance(matcher, PressLeafMatcher):
        while matcher.is_active():
            matcher._read_values()
            yield matcher._ids, matcher._weights, matcher._values
            matcher._next_block()
        return
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    yield ids, weights, values
