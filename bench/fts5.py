"""The SQLite FTS5 baseline: the same articles and queries in a stdlib search engine.

Model: one FTS5 table `docs(headline, body, quotes, speaker, role)` with the
`porter unicode61 remove_diacritics 2` tokenizer (stemming, case and accent
folding; no stop words), ranked by `bm25()` with pressearch's field weights
(stored in the database as the table's `rank`, so queries need no
configuration); `meta(rowid, id, path, url, date, type, source)` for display
and date ranges; `facets(doc, facet, value)`, one row per facet value of an
article (taxonomy plus year, month, type, source), counted with SQL. A search
returns the total, the top hits with a highlighted headline and a body
`snippet()` when asked, and facet counts over every match, like pressearch.

This module imports nothing outside the standard library at query time, so
`python -m bench.fts5 query` measures a cold FTS5 search fairly.

    python -m bench.fts5 build DB ARCHIVE_DIR [--manifest FILE]   # prints JSON stats
    python -m bench.fts5 query DB WORD... [--limit 10]           # a one-off AND search
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pressearch.models import Article

COLUMNS = ("headline", "body", "quotes", "speaker", "role")
TOKENIZER = "porter unicode61 remove_diacritics 2"
SUFFIXES = (".md", ".markdown", ".jsonl", ".txt")
# FTS5 query-language words that must never appear unquoted.
KEYWORDS = frozenset({"and", "or", "not", "near"})


def term(word: str) -> str:
    """One word as an FTS5 string (quoted, so that `and` or `near` stay words)."""
    return '"' + word.replace('"', '""') + '"'


def all_of(words: Sequence[str]) -> str:
    return " AND ".join(term(w) for w in words)


def any_of(words: Sequence[str]) -> str:
    return " OR ".join(term(w) for w in words)


def phrase(words: Sequence[str]) -> str:
    return term(" ".join(words))


def in_column(column: str, word: str) -> str:
    return f"{column} : {term(word)}"


def prefix(stem: str) -> str:
    """A prefix query. FTS5 runs the prefix through its stemmer first (`analy*`
    becomes `anali*`), so pick prefixes that `tokens` leaves unchanged."""
    return term(stem) + "*"


def tokens(words: Sequence[str]) -> list[str]:
    """Each word as FTS5's tokenizer indexes it (stemmed), in order."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(words, start=1))
    by_row = dict(conn.execute("SELECT doc, term FROM v"))
    conn.close()
    return [by_row.get(i, "") for i in range(1, len(words) + 1)]


@dataclass(frozen=True)
class FtsQuery:
    """An FTS5 MATCH expression with pressearch's filters: facet values and dates."""

    match: str
    filters: tuple[tuple[str, str], ...] = ()
    since: str | None = None  # ISO dates, inclusive
    until: str | None = None


@dataclass(frozen=True)
class FtsHit:
    rowid: int
    id: str
    date: str | None
    headline: str
    snippet: str | None


