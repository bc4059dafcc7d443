"""index.whoosh_internals' codec: segments read exactly as Whoosh's W3 codec wrote them.

The same documents are written by Whoosh's own segment writer (W3 codec)
and by `segment_writer` (pressearch's codec, postings pooled by term,
spilled to runs when the budget is small); everything a search can read —
each term's frequencies and term info, each posting's document, weight and
positions, each block's statistics — must be equal. Damage to a posting
block or to the term dictionary is found when it is read.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import whoosh.index
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import CorruptIndexError, TermNotFound

from pressearch.index.schema import PressText, build_schema, facet_field, join_values
from pressearch.index.whoosh_internals import (
    PressPositions,
    encode_positions,
    post_word_counts,
    posting_blocks,
    prefix_weights,
    segment_of,
    segment_writer,
    terms,
    unmapped_segment_reader,
)
from pressearch.index.whoosh_internals.positions import short_varints, varint
from pressearch.index.whoosh_internals.postings import BLOCK_LIMIT

WORDS = [f"w{i}" for i in range(400)] + ["the", "and", "of", "COVID-19", "O'Brien", "4.5"]


def documents(count: int, seed: int) -> list[dict[str, Any]]:
    """Documents of Zipf-like words: rare words in one, common ones in hundreds."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    docs = []
    for i in range(count):
        body = " ".join(rng.choices(WORDS, weights, k=rng.randint(0, 300)))
        doc: dict[str, Any] = {
            "id": f"doc-{i}",
            "path": f"/archive/{i % 7}.md",
            "headline": " ".join(rng.choices(WORDS, weights, k=rng.randint(1, 8))),
            "body": body,
            "role": rng.choice(["", "chief of staff", "director"]),
            "date": dt.datetime(2000 + i % 20, 1 + i % 12, 1 + i % 28),
            facet_field("crime_area"): join_values(rng.sample(["Fraud", "Cybercrime", "Drugs"], 2)),
            "record": f'{{"id": "doc-{i}"}}',
        }
        docs.append({name: value for name, value in doc.items() if value})
    return docs


def write(folder: Path, docs: list[dict[str, Any]], press: bool, limitmb: float = 64) -> Any:
    """An index of `docs` in one segment, its spelling words counted as `index.segments` does."""
    folder.mkdir(parents=True)
    ix = whoosh.index.create_in(str(folder), build_schema())
    # Whoosh's codec with blocks as long as ours (its default is 128).
    writer = segment_writer(ix, limitmb) if press else ix.writer(codec=W3Codec(BLOCK_LIMIT))
    spelling = {
        name: field
        for name, field in writer.schema.items()
        if isinstance(field, PressText) and field.separate_spelling()
    }
    for field in spelling.values():
        field.spelling_counts = Counter()
    for doc in docs:
        writer.add_document(**doc)
    for name, field in spelling.items():
        post_word_counts(writer, field.spelling_fieldname(name), field.spelling_counts)
        field.spelling_counts = None
    writer.commit(merge=False)
    return whoosh.index.open_dir(str(folder))


def dump(ix: Any) -> dict[tuple[str, bytes], Any]:
    """Everything a search reads of each term, block by block."""
    out: dict[tuple[str, bytes], Any] = {}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            totals = (
                info.doc_frequency(),
                info.weight(),
                info.max_weight(),
                info.min_length(),
                info.max_length(),
                info.min_id(),
                info.max_id(),
                reader.doc_frequency(fieldname, text),
                reader.frequency(fieldname, text),
            )
            field = reader.schema[fieldname]
            positions = field.format.supports("positions")
            m = reader.postings(fieldname, text)
            blocks = []
            while m.is_active():
                stats = (
                    m.block_min_id(),
                    m.block_max_id(),
                    m.block_max_weight(),
                    m.block_min_length(),
                    m.block_max_length(),
                )
                postings = []
                while True:
                    value = m.value_as("positions") if positions else m.value()
                    postings.append((m.id(), m.weight(), value))
                    if m.next():  # the block ended
                        break
                blocks.append((stats, postings))
            out[(fieldname, text)] = (totals, blocks)
    return out


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return documents(1_600, seed=5)  # the commonest words fill three blocks or more


@pytest.fixture(scope="module")
def w3(tmp_path_factory: pytest.TempPathFactory, docs: list[dict[str, Any]]) -> Any:
    return dump(write(tmp_path_factory.mktemp("w3") / "ix", docs, press=False))


