"""Query latency in one process: the mix, with and without facets and snippets; did you mean.

Model: a child process (`python -m bench.latency ENGINE TARGET QUERIES FACETS
[MISSPELT]`) opens one engine once (pressearch through the facade,
`Archive.search`; FTS5 through `bench.fts5.Searcher`), warms it on every
20th query of the mix (some of each kind), then times every other query of
the mix, first with the two facets and top-10 snippets ("full"), then
without ("bare"), and prints one JSON object. The warm-up queries are left
out of the timing (None, as a failed query is): timed again, they would
find pressearch's per-term caches (statistics, weights, did-you-mean's
prefixes) filled, which SQLite does not keep, and flatter it; the mix's
first 5% (all two-word queries) used to be warmed so and timed again.
For pressearch, the misspelt two-word queries (`misspell`: one letter of one
word replaced, so the query finds nothing and the engine looks for a
suggestion) are timed last, the "full" way, each for the first time, like
the mix.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.corpora import LIMIT

Runner = Callable[[dict[str, Any], Sequence[str], bool], Any]

# Every this many-th query of the mix warms the engine and is not timed.
WARM_EVERY = 20


def misspell(word: str) -> str:
    """`word` with one letter past its first three replaced by a `q` (an `x` if it was
    one): one edit, as a typo is, that makes a word no archive here holds."""
    i = max(3, len(word) // 2) if len(word) > 3 else len(word) - 1
    letter = "x" if word[i] == "q" else "q"
    return word[:i] + letter + word[i + 1 :]


def misspelt_queries(two_words: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """Each two-word query with its longer word misspelt: {"text", "intended"}."""
    out = []
    for words in two_words:
        a, b = words[0], words[1]
        text = f"{a} {misspell(b)}" if len(b) >= len(a) else f"{misspell(a)} {b}"
        out.append({"text": text, "intended": f"{a} {b}"})
    return out


def _runner(engine: str, target: Path) -> Runner:
    """A function (spec, facets, full) -> result for one engine opened once."""
    if engine == "fts5":
        from bench.fts5 import FtsQuery, Searcher

        searcher = Searcher(target)

        def run_fts(spec: dict[str, Any], facets: Sequence[str], full: bool) -> Any:
            query = FtsQuery(
                spec["fts"], tuple(map(tuple, spec["filters"])), spec["since"], spec["until"]
            )
            return searcher.search(query, facets=facets if full else (), snippets=full)

        return run_fts

    from pressearch import Archive, SearchRequest

    archive = Archive.open(target)

    def run_pressearch(spec: dict[str, Any], facets: Sequence[str], full: bool) -> Any:
        request = SearchRequest(
            text=spec["text"],
            match=spec.get("match", "all"),
            filters=tuple(map(tuple, spec.get("filters", ()))),
            facets=tuple(facets) if full else (),
            limit=LIMIT,
            since=spec.get("since"),
            until=spec.get("until"),
        )
        return archive.search(request, snippets=full)

    return run_pressearch


def measure(
    engine: str,
    target: Path,
    specs: list[dict[str, Any]],
    facets: Sequence[str],
    misspelt: list[dict[str, str]],
) -> dict[str, Any]:
    """Open the engine once, run the mix with and without facets+snippets, then the
    misspelt queries; every figure as a JSON-ready dict."""
    start = time.perf_counter()
    run = _runner(engine, target)
    out: dict[str, Any] = {"open_seconds": time.perf_counter() - start, "snippet_switch": True}
    warm = range(0, len(specs), WARM_EVERY)
    for variant, full in (("full", True), ("bare", False)):
        for i in warm:
            with contextlib.suppress(Exception):  # the timed pass records errors
                run(specs[i], facets, full)
        times: list[float | None] = []
        totals: list[int | None] = []
        errors: list[str] = []
        for i, spec in enumerate(specs):
            if i % WARM_EVERY == 0:  # a warm-up query: a second run is not a first one
                times.append(None)
                totals.append(None)
                continue
            t0 = time.perf_counter()
            try:
                total = run(spec, facets, full).total
            except Exception as exc:  # a failed query is reported, not fatal
                times.append(None)
                totals.append(None)
                errors.append(f"{spec['text']!r}: {type(exc).__name__}: {exc}")
                continue
            times.append((time.perf_counter() - t0) * 1000)
            totals.append(total)
        out[variant] = {"ms": times, "totals": totals, "errors": errors}
    if misspelt:
        dym: dict[str, Any] = {"ms": [], "totals": [], "suggestions": [], "errors": []}
        for item in misspelt:
            t0 = time.perf_counter()
            try:
                result = run({"text": item["text"]}, facets, True)
            except Exception as exc:
                dym["errors"].append(f"{item['text']!r}: {type(exc).__name__}: {exc}")
                continue
            dym["ms"].append((time.perf_counter() - t0) * 1000)
            dym["totals"].append(result.total)
            dym["suggestions"].append(result.suggestion)
        dym["intended"] = [item["intended"] for item in misspelt]
        out["dym"] = dym
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    engine, target, queries, facets = args[:4]
    misspelt = json.loads(Path(args[4]).read_text()) if len(args) > 4 else []
    specs = json.loads(Path(queries).read_text())
    names = [f for f in facets.split(",") if f]
    print(json.dumps(measure(engine, Path(target), specs, names, misspelt)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
