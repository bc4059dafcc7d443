"""The public data shapes: what the library takes and returns, frozen dataclasses.

Model: every value that crosses a module border or leaves the library is one
of these: the `Article` every reader produces; the `SearchRequest` a search is
asked with and the `SearchResult` (hits, snippets, facet counts) it returns;
the reports of indexing, statistics and checking. They hold plain values and
no behaviour beyond small derived properties; JSON is made from them in one
place (`pressearch.jsonify`), and `Article.to_dict` is also the JSON Lines
input contract, so the two stay the same by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pressearch.errors import UsageError

# A matched stretch of a text: (start, end) character offsets.
Span = tuple[int, int]


@dataclass(frozen=True)
class Speaker:
    """A person on a speaker card: name and role line (role may be empty)."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class Quote:
    """A quote block's text and the person it is attributed to, when known."""

    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Article:
    """One newsroom article.

    `id` is stable: derived from the source URL when there is one, else the
    file path relative to the indexed root. `path` is the file it came from.
    `taxonomy` maps facet names (`crime_area`, `regions`, ...) to values in the
    order and spelling the article gives them.
    """

    id: str
    path: str
    headline: str
    body: str
    url: str | None = None
    source: str | None = None
    date: dt.date | None = None
    type: str | None = None
    speakers: tuple[Speaker, ...] = ()
    quotes: tuple[Quote, ...] = ()
    taxonomy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `show --json` (key order included)."""
        return {
            "id": self.id,
            "path": self.path,
            "url": self.url,
            "source": self.source,
            "headline": self.headline,
            "date": self.date.isoformat() if self.date else None,
            "type": self.type,
            "speakers": [{"name": s.name, "role": s.role} for s in self.speakers],
            "body": self.body,
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "taxonomy": {name: list(values) for name, values in self.taxonomy.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        """Rebuild an article from `to_dict` output (trusted: our own records)."""
        date = data.get("date")
        return cls(
            id=data["id"],
            path=data["path"],
            url=data.get("url"),
            source=data.get("source"),
            headline=data.get("headline") or "",
            date=dt.date.fromisoformat(date) if date else None,
            type=data.get("type"),
            speakers=tuple(
                Speaker(s["name"], s.get("role") or "") for s in data.get("speakers") or ()
            ),
            body=data.get("body") or "",
            quotes=tuple(Quote(q["text"], q.get("speaker")) for q in data.get("quotes") or ()),
            taxonomy={k: tuple(v) for k, v in (data.get("taxonomy") or {}).items()},
        )

    def facets(self) -> dict[str, tuple[str, ...]]:
        """Every facet value of this article: taxonomy plus year, month, type, source."""
        out: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in self.taxonomy.items() if v}
        if self.date:
            out["year"] = (f"{self.date.year:04d}",)
            out["month"] = (f"{self.date.year:04d}-{self.date.month:02d}",)
        if self.type:
            out["type"] = (self.type,)
        if self.source:
            out["source"] = (self.source,)
        return out


@dataclass(frozen=True)
class SearchRequest:
    """Everything a search is asked for: the query string and the flags around it.

    `filters` are (facet name, value) pairs from --filter: values of one facet
    OR, different facets AND. `since`/`until` are raw user strings read with
    python-dateutil. `facets` names the facets to count (or ("all",)).
    `collapse` folds copies into one hit (see `Hit.duplicates`): "identical"
    articles of identical text, "near" those too and the articles of one
    near-duplicate cluster at similarity 0.8 (`Archive.near_duplicates`),
    "none" nothing.
    """

    text: str
    match: Literal["all", "any"] = "all"
    filters: tuple[tuple[str, str], ...] = ()
    facets: tuple[str, ...] = ()
    sort: Literal["relevance", "newest", "oldest"] = "relevance"
    limit: int = 10
    page: int = 1
    since: str | None = None
    until: str | None = None
    collapse: Literal["identical", "near", "none"] = "identical"

    def __post_init__(self) -> None:
        # A boolean (the old `collapse: bool`) is refused here, not guessed at.
        if self.collapse not in ("identical", "near", "none"):
            raise UsageError(
                f"collapse must be 'identical', 'near' or 'none', not {self.collapse!r}"
            )
        if self.match not in ("all", "any"):
            raise UsageError(f"match must be 'all' or 'any', not {self.match!r}")
        if self.sort not in ("relevance", "newest", "oldest"):
            raise UsageError(f"sort must be 'relevance', 'newest' or 'oldest', not {self.sort!r}")


@dataclass(frozen=True)
class Snippet:
    """A piece of text with the character spans that matched the query."""

    field: str
    text: str
    matches: tuple[Span, ...]


@dataclass(frozen=True)
class FacetCount:
    """How many articles have `value` in a facet."""

    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    """One matching article as shown in a result list.

    `duplicates` holds the ids of the other matching articles folded into
    this hit when the search collapses copies (of identical text, or also
    near-identical ones with collapse "near"). `facets`
    maps every taxonomy facet of the index to the article's values (empty
    when it has none), in the index's facet order.
    """

    rank: int
    id: str
    path: str
    url: str | None
    headline: str
    date: dt.date | None
    type: str | None
    source: str | None
    score: float
    snippets: tuple[Snippet, ...]
    headline_snippet: Snippet
    duplicates: tuple[str, ...] = ()
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the facet counts over all matches, and how long it took.

    `about` is the article a `similar` search compares against (None otherwise).
    `histogram` is the timeline asked for with `search(histogram=...)`: year
    or month buckets in date order, zeros between the first and the last
    (None when not asked; see `pressearch.histogram`).
    """

    query: str
    parsed: str
    total: int
    page: int
    limit: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: dict[str, list[FacetCount]]
    suggestion: str | None
    about: Article | None = None
    histogram: tuple[FacetCount, ...] | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


