"""Loaders for the judged IR test collections under `<data>/ir_collections/`.

Model: a `Collection` is documents (id, title, text), queries (id → text) and
binary relevance judgments (query id → document id → 1 relevant, 0 judged not
relevant). Each loader reads one collection's files as shipped (see
`../shared/data/README.md`) and `load` checks the counts against `EXPECTED`,
so a damaged or different copy of the data fails loudly instead of skewing
the figures. Ids are the collections' own numbers as decimal strings without
leading zeros ("01" → "1").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXPECTED",
    "LOADERS",
    "Collection",
    "DataError",
    "Document",
    "Expected",
    "load",
]


class DataError(Exception):
    """A collection folder or file is missing or does not read as documented."""


@dataclass(frozen=True)
class Document:
    """One judged document: its id, title (may be empty) and text (may be empty)."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Collection:
    """A test collection: documents, queries in file order, binary judgments."""

    name: str
    label: str
    documents: tuple[Document, ...]
    queries: Mapping[str, str]
    qrels: Mapping[str, Mapping[str, int]]

    @property
    def judged(self) -> dict[str, str]:
        """The queries with at least one relevant document, in file order."""
        return {
            qid: text
            for qid, text in self.queries.items()
            if any(rel > 0 for rel in self.qrels.get(qid, {}).values())
        }

    @property
    def relevant_pairs(self) -> int:
        """How many (query, document) pairs are judged relevant."""
        return sum(rel > 0 for docs in self.qrels.values() for rel in docs.values())


@dataclass(frozen=True)
class Expected:
    """The counts a collection must have (README of the data folder)."""

    documents: int
    queries: int
    judged: int
    relevant_pairs: int


# From ../shared/data/README.md; Cranfield's relevant pairs (grades 1-4, not
# stated there) counted from `cranqrel`: 1,837 lines, 225 of them grade -1.
EXPECTED: Mapping[str, Expected] = {
    "cisi": Expected(documents=1460, queries=112, judged=76, relevant_pairs=3114),
    "cran": Expected(documents=1400, queries=225, judged=225, relevant_pairs=1612),
    "cacm": Expected(documents=3204, queries=64, judged=52, relevant_pairs=796),
    "npl": Expected(documents=11429, queries=93, judged=93, relevant_pairs=2083),
}

# A SMART field line: `.I 12`, `.W`, `.K ` (CISI has trailing blanks).
_SMART_TAG = re.compile(r"^\.([A-Z])(?:\s+(.*?))?\s*$")
_SMART_TAGS = frozenset("ITAWBXNKC")


def _lines(path: Path) -> list[str]:
    """The lines of a data file; `splitlines` absorbs CISI's and Cranfield's CRLF."""
    try:
        return path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path} is missing: check the data folder") from None


def _norm_id(raw: str) -> str:
    return str(int(raw))


