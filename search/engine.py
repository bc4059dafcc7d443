"""Run searches against an index: a `SearchRequest` in, a `SearchResult` out.

Model: an `Engine` holds one open index and one Whoosh searcher, reused for
every query of the process (batch, export, benchmarks). A request is compiled
by `search.compile` (query tree → Whoosh queries), matched and scored by
Whoosh matchers segment by segment (DFR InB2 over the schema's weighted
fields, `search.scoring`), every match recorded in one pass that keeps the
best as Whoosh's top-N collector would (`_collect`), ordered (score, then
newer first on ties; or by date), facets are counted over every matching
article, and snippets, highlighted from the query tree, are made only for
the hits on the page shown. A query that finds little gets a did-you-mean
suggestion when a word of it looks misspelt (`search.suggest` decides),
which counts the respellings it tries: plain words by intersecting their
postings' documents, unscored (`_count_words`), anything else by the same
collector.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from heapq import nlargest
from pathlib import Path
from typing import Any

from whoosh import query as wq

from pressearch.errors import QueryError, UsageError
from pressearch.index.reader import (
    UNREADABLE,
    find_docnum,
    not_found,
    open_index,
    read_error,
    stored_article,
)
from pressearch.index.schema import FACET_PREFIX
from pressearch.index.whoosh_internals import posting_blocks
from pressearch.models import Article, FacetCount, Hit, SearchRequest, SearchResult
from pressearch.search.collapse import (
    NEAR_THRESHOLD,
    Copies,
    CopyKeys,
    collapsed,
    extra_copies,
    near_clusters,
    one_per_set,
)
from pressearch.search.compile import CompiledQuery, compile_query
from pressearch.search.facets import count_facets
from pressearch.search.highlight import FieldTerms, highlight_headline, make_snippets, query_terms
from pressearch.search.matchers import UNDATED, AllOf, date_column
from pressearch.search.scored import collected
from pressearch.search.scoring import WordInFields, deleted_docs, weighting
from pressearch.search.statistics import term_stats
from pressearch.vocabulary import BUILTIN_FACETS, DATE_FIELD, STANDARD_FACETS, normalize_name

# Extra hits fetched beyond the page so that score ties at the page edge are
# still ordered newer-first.
_TIE_MARGIN = 20
# A query that finds fewer hits than this gets a "did you mean" check (which
# looks only at its words that may be misspelt).
_SUGGEST_BELOW = 3
# Key terms taken from an article to find similar ones.
_SIMILAR_TERMS = 25


class Engine:
    """One open index and its searcher, for any number of queries."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._index = open_index(index_dir)
        self._searcher = self._index.searcher(weighting=weighting())
        self._taxonomy: tuple[str, ...] | None = None
        self._cluster_of: dict[str, int] | None = None  # near-duplicate clusters, read once
        self._copy_keys = CopyKeys(self._searcher.reader())

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Index damage met while searching, as the error that says to rebuild.

        Opening the index checks every segment, but damage inside one (a term
        listed and not found, a torn posting list) shows only when a search
        reads it.
        """
        try:
            yield
        except UNREADABLE as exc:
            raise read_error(self.index_dir, exc) from exc

    def search(self, request: SearchRequest, *, snippets: bool = True) -> SearchResult:
        """Run one request: the page of hits asked for, facets, suggestion."""
        with self._reading():
            return self._search(request, snippets)

    def _search(self, request: SearchRequest, snippets: bool) -> SearchResult:
        _check_paging(request)
        started = time.perf_counter()
        searcher = self._searcher
        compiled = compile_query(request, searcher.reader())
        first = (request.page - 1) * request.limit
        matched, ranked, copies = self._match(compiled, request, first + request.limit)
        page = ranked[first : first + request.limit]
        terms = query_terms(compiled.tree)
        hits = tuple(
            self._hit(first + i + 1, docnum, score, terms, snippets, copies)
            for i, (docnum, score) in enumerate(page)
        )
        total = len(matched) - extra_copies(copies)
        facets = {}
        if request.facets:
            counted = one_per_set(matched, copies) if copies else matched
            facets = count_facets(searcher, counted, request.facets, copies)
        suggestion = None
        if total < _SUGGEST_BELOW:
            # Imported for the few queries that ask (~3 ms of a one-off query's imports).
            from pressearch.search.suggest import suggest

            suggestion = suggest(
                searcher.reader(),
                compiled.text,
                compiled.tree,
                total,
                lambda text: self._count(replace(request, text=text)),
            )
        return SearchResult(
            query=request.text,
            parsed=compiled.explain,
            total=total,
            page=request.page,
            limit=request.limit,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=facets,
            suggestion=suggestion,
        )

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        """Every matching article, in the request's order, with snippets."""
        with self._reading():
            compiled = compile_query(request, self._searcher.reader())
            _, ranked, copies = self._match(compiled, request, self._searcher.doc_count_all())
            terms = query_terms(compiled.tree)
            for i, (docnum, score) in enumerate(ranked):
                yield self._hit(i + 1, docnum, score, terms, True, copies)

    def similar(self, key: str, limit: int = 10) -> SearchResult:
        """Articles most like the one with id, URL or path `key`."""
        with self._reading():
            return self._similar(key, limit)

    def _similar(self, key: str, limit: int) -> SearchResult:
        started = time.perf_counter()
        searcher = self._searcher
        docnum = find_docnum(searcher, key)
        if docnum is None:
            raise not_found(key, self.index_dir)
        article = stored_article(searcher, docnum)
        text = f"{article.headline}\n{article.body}\n" + "\n".join(q.text for q in article.quotes)
        terms = searcher.key_terms_from_text("body", text, numterms=_SIMILAR_TERMS)
        clauses: list[wq.Query] = [
            wq.Term(field, word, boost=weight)
            for word, weight in terms
            for field in ("headline", "body")
        ]
        q = wq.Or(clauses) if clauses else wq.NullQuery
        results = searcher.search(q, limit=limit + 1)
        page = [(hit.docnum, hit.score) for hit in results if hit.docnum != docnum][:limit]
        key_words = FieldTerms(words=frozenset(word for word, _ in terms))
        highlighted = {"headline": key_words, "body": key_words}
        hits = tuple(self._hit(i + 1, d, s, highlighted, True) for i, (d, s) in enumerate(page))
        return SearchResult(
            query=f"similar:{article.id}",
            parsed="key terms: " + ", ".join(word for word, _ in terms),
            total=len(hits),
            page=1,
            limit=limit,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets={},
            suggestion=None,
            about=article,
        )

    def facet_values(self, name: str) -> tuple[str, list[FacetCount]]:
        """Facet `name` (aliases allowed) counted over the whole archive."""
        reader = self._searcher.reader()
        with self._reading():
            counts = count_facets(self._searcher, list(reader.all_doc_ids()), (name,))
        ((canonical, values),) = counts.items()
        return canonical, values

    def _count(self, request: SearchRequest) -> int:
        """How many articles `request` finds (0 when it cannot be understood)."""
        try:
            compiled = compile_query(request, self._searcher.reader())
        except QueryError:
            return 0
        # The matching of a search (`_collect`), not Whoosh's generic one: a
        # count is what did-you-mean pays for each respelling it tries.
        searcher = self._searcher
        allowed = None if compiled.filter is None else set(searcher.docs_for_query(compiled.filter))
        words = _plain_words(compiled.query, searcher)
        if words is not None:
            return _count_words(searcher, words, allowed)
        matched, _best = _collect(searcher, compiled.query, allowed, 1)
        return len(matched)

    def _match(
        self, compiled: CompiledQuery, request: SearchRequest, wanted: int
    ) -> tuple[list[int], list[tuple[int, float]], Copies]:
        """Every matching docnum, (docnum, score) of the first `wanted` hits in the
        order asked, and the sets of copies among the matches (`_copies`).

        One pass over the matches: ranking by relevance scores each match
        and records its docnum on the way (for the total and the facets).
        When the request collapses copies, each set shows as its best-ranked
        member; a second pass keeps more when copies crowd the first.
        """
        searcher = self._searcher
        if request.sort in ("newest", "oldest"):
            q = compiled.query
            if compiled.filter is not None:
                q = wq.And([q, compiled.filter])
            matched = list(searcher.docs_for_query(q))
            dates = _raw_dates(searcher, matched)
            # Undated articles last in both orders; docnum keeps the order stable.
            if request.sort == "newest":
                order = sorted(matched, key=lambda d: (dates[d] == 0, -dates[d], d))
            else:
                order = sorted(matched, key=lambda d: (dates[d] == 0, dates[d], d))
            copies = self._copies(matched, request)
            ranked = collapsed([(docnum, 0.0) for docnum in order], copies)
            return matched, ranked[: max(wanted, 0)], copies
        allowed = None if compiled.filter is None else set(searcher.docs_for_query(compiled.filter))
        need = max(wanted, 0) + _TIE_MARGIN
        # Collapsing drops copies from what is kept: keep twice as many, and
        # only when copies crowd out even that, match again keeping them all.
        keep = need * 2 if request.collapse != "none" else need
        matched, scored = _collect(searcher, compiled.query, allowed, keep)
        copies = self._copies(matched, request)
        extra = extra_copies(copies)
        if extra and len(collapsed(scored, copies)) < min(need, len(matched) - extra):
            matched, scored = _collect(searcher, compiled.query, allowed, keep + extra)
        dates = _raw_dates(searcher, [docnum for docnum, _ in scored])
        # Equal scores: newer first. Rounding makes float noise count as a tie.
        scored.sort(key=lambda pair: (-round(pair[1], 6), -dates[pair[0]]))
        return matched, collapsed(scored, copies)[: max(wanted, 0)], copies

    def _copies(self, matched: list[int], request: SearchRequest) -> Copies:
        """The sets of copies among `matched` that `request.collapse` folds (none for "none")."""
        if request.collapse == "none":
            return {}
        if request.collapse == "identical":
            return self._copy_keys.identical(matched)
        return self._copy_keys.near(matched, self._near_clusters())

    def _near_clusters(self) -> dict[str, int]:
        """Article id → near-duplicate cluster at NEAR_THRESHOLD, from the index's sidecar.

        A missing or stale sidecar (the index written by another process or
        an older pressearch) is brought up to date first, as
        `Archive.near_duplicates` does, rather than refused: on a writable
        folder that is what `pressearch index` would have done, and on a
        read-only one (a served or mounted archive, where no command could
        write it) the pairs are computed in memory, so `near` is never
        silently identical-only and never unusable. A current sidecar costs
        one read of its pairs line; the clusters are kept for the engine's
        life, as its searcher sees one commit.
        """
        if self._cluster_of is None:
            from pressearch.index.near_duplicates import clusters, current_pairs

            pairs = current_pairs(self.index_dir)
            self._cluster_of = near_clusters(clusters(pairs, NEAR_THRESHOLD))
        return self._cluster_of

    def _hit(
        self,
        rank: int,
        docnum: int,
        score: float,
        terms: dict[str, FieldTerms],
        snippets: bool,
        copies: Copies | None = None,
    ) -> Hit:
        article = stored_article(self._searcher, docnum)
        others = [d for d in (copies or {}).get(docnum, ()) if d != docnum]
        return Hit(
            rank=rank,
            id=article.id,
            path=article.path,
            url=article.url,
            headline=article.headline,
            date=article.date,
            type=article.type,
            source=article.source,
            score=round(score, 4),
            snippets=tuple(make_snippets(article, terms)) if snippets else (),
            headline_snippet=highlight_headline(article, terms),
            duplicates=tuple(self._searcher.stored_fields(d)["id"] for d in others),
            facets=self._facets_of(article),
        )

    def _facets_of(self, article: Article) -> dict[str, tuple[str, ...]]:
        """The article's values of every taxonomy facet of the index (standard ones first)."""
        if self._taxonomy is None:
            present = sorted(
                name[len(FACET_PREFIX) :]
                for name in self._searcher.reader().indexed_field_names()
                if name.startswith(FACET_PREFIX)
            )
            known = {*STANDARD_FACETS, *BUILTIN_FACETS}
            self._taxonomy = (*STANDARD_FACETS, *(n for n in present if n not in known))
        values = {normalize_name(name): tuple(v) for name, v in article.taxonomy.items()}
        return {name: values.get(name, ()) for name in self._taxonomy}