@dataclass(frozen=True)
class FtsResult:
    total: int
    hits: list[FtsHit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildStats:
    articles: int
    seconds: float
    read_seconds: float  # reading and parsing the files (inside `seconds`)
    source: str  # what produced the articles: "index.parse", "jsonl" or "manifest"


def _weights() -> str:
    # pressearch's BM25F field weights, so both engines rank by the same fields.
    from pressearch.vocabulary import TEXT_FIELDS

    return ", ".join(str(TEXT_FIELDS[c]) for c in COLUMNS)


def create(db_path: Path) -> sqlite3.Connection:
    """A new, empty baseline database at `db_path` (replacing any old one)."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(
        f"""
        CREATE VIRTUAL TABLE docs USING fts5({", ".join(COLUMNS)}, tokenize='{TOKENIZER}');
        INSERT INTO docs(docs, rank) VALUES ('rank', 'bm25({_weights()})');
        CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, path TEXT, url TEXT,
                          date TEXT, type TEXT, source TEXT);
        CREATE TABLE facets(doc INTEGER, facet TEXT, value TEXT);
        """
    )
    return conn


def build(db_path: Path, articles: Iterable[Article], batch: int = 2000) -> int:
    """Index `articles` into a new database in one transaction; returns the count."""
    conn = create(db_path)
    count = 0
    docs: list[tuple[object, ...]] = []
    metas: list[tuple[object, ...]] = []
    facets: list[tuple[int, str, str]] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO docs(rowid, headline, body, quotes, speaker, role) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            docs,
        )
        conn.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?)", metas)
        conn.executemany("INSERT INTO facets VALUES (?, ?, ?)", facets)
        docs.clear()
        metas.clear()
        facets.clear()

    with conn:
        for article in articles:
            count += 1
            docs.append(
                (
                    count,
                    article.headline,
                    article.body,
                    "\n\n".join(q.text for q in article.quotes),
                    "\n".join(s.name for s in article.speakers),
                    "\n".join(s.role for s in article.speakers),
                )
            )
            date = article.date.isoformat() if article.date else None
            metas.append(
                (count, article.id, article.path, article.url, date, article.type, article.source)
            )
            facets.extend(
                (count, name, value)
                for name, values in article.facets().items()
                for value in values
            )
            if len(docs) >= batch:
                flush()
        flush()
        conn.executescript(
            """
            CREATE INDEX facets_by_value ON facets(facet, value, doc);
            CREATE INDEX facets_by_doc ON facets(doc, facet, value);
            CREATE INDEX meta_by_date ON meta(date);
            """
        )
    conn.close()
    return count


def archive_files(root: Path) -> Iterator[Path]:
    """The files under `root` that pressearch would read, in path order, one folder
    listed at a time (at 1,000,000 files a full list would take hundreds of MB)."""
    entries = sorted(os.scandir(root), key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir():
            yield from archive_files(Path(entry.path))
        elif entry.is_file() and os.path.splitext(entry.name)[1] in SUFFIXES:
            yield Path(entry.path)


def read_archive(root: Path, manifest: Path | None = None) -> tuple[Iterator[Article], str]:
    """The articles under `root` and where they come from.

    pressearch's own reader (`index.parse.read_file`) when it exists, so that
    both engines index exactly the same articles and both pay for parsing;
    else JSON Lines files read as `Article` dicts, or the generator's manifest.
    """
    from pressearch.models import Article

    try:
        from pressearch.index.ingest import read_file
    except ImportError:
        pass
    else:

        def parsed() -> Iterator[Article]:
            for path in archive_files(root):
                yield from read_file(path, root).articles

        return parsed(), "index.parse"

    def from_lines(paths: Sequence[Path]) -> Iterator[Article]:
        for path in paths:
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        yield Article.from_dict(json.loads(line))

    files = list(archive_files(root))  # without pressearch's reader only: small archives
    if files and all(p.suffix == ".jsonl" for p in files):
        return from_lines(files), "jsonl"
    if manifest is None:
        raise SystemExit("index.parse is missing: pass --manifest with the generator's truth")
    return from_lines([manifest]), "manifest"


def build_archive(db_path: Path, root: Path, manifest: Path | None = None) -> BuildStats:
    """Read the archive under `root` and build the baseline database from it."""
    start = time.perf_counter()
    articles, source = read_archive(root, manifest)
    read_seconds = 0.0

    def timed() -> Iterator[Article]:
        nonlocal read_seconds
        while True:
            t0 = time.perf_counter()
            try:
                article = next(articles)
            except StopIteration:
                return
            finally:
                read_seconds += time.perf_counter() - t0
            yield article

    count = build(db_path, timed())
    return BuildStats(count, time.perf_counter() - start, read_seconds, source)


class Searcher:
    """One open connection to a baseline database, reused for every query."""

    def __init__(self, db_path: Path) -> None:
        if not db_path.exists():
            raise FileNotFoundError(f"no FTS5 database at {db_path}: run `build` first")
        self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def close(self) -> None:
        self.conn.close()

    def _where(self, query: FtsQuery) -> tuple[str, list[object]]:
        clauses = ["docs MATCH ?"]
        params: list[object] = [query.match]
        by_facet: dict[str, list[str]] = {}
        for name, value in query.filters:
            by_facet.setdefault(name, []).append(value)
        # Values of one facet are OR'd, facets AND'd, as in pressearch. The unary
        # `+` keeps SQLite from handing the rowid list to FTS5, which would re-run
        # the MATCH once per listed rowid (50-100x slower).
        for name, values in by_facet.items():
            marks = ", ".join("?" * len(values))
            clauses.append(
                f"+docs.rowid IN (SELECT doc FROM facets WHERE facet = ? AND value IN ({marks}))"
            )
            params += [name, *values]
        if query.since or query.until:
            clauses.append("+docs.rowid IN (SELECT rowid FROM meta WHERE date >= ? AND date <= ?)")
            params += [query.since or "0000-00-00", query.until or "9999-99-99"]
        return " AND ".join(clauses), params

    def search(
        self,
        query: FtsQuery,
        *,
        facets: Sequence[str] = (),
        snippets: bool = True,
        limit: int = 10,
    ) -> FtsResult:
        where, params = self._where(query)
        conn = self.conn
        total = conn.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]
        if snippets:
            columns = "rowid, highlight(docs, 0, '[', ']'), snippet(docs, 1, '[', ']', '…', 24)"
        else:
            columns = "rowid, headline, NULL"
        rows = conn.execute(
            f"SELECT {columns} FROM docs WHERE {where} ORDER BY rank LIMIT ?", [*params, limit]
        ).fetchall()
        meta = {
            rowid: (doc_id, date)
            for rowid, doc_id, date in conn.execute(
                f"SELECT rowid, id, date FROM meta WHERE rowid IN ({', '.join('?' * len(rows))})",
                [r[0] for r in rows],
            )
        }
        hits = [FtsHit(r[0], *meta[r[0]], headline=r[1], snippet=r[2]) for r in rows]
        counts: dict[str, list[tuple[str, int]]] = {}
        if facets:
            marks = ", ".join("?" * len(facets))
            for name, value, count in conn.execute(
                f"SELECT facet, value, count(*) FROM facets WHERE facet IN ({marks}) "
                f"AND doc IN (SELECT rowid FROM docs WHERE {where}) GROUP BY facet, value",
                [*facets, *params],
            ):
                counts.setdefault(name, []).append((value, count))
            for values in counts.values():
                values.sort(key=lambda vc: (-vc[1], vc[0]))
        return FtsResult(total, hits, counts)


def _max_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fts5", description=(__doc__ or "").split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the database from an archive folder")
    build_cmd.add_argument("db", type=Path)
    build_cmd.add_argument("archive", type=Path)
    build_cmd.add_argument(
        "--manifest", type=Path, help="generator truth, if index.parse is missing"
    )
    query_cmd = commands.add_parser("query", help="one search for all of the words given")
    query_cmd.add_argument("db", type=Path)
    query_cmd.add_argument("words", nargs="+")
    query_cmd.add_argument("--limit", type=int, default=10)
    args = parser.parse_args(argv)

    if args.command == "build":
        stats = build_archive(args.db, args.archive, args.manifest)
        out = {
            "articles": stats.articles,
            "seconds": stats.seconds,
            "read_seconds": stats.read_seconds,
            "source": stats.source,
            "bytes": args.db.stat().st_size,
            "max_rss_mb": _max_rss_mb(),
        }
        print(json.dumps(out))
        return 0
    words = [w for text in args.words for w in text.split()]
    searcher = Searcher(args.db)
    result = searcher.search(FtsQuery(all_of(words)), limit=args.limit)
    print(f"{result.total} matches")
    for hit in result.hits:
        print(f"{hit.date or '':10}  {hit.headline}\n            {hit.snippet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
