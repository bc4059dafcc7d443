"""`Archive`: the library's one door to an index — index, search, read, check, export.

Model: an `Archive` names an index folder. Every method takes plain values
and returns the public shapes of `pressearch.models`; none prints, none
exits, and every failure is a `PressearchError`. The CLI, the web app, the
benchmarks and the tests all call it, so each feature exists once. One open
searcher serves every query until the archive is indexed again or closed
(or `refresh` finds a newer commit); a search sees one committed state of
the index.

    from pressearch import Archive

    with Archive.open("~/press-index") as archive:
        result = archive.search("COVID cybercrime", facets=["target_group"])
        headlines = [hit.headline for hit in result.hits]
        counts = {c.value: c.count for c in result.facets["target_group"]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pressearch.errors import UsageError
from pressearch.histogram import HISTOGRAM_UNITS, HistogramUnit, histogram
from pressearch.locations import default_index_dir
from pressearch.models import (
    Article,
    CheckReport,
    DuplicateCluster,
    FacetCount,
    Failure,
    Hit,
    IndexReport,
    IndexStats,
    Progress,
    SearchRequest,
    SearchResult,
)
from pressearch.vocabulary import normalize_name

if TYPE_CHECKING:
    from pressearch.search.engine import Engine

PathArg = str | PathLike[str]
Filters = Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]


class Archive:
    """An index folder and what can be done with it.

    `Archive.open(path)` opens an existing index (IndexNotFoundError when
    there is none); `Archive.create(path)` makes an empty index there when
    there is none yet. `path` defaults to `$PRESSEARCH_INDEX`, else the user
    data folder. Use it as a context manager, or call `close()`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: Engine | None = None
        self._generation = -1  # of the commit the open searcher reads

    @classmethod
    def open(cls, path: PathArg | None = None) -> Archive:
        """The archive whose index is at `path`; raises IndexNotFoundError when there is none."""
        from pressearch.index.reader import check_index

        archive = cls(_index_path(path))
        check_index(archive.path)
        return archive

    @classmethod
    def create(cls, path: PathArg | None = None, *, wait: float = 10.0) -> Archive:
        """The archive at `path`, with an empty index made there if it has none yet."""
        from pressearch.index.writer import build

        archive = cls(_index_path(path))
        build([], archive.path, wait=wait)
        return archive

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the open searcher (the archive can still be used afterwards)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __repr__(self) -> str:
        return f"Archive({str(self.path)!r})"

    # --- indexing ----------------------------------------------------------

    def index(
        self,
        paths: Iterable[PathArg] | None = None,
        *,
        rebuild: bool = False,
        wait: float = 10.0,
        progress: Callable[[Progress], None] | None = None,
        follow_links: bool = False,
        fetch_pages: bool = False,
    ) -> IndexReport:
        """Index the files and folders `paths` (only new or changed files are read).

        Without `paths`, the files and folders the index already covers are
        scanned again; a new or empty index gets the bundled sample archive
        of invented articles instead (the report's `sample` says so).
        `rebuild=True` starts the index over from `paths` alone. A symbolic
        link that leads out of `paths` is skipped (and reported) unless
        `follow_links=True`. Files that cannot be read are in the report's
        `failed`, never raised; Ctrl-C raises `Interrupted`, saying what was kept.

        A path that is an http(s) address is a feed: it is fetched into this
        index's cache folder, one file per entry (`index.ingest.fetch`), and
        those files are indexed, so a re-run adds new entries, updates
        changed ones and keeps those that dropped off the feed.
        `fetch_pages=True` indexes the page each entry links to instead of
        the entry. An address that cannot be fetched is in `failed`.
        """
        from pressearch.index.ingest.fetch import fetch_roots, fetched_folder
        from pressearch.index.near_duplicates import update as update_near_duplicates
        from pressearch.index.writer import build

        fetch_failures: list[Failure] = []
        if paths is not None:
            paths, fetch_failures = fetch_roots(
                paths, fetched_folder(self.path), fetch_pages=fetch_pages
            )
        self.close()  # the next search must see this run's commits
        report = build(
            None if paths is None else [Path(p).expanduser() for p in paths],
            self.path,
            rebuild=rebuild,
            wait=wait,
            progress=progress,
            follow_links=follow_links,
        )
        # Near-duplicates are found now, so that `near_duplicates` costs nothing later.
        update_near_duplicates(self.path, force=rebuild)
        if not fetch_failures:
            return report
        failed = sorted((*report.failed, *fetch_failures), key=lambda f: f.path)
        return replace(report, failed=tuple(failed))

    # --- searching ---------------------------------------------------------

    def search(
        self,
        query: str | SearchRequest,
        *,
        match: Literal["all", "any"] = "all",
        facets: Sequence[str] = (),
        filters: Filters = (),
        sort: Literal["relevance", "newest", "oldest"] = "relevance",
        limit: int = 10,
        page: int = 1,
        since: str | None = None,
        until: str | None = None,
        snippets: bool = True,
        histogram: HistogramUnit | None = None,
    ) -> SearchResult:
        """One page of ranked hits for `query`, with facet counts over all matches.

        `query` is text in the query language (`pressearch syntax`) or a
        whole `SearchRequest`, in which case the other options are not used.
        `filters` keep only articles with these facet values: a mapping of
        facet name to value(s) or (name, value) pairs; values of one facet
        OR, different facets AND. `histogram="year"` or `"month"` adds the
        timeline of all matches (`SearchResult.histogram`). Raises QueryError
        for a query that cannot be understood (with its position) and
        UsageError for bad options.
        """
        if isinstance(query, SearchRequest):
            request = query
        else:
            request = SearchRequest(
                text=query,
                match=match,
                filters=filter_pairs(filters),
                facets=(facets,) if isinstance(facets, str) else tuple(facets),
                sort=sort,
                limit=limit,
                page=page,
                since=since,
                until=until,
            )
        if histogram is None:
            return self._searcher().search(request, snippets=snippets)
        return _with_histogram(self._searcher(), request, histogram, snippets)

    def batch(
        self, queries: Iterable[str], template: SearchRequest, *, snippets: bool = True
    ) -> Iterator[SearchResult]:
        """`search` for each query text with the other options of `template`, lazily."""
        engine = self._searcher()
        for text in queries:
            yield engine.search(replace(template, text=text), snippets=snippets)

    def export(self, request: SearchRequest) -> Iterator[Hit]:
        """Every article `request` matches (no page limit), in its order, with snippets."""
        return self._searcher().export(request)

    def similar(self, key: str, *, limit: int = 10) -> SearchResult:
        """The articles most like the one `key` names (id, URL or path); `about` is that one."""
        return self._searcher().similar(key, limit)

    def near_duplicates(self, threshold: float = 0.8) -> list[DuplicateCluster]:
        """Clusters of near-identical articles: syndicated copies, updated versions.

        Two articles are near-duplicates when the estimated Jaccard
        similarity of their five-word shingles is at least `threshold`
        (0.5 to 1, else UsageError); a cluster is a connected group of such
        pairs (see `pressearch.index.near_duplicates`). The pairs are
        computed by `index`; when the index changed since (another process,
        an older pressearch), they are brought up to date first.
        """
        from pressearch.index.near_duplicates import near_duplicate_clusters

        return near_duplicate_clusters(self.path, threshold)

    # --- reading -----------------------------------------------------------

    def get(self, key: str) -> Article:
        """The article with id, source URL (with or without trailing slash) or file path `key`."""
        from pressearch.index.reader import get_article

        return get_article(self.path, key)

    def facet_values(self, name: str) -> tuple[str, list[FacetCount]]:
        """Facet `name` (any alias or spelling) counted over the whole archive.

        Returns the canonical facet name and its values, most frequent first.
        """
        return self._searcher().facet_values(name)

    def stats(self) -> IndexStats:
        """Article count, date range, facet values, location and size."""
        from pressearch.index.reader import stats

        return stats(self.path)

    def check(self) -> CheckReport:
        """Read the whole index and report every inconsistency found."""
        from pressearch.index.check import check_index

        return check_index(self.path)

    def refresh(self) -> bool:
        """Let the next search see the newest commit, if another process committed since.

        A long-lived archive (`pressearch serve`) calls this before each
        request: when the index folder holds a newer table of contents than
        the one the open searcher reads, the searcher is closed and the next
        search opens the new state. Returns whether it was closed. Cheap: one
        listing of the index folder.
        """
        from pressearch.index.reader import latest_generation

        if self._engine is None or latest_generation(self.path) == self._generation:
            return False
        self.close()
        return True

    def _searcher(self) -> Engine:
        if self._engine is None:
            from pressearch.index.reader import latest_generation
            from pressearch.search.engine import Engine

            # Read before opening: a commit racing the open is seen by the next refresh.
            self._generation = latest_generation(self.path)
            self._engine = Engine(self.path)
        return self._engine