def _collect(
    searcher: Any, q: wq.Query, allowed: set[int] | None, keep: int
) -> tuple[list[int], list[tuple[int, float]]]:
    """Every match of `q` that `allowed` lets through, and the best `keep` as (docnum, score).

    The choice of Whoosh's `TopCollector`: highest score first, the lower
    docnum first among equal scores (a later match displaces the least kept
    one only by scoring higher). Without its block skipping (which drops
    matches under AND NOT) or matcher replacement (which prunes articles
    that cannot reach the top), so every match is counted; and without its
    calls per match, which cost more than the heap when most articles match:
    a matcher made of lists (`search.scored`) is read as lists.
    """
    context = searcher.context()
    matched: list[int] = []
    best: list[tuple[float, int]] = []  # (score, -docnum): each segment's best
    for leaf, offset in searcher.leaf_searchers():
        docnums, keys = collected(q.matcher(leaf, context), offset, allowed, keep)
        matched += docnums
        best += keys
    # The `keep` largest (score, -docnum) are what the collector's heap would
    # keep: docnums arrive in increasing order, and a tie never displaces.
    top = nlargest(keep, best) if keep > 0 else []
    return matched, [(-negated, score) for score, negated in top]


def _plain_words(q: wq.Query, searcher: Any) -> list[list[wq.Term]] | None:
    """The fields' terms of each word of `q` when it is plain words that must all match
    (what did-you-mean counts most), else None.

    Only where a search scores each word with `scoring.preloaded_word` (each
    term's field scorable, no term boosted), whose matches are the articles
    of the word's postings in any field, deleted ones left out.
    """
    parts = q.subqueries if type(q) is AllOf else [q]
    schema = searcher.schema
    words: list[list[wq.Term]] = []
    for part in parts:
        if type(part) is not WordInFields or not part.subqueries:
            return None
        for term in part.subqueries:
            if type(term) is not wq.Term or term.boost != 1.0:
                return None
            if term.fieldname not in schema or not schema[term.fieldname].scorable:
                return None
        words.append(list(part.subqueries))
    return words