def _smart_records(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Parse a SMART file into (id, {tag: text}) in file order.

    A tag seen twice in one record (Cranfield 576 and 578 have two `.W`) has
    its parts joined.
    """
    records: list[tuple[str, dict[str, list[str]]]] = []
    tag: str | None = None
    for line in _lines(path):
        match = _SMART_TAG.match(line)
        if match and match.group(1) in _SMART_TAGS:
            tag, rest = match.group(1), match.group(2) or ""
            if tag == "I":
                records.append((rest, {}))
                tag = None
            else:
                if not records:
                    raise DataError(f"{path}: field .{tag} before the first .I")
                fields = records[-1][1].setdefault(tag, [])
                if rest:
                    fields.append(rest)
            continue
        if tag is not None:
            records[-1][1][tag].append(line)
    return [
        (rid, {t: "\n".join(parts).strip() for t, parts in fields.items()})
        for rid, fields in records
    ]


def _smart_documents(path: Path) -> tuple[Document, ...]:
    return tuple(
        Document(id=_norm_id(rid), title=fields.get("T", ""), text=fields.get("W", ""))
        for rid, fields in _smart_records(path)
    )


def _smart_queries(path: Path) -> dict[str, str]:
    return {_norm_id(rid): fields.get("W", "") for rid, fields in _smart_records(path)}


def _column_qrels(path: Path) -> dict[str, dict[str, int]]:
    """`qid docid ...` lines, every listed pair relevant (CISI, CACM)."""
    qrels: dict[str, dict[str, int]] = {}
    for line in _lines(path):
        parts = line.split()
        if parts:
            qrels.setdefault(_norm_id(parts[0]), {})[_norm_id(parts[1])] = 1
    return qrels


def _slash_records(path: Path) -> Iterator[list[str]]:
    """NPL records: lines up to a line holding only `/`, blank lines dropped."""
    record: list[str] = []
    for line in _lines(path):
        if line.strip() == "/":
            if record:
                yield record
            record = []
        elif line.strip():
            record.append(line)
    if record:
        raise DataError(f"{path}: last record has no closing '/'")


def load_cisi(folder: Path) -> Collection:
    """CISI: `CISI.ALL`, `CISI.QRY` (text of `.W`), `CISI.REL`."""
    return Collection(
        name="cisi",
        label="CISI",
        documents=_smart_documents(folder / "CISI.ALL"),
        queries=_smart_queries(folder / "CISI.QRY"),
        qrels=_column_qrels(folder / "CISI.REL"),
    )


def load_cran(folder: Path) -> Collection:
    """Cranfield: `cranqrel` numbers queries 1..225 in file order, not by `.I`.

    Grades 1 (complete answer) to 4 (minimum interest) are relevant; -1 is
    judged not relevant.
    """
    queries = {
        str(n): fields.get("W", "")
        for n, (_, fields) in enumerate(_smart_records(folder / "cran.qry"), start=1)
    }
    qrels: dict[str, dict[str, int]] = {}
    for line in _lines(folder / "cranqrel"):
        parts = line.split()
        if parts:
            qrels.setdefault(_norm_id(parts[0]), {})[_norm_id(parts[1])] = int(int(parts[2]) > 0)
    return Collection(
        name="cran",
        label="Cranfield",
        documents=_smart_documents(folder / "cran.all.1400"),
        queries=queries,
        qrels=qrels,
    )


def load_cacm(folder: Path) -> Collection:
    """CACM: `cacm.all` (1,617 documents have only a title), `query.text`, `qrels.text`."""
    return Collection(
        name="cacm",
        label="CACM",
        documents=_smart_documents(folder / "cacm.all"),
        queries=_smart_queries(folder / "query.text"),
        qrels=_column_qrels(folder / "qrels.text"),
    )


def load_npl(folder: Path) -> Collection:
    """NPL: `doc-text`, `query-text` (upper case), `rlv-ass`; no titles."""
    documents = tuple(
        Document(id=_norm_id(rec[0]), title="", text="\n".join(rec[1:]).strip())
        for rec in _slash_records(folder / "doc-text")
    )
    queries = {
        _norm_id(rec[0]): " ".join(rec[1:]).strip() for rec in _slash_records(folder / "query-text")
    }
    qrels = {
        _norm_id(rec[0]): {_norm_id(d): 1 for line in rec[1:] for d in line.split()}
        for rec in _slash_records(folder / "rlv-ass")
    }
    return Collection(name="npl", label="NPL", documents=documents, queries=queries, qrels=qrels)


# name → (folder under ir_collections/, loader)
LOADERS: Mapping[str, tuple[str, Callable[[Path], Collection]]] = {
    "cisi": ("cisi", load_cisi),
    "cran": ("cran", load_cran),
    "cacm": ("cacm", load_cacm),
    "npl": ("npl", load_npl),
}


def load(name: str, data_dir: Path) -> Collection:
    """Load collection `name` from `data_dir/ir_collections/` and check its counts."""
    folder_name, loader = LOADERS[name]
    folder = data_dir / "ir_collections" / folder_name
    if not folder.is_dir():
        raise DataError(f"{folder} not found: check --data or $PRESSEARCH_DATA")
    collection = loader(folder)
    expected = EXPECTED[name]
    found = Expected(
        documents=len(collection.documents),
        queries=len(collection.queries),
        judged=len(collection.judged),
        relevant_pairs=collection.relevant_pairs,
    )
    if found != expected:
        raise DataError(f"{folder}: expected {expected}, found {found}")
    ids = [doc.id for doc in collection.documents]
    if len(set(ids)) != len(ids):
        raise DataError(f"{folder}: duplicate document ids")
    return collection