def filter_pairs(filters: Filters) -> tuple[tuple[str, str], ...]:
    """`filters` as (facet name, value) pairs, in the order given."""
    if isinstance(filters, Mapping):
        pairs: list[tuple[str, str]] = []
        for name, values in filters.items():
            for value in (values,) if isinstance(values, str) else values:
                pairs.append((name, value))
        return tuple(pairs)
    out = []
    for item in filters:
        if isinstance(item, str) or len(item) != 2:
            raise UsageError(f"a filter is a (facet, value) pair, not {item!r}")
        out.append((item[0], item[1]))
    return tuple(out)


def _with_histogram(
    engine: Engine, request: SearchRequest, unit: HistogramUnit, snippets: bool
) -> SearchResult:
    """`engine.search(request)` with the timeline of `unit` buckets, from its facet counts."""
    if unit not in HISTOGRAM_UNITS:
        raise UsageError(f"histogram must be 'year' or 'month', not {unit!r}")
    asked = {normalize_name(name) for name in request.facets}
    counted = request.facets if unit in asked or "all" in asked else (*request.facets, unit)
    result = engine.search(replace(request, facets=counted), snippets=snippets)
    facets = result.facets
    if counted is not request.facets:  # counted for the timeline only: not a facet asked for
        facets = {name: counts for name, counts in facets.items() if name != unit}
    return replace(result, facets=facets, histogram=histogram(result.facets.get(unit, ()), unit))


def _index_path(path: PathArg | None) -> Path:
    return Path(path).expanduser() if path is not None else default_index_dir()