def _count_words(searcher: Any, words: list[list[wq.Term]], allowed: set[int] | None) -> int:
    """How many articles have every word of `words` (in any of its fields) and are `allowed`:
    the matches `_collect` would list, without scoring them.

    Per segment, the rarest word's articles first; each other word's postings
    are then read only in the blocks that hold one of them.
    """
    count = 0
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        present: list[list[tuple[str, bytes, int]]] = []
        for terms in words:
            found = []
            for term in terms:
                try:
                    text = reader.schema[term.fieldname].to_bytes(term.text)
                except ValueError:
                    continue
                stats = term_stats(reader, term.fieldname, text)
                if stats is not None:
                    found.append((term.fieldname, text, stats[0]))
            if not found:
                break
            present.append(found)
        else:
            present.sort(key=lambda found: sum(df for _, _, df in found))
            keep: set[int] | None = None
            for found in present:
                wanted = None if keep is None else sorted(keep)
                docnums: set[int] = set()
                for fieldname, text, _ in found:
                    for ids, _weights, _values in posting_blocks(
                        reader.postings(fieldname, text), False, wanted
                    ):
                        docnums.update(ids)
                keep = docnums if keep is None else keep & docnums
                if not keep:
                    break
            kept = (keep or set()) - deleted_docs(reader)
            if allowed is None:
                count += len(kept)
            else:
                count += sum(1 for docnum in kept if docnum + offset in allowed)
    return count


def _check_paging(request: SearchRequest) -> None:
    if request.limit < 1:
        raise UsageError(f"--limit must be at least 1, not {request.limit}")
    if request.page < 1:
        raise UsageError(f"--page must be at least 1, not {request.page}")


def _raw_dates(searcher: Any, docnums: list[int]) -> dict[int, int]:
    """Each document's raw date column value, 0 when undated: larger is newer.

    From each segment's date column, read once per segment reader
    (`matchers.date_column`): Whoosh's multi-segment column reader looks
    documents up in the wrong segment when one segment lacks the column.
    Raw values, because an undated document's default is not a datetime.
    """
    leaves = [
        (offset, date_column(leaf, DATE_FIELD) if leaf.has_column(DATE_FIELD) else None)
        for leaf, offset in searcher.reader().leaf_readers()
    ]
    starts = [offset for offset, _ in leaves]
    out: dict[int, int] = {}
    for docnum in docnums:
        offset, column = leaves[bisect_right(starts, docnum) - 1]
        value = 0 if column is None else int(column[docnum - offset] or 0)
        out[docnum] = 0 if value >= UNDATED else value
    return out