def test_a_segment_reads_as_the_w3_codec_wrote_it(
    tmp_path: Path, docs: list[dict[str, Any]], w3: Any
) -> None:
    ours = dump(write(tmp_path / "ix", docs, press=True))
    assert ours.keys() == w3.keys()
    assert ours == w3
    # The layouts met: one-posting terms, short terms inline, several blocks.
    dfs = {totals[0] for totals, _ in ours.values()}
    assert {1, 2, 3} <= dfs
    assert max(len(blocks) for _, blocks in ours.values()) >= 3


def test_stored_fields_read_as_whoosh_reads_them(
    tmp_path: Path, docs: list[dict[str, Any]]
) -> None:
    # A segment of at most 32,768 documents: the stored column's offsets are added up on reading.
    ix = write(tmp_path / "ix", docs, press=True)
    with ix.reader() as reader:
        (leaf,) = [leaf for leaf, _ in reader.leaf_readers()]
        assert type(leaf._perdoc).__name__ == "PressPerDocReader"
        whoosh_own = W3PerDocReader(leaf._storage, leaf._segment)
        stored = [leaf.stored_fields(d) for d in range(leaf.doc_count_all())]
        assert stored == [whoosh_own.stored_fields(d) for d in range(leaf.doc_count_all())]
        assert [fields["id"] for fields in stored] == [doc["id"] for doc in docs]
        whoosh_own.close()


def test_spilled_runs_give_the_same_segment(
    tmp_path: Path, docs: list[dict[str, Any]], w3: Any
) -> None:
    # A budget of 0.2 MB spills the pool to several runs, merged term by term.
    assert dump(write(tmp_path / "ix", docs, press=True, limitmb=0.2)) == w3


def test_blocks_holding_no_wanted_document_are_left_unread(
    tmp_path: Path, docs: list[dict[str, Any]]
) -> None:
    ix = write(tmp_path / "ix", docs, press=True)
    with ix.reader() as reader:
        ((leaf, _),) = reader.leaf_readers()
        every = list(posting_blocks(leaf.postings("body", b"w0")))
        assert len(every) >= 3 and max(len(ids) for ids, _, _ in every) == BLOCK_LIMIT
        postings = [p for ids, weights, _ in every for p in zip(ids, weights, strict=True)]
        rng = random.Random(3)
        for size in (1, 3, 40, 900):
            wanted = set(rng.sample(range(leaf.doc_count_all()), size))
            read = list(posting_blocks(leaf.postings("body", b"w0"), wanted=sorted(wanted)))
            # Only blocks holding a wanted document, each whole: every wanted posting.
            assert all(wanted.intersection(ids) for ids, _, _ in read)
            assert all(len(ids) == len(weights) for ids, weights, _ in read)
            got = [p for ids, weights, _ in read for p in zip(ids, weights, strict=True)]
            assert [p for p in got if p[0] in wanted] == [p for p in postings if p[0] in wanted]
            assert len(read) <= size  # a block read holds one of them at least
        for ids, _, _ in every:  # a block's first and last documents, alone
            for edge in (ids[0], ids[-1]):
                read = list(posting_blocks(leaf.postings("body", b"w0"), wanted=[edge]))
                assert [block_ids for block_ids, _, _ in read] == [ids]