@dataclass(frozen=True)
class Failure:
    """A file (or folder) that could not be indexed, or a warning about one."""

    path: str
    error: str


@dataclass(frozen=True)
class Progress:
    """Reported after each file: `done` of `total` files (known after the walk).

    `stage` says what the run is doing: "reading" files (parsing and
    analysing them), "writing" segments once every file is read, or
    "committing" a segment to the index; so a bar at 100% that is still
    writing is told from one that is stuck. `path` is the last file read.
    """

    done: int
    total: int
    path: str
    stage: Literal["reading", "writing", "committing"] = "reading"


@dataclass(frozen=True)
class IndexReport:
    """What a run did. Every count is a count of articles, not files.

    - `added`: articles whose id was not in the index before the run.
    - `updated`: articles re-indexed from a new or changed file whose id was
      already in the index (a changed file's articles, a moved file's).
    - `removed`: ids in the index before the run and not after it (their
      file was deleted or moved away, or no longer holds them).
    - `unchanged`: articles of files whose signature did not change (those
      files are not read at all).
    - `failed`: files and folders that could not be read or parsed, with the
      reason, sorted by path. A file that fails keeps its previous articles.
      For a JSON Lines file with some bad lines, the good lines are indexed
      and each bad line is reported (on the run that read the file).
    - `warnings`: problems that did not stop a file (a duplicate id, a guessed
      encoding), sorted by path.
    - `files_seen`: supported files found by the walk.
    - `roots`: the files and folders the run scanned (absolute): those given,
      else the ones the index covers.
    - `sample`: the run indexed the bundled sample archive (invented
      articles), because it was given no paths and the index covered none.

    After a run, the index holds `added + updated + unchanged` articles from
    the paths indexed, plus whatever it holds from other roots. A rebuild
    reports every article it indexes as added.
    """

    added: int
    updated: int
    removed: int
    unchanged: int
    failed: tuple[Failure, ...]
    warnings: tuple[Failure, ...]
    files_seen: int
    seconds: float
    index_dir: str
    roots: tuple[str, ...] = ()
    sample: bool = False


@dataclass(frozen=True)
class IndexStats:
    """What an index holds: counts, date range, facet values, location and size.

    `facets` maps each facet name (in `facet_names` order) to its values,
    sorted by count (descending) then value; an article counts once under
    each of its values. `index_bytes` is the total size of the files in the
    index directory.
    """

    documents: int
    date_min: dt.date | None
    date_max: dt.date | None
    facets: dict[str, dict[str, int]]
    index_path: str
    index_bytes: int


@dataclass(frozen=True)
class CheckReport:
    """What `check_index` found: live articles, segments, and problems (empty: consistent)."""

    index_path: str
    documents: int
    segments: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class DuplicateCluster:
    """Articles that are near-identical copies of one another (`Archive.near_duplicates`).

    `similarity` is the lowest estimated Jaccard similarity (of word
    shingles) among the pairs that join the cluster: every article shares at
    least that much with another one in it. `articles` are oldest first.
    """

    similarity: float
    articles: tuple[Article, ...]
