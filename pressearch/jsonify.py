"""JSON from the public shapes: the contracts of `--json`, `batch`, exports and the web API.

Model: one function per shape, each returning plain dicts and lists in the
key order README documents; `dumps` writes one line of JSON with text kept
as it is (not ASCII-escaped) but every character a terminal may act on
escaped. The CLI, the exports and the web app all build JSON here, so the
contracts cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pressearch.models import (
    Article,
    CheckReport,
    DuplicateCluster,
    FacetCount,
    Hit,
    IndexReport,
    IndexStats,
    SearchResult,
    Snippet,
)

# What `json.dumps` leaves raw but a terminal may act on: DEL, C1 controls
# (U+009B is CSI to some terminals) and bidirectional overrides. They can only
# occur inside strings, where a \uXXXX escape decodes to the same text.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def dumps(data: Any) -> str:
    """One line of JSON; text unchanged (not ASCII-escaped), every control character escaped."""
    text = json.dumps(data, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def snippet_json(snippet: Snippet) -> dict[str, Any]:
    return {
        "field": snippet.field,
        "text": snippet.text,
        "matches": [list(m) for m in snippet.matches],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "path": hit.path,
        "url": hit.url,
        "headline": hit.headline,
        "date": hit.date.isoformat() if hit.date else None,
        "type": hit.type,
        "source": hit.source,
        "score": hit.score,
        "snippets": [snippet_json(s) for s in hit.snippets],
        "duplicates": list(hit.duplicates),
    }


def facet_counts_json(counts: Sequence[FacetCount]) -> list[dict[str, Any]]:
    return [{"value": c.value, "count": c.count} for c in counts]


def search_json(result: SearchResult) -> dict[str, Any]:
    """The JSON contract of `query --json` (and of each line of `batch`).

    `histogram` is there only when the search asked for one, so the contract
    is unchanged for every search that did not.
    """
    out: dict[str, Any] = {
        "query": result.query,
        "parsed": result.parsed,
        "total": result.total,
        "page": result.page,
        "limit": result.limit,
        "took_ms": result.took_ms,
        "hits": [hit_json(h) for h in result.hits],
        "facets": {name: facet_counts_json(counts) for name, counts in result.facets.items()},
        "suggestion": result.suggestion,
    }
    if result.histogram is not None:
        out["histogram"] = [{"bucket": b.value, "count": b.count} for b in result.histogram]
    return out


def article_json(article: Article) -> dict[str, Any]:
    """The JSON contract of `show --json`: the article's own record."""
    return article.to_dict()


def stats_json(stats: IndexStats) -> dict[str, Any]:
    return {
        "documents": stats.documents,
        "date_min": stats.date_min.isoformat() if stats.date_min else None,
        "date_max": stats.date_max.isoformat() if stats.date_max else None,
        "facets": stats.facets,
        "index_path": stats.index_path,
        "index_bytes": stats.index_bytes,
    }


def facet_values_json(name: str, counts: Sequence[FacetCount]) -> dict[str, Any]:
    return {"facet": name, "values": facet_counts_json(counts)}


def index_report_json(report: IndexReport) -> dict[str, Any]:
    """The JSON contract of `index --json`."""
    return {
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "failed": [{"path": f.path, "error": f.error} for f in report.failed],
    }


def check_json(report: CheckReport) -> dict[str, Any]:
    return {
        "index_path": report.index_path,
        "documents": report.documents,
        "segments": report.segments,
        "problems": list(report.problems),
    }


def duplicate_cluster_json(cluster: DuplicateCluster) -> dict[str, Any]:
    """The JSON contract of one line of `duplicates --json`."""
    return {
        "similarity": round(cluster.similarity, 3),
        "articles": [
            {
                "id": a.id,
                "path": a.path,
                "url": a.url,
                "headline": a.headline,
                "date": a.date.isoformat() if a.date else None,
                "source": a.source,
            }
            for a in cluster.articles
        ],
    }