def test_a_merge_reads_as_a_w3_merge(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    def merged(folder: Path, press: bool) -> Any:
        ix = write(folder, docs, press=press)
        writer = ix.writer()
        for docnum in range(0, len(docs), 3):
            writer.delete_document(docnum)
        writer.commit(merge=False)
        ix = whoosh.index.open_dir(str(folder))
        with ix.reader() as reader:
            ((leaf, _),) = reader.leaf_readers()
            segment = segment_of(leaf)
        target = folder.parent / f"{folder.name}-merged"
        target.mkdir()
        out = whoosh.index.create_in(str(target), build_schema())
        writer = segment_writer(out, 64) if press else out.writer(codec=W3Codec(BLOCK_LIMIT))
        reader = unmapped_segment_reader(str(folder), ix.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
        writer.commit(merge=False)
        return dump(whoosh.index.open_dir(str(target)))

    ours = merged(tmp_path / "press", press=True)
    assert ours == merged(tmp_path / "w3", press=False)
    assert ours[("id", b"doc-1")][0][0] == 1
    assert ("id", b"doc-0") not in ours  # deleted, and left out of the merge


def test_terms_are_walked_and_found_as_whoosh_finds_them(
    tmp_path: Path, docs: list[dict[str, Any]]
) -> None:
    press = write(tmp_path / "press", docs, press=True)
    w3 = write(tmp_path / "w3", docs, press=False)
    with press.reader() as ours, w3.reader() as theirs:
        assert sorted(ours.indexed_field_names()) == sorted(theirs.indexed_field_names())
        for fieldname, prefix in [
            ("body", b"w1"),
            ("body", b"zz"),
            ("headline", b""),
            ("id", b"d"),
        ]:
            assert list(ours.expand_prefix(fieldname, prefix)) == list(
                theirs.expand_prefix(fieldname, prefix)
            )
            assert (
                list(ours.terms_from(fieldname, prefix))[:50]
                == list(theirs.terms_from(fieldname, prefix))[:50]
            )
        assert ("body", b"w3") in ours
        assert ("body", b"w3x") not in ours
        assert ours.frequency("body", b"w3x") == 0
        with pytest.raises(TermNotFound):
            ours.term_info("body", b"w3x")
        with pytest.raises(TermNotFound):
            ours.postings("body", b"w3x")
        for word in ["w1", "w10", "w399", "zzz"]:
            assert list(ours.terms_within("body", word, 1)) == list(
                theirs.terms_within("body", word, 1)
            )


@pytest.mark.parametrize("kept_first_terms", [0, 3, 4096])
def test_a_prefix_gives_its_words_and_weights_as_whoosh_reads_them(
    tmp_path: Path,
    docs: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    kept_first_terms: int,
) -> None:
    # However few blocks' first terms a dictionary keeps, searches find the same terms.
    monkeypatch.setattr(terms, "_KEPT_FIRST_TERMS", kept_first_terms)
    press = write(tmp_path / "press", docs, press=True)
    w3 = write(tmp_path / "w3", docs, press=False)
    with press.reader() as ours, w3.reader() as theirs:
        for fieldname, prefix in [
            ("body", "w1"),
            ("body", "w39"),
            ("body", "zz"),
            ("body", ""),
            ("headline", "o'"),
            ("headline", "4"),
        ]:
            expected = [
                (text.decode("utf-8"), info.weight())
                for text, info in theirs.iter_prefix(fieldname, prefix)
            ]
            assert list(prefix_weights(ours, fieldname, prefix)) == expected
            assert list(prefix_weights(theirs, fieldname, prefix)) == expected
        assert len(list(prefix_weights(ours, "body", "w1"))) == 111  # w1, w10-w19, w100-w199


def segment_part(folder: Path, suffix: str) -> tuple[Path, int, int]:
    """The compound segment file, and the offset and length of its part `suffix`."""
    (path,) = folder.glob("*.seg")
    storage = CompoundStorage(FileStorage(str(folder)).open_file(path.name), use_mmap=False)
    try:
        (part,) = [info for name, info in storage._dir.items() if name.endswith(suffix)]
    finally:
        storage.close()
    return path, part["offset"], part["length"]


def read_everything(ix: Any) -> None:
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            list(reader.postings(fieldname, text).items_as("weight"))


@pytest.mark.parametrize("suffix", [".pst", ".trm"])
def test_a_changed_byte_is_found_when_read(
    tmp_path: Path, docs: list[dict[str, Any]], suffix: str
) -> None:
    folder = tmp_path / "ix"
    write(folder, docs, press=True)
    path, offset, length = segment_part(folder, suffix)
    data = bytearray(path.read_bytes())
    data[offset + length // 3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError):
        read_everything(whoosh.index.open_dir(str(folder)))


@pytest.mark.parametrize(
    "positions",
    [
        [0],
        [5],
        [127],
        [128],
        [300],
        [0, 1, 2],
        [3, 200, 201, 20_000, 2_000_000],
        list(range(0, 4000, 7)),
    ],
)
def test_positions_decode_as_encoded(positions: list[int]) -> None:
    fmt = PressPositions(field_boost=2.0)
    value = encode_positions(positions)
    assert fmt.encode(positions) == value
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == 2.0 * len(positions)
    assert fmt.decode_position_boosts(value) == [(p, 1.0) for p in positions]
    assert len(value) <= 4 * len(positions)


def test_the_table_of_short_varints_holds_each_number_encoded() -> None:
    assert short_varints() == [varint(n) for n in range(1 << 14)]
    assert varint(1 << 14) == b"\x80\x80\x01"  # the first number past the table


def test_positions_combine_into_their_union() -> None:
    fmt = PressPositions()
    combined = fmt.combine([encode_positions([1, 300]), encode_positions([2, 300, 4000])])
    assert fmt.decode_positions(combined) == [1, 2, 300, 4000]
