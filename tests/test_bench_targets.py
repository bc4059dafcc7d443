"""bench.targets on synthetic figures: the targets table, the summary and the scale table.

Checks the exact text the benchmark prints for issue 15's targets (no
benchmark is run: the figures are made up, and chosen so that each verdict
and the knee are decided one way).
"""

# The expected tables are as wide as the benchmark prints them.
# ruff: noqa: E501

from __future__ import annotations

import dataclasses
from pathlib import Path

from bench.corpora import Corpus
from bench.results import Results
from bench.targets import (
    corpus_targets,
    knee,
    markdown,
    markdown_scale,
    render_summary,
    render_targets,
    scale_rows,
    target_rows,
)


def _results(kind: str, articles: int, files: int, scale: float, slow: float = 1.0) -> Results:
    """Figures that grow with `scale` (build, sizes) and `slow` (query latency)."""
    name = f"posts {articles:,}, one JSON Lines file" if kind == "posts" else f"{kind} {articles:,}"
    corpus = Corpus(
        name,
        f"{kind}-{articles}",
        kind,
        Path("/nowhere"),
        (),
        None,
        articles,
        files,
        int(3e6 * scale),
        ("a", "b"),
        30,
    )
    res = Results(corpus, 8, kinds=["two-word AND"] * 4 + ["phrase"] * 4)
    res.ps_build = {
        "seconds": 20.0 * scale,
        "peak_rss_mb": 250.0 + scale,
        "bytes": int(5e6 * scale),
        "report": {},
    }
    res.fts_build = {"wall_seconds": 4.0 * scale, "peak_rss_mb": 40.0, "bytes": int(3e6 * scale)}
    full = [10.0, 12.0, 14.0, 40.0, 8.0, 9.0, 11.0, 30.0]
    res.ps_latency = {
        "full": {"ms": [t * slow for t in full], "totals": [5] * 8, "errors": []},
        "bare": {"ms": [5.0] * 8, "totals": [5] * 8, "errors": []},
        "dym": {"ms": [15.0, 25.0, 18.0, 90.0], "totals": [0, 0, 0, 3]},  # the last found some
    }
    res.fts_latency = {
        "full": {"ms": [5.0, 6.0, 7.0, 8.0, 4.0, 4.5, 5.5, 6.5], "totals": [5] * 8, "errors": []},
        "bare": {"ms": [1.0] * 8, "totals": [5] * 8, "errors": []},
    }
    res.batch = {"ms": [9.0, 11.0, 13.0, 20.0]}
    res.one_off = {"ms": [200.0, 220.0, 260.0], "peak_rss_mb": [120.0, 130.0, 160.0]}
    res.open_cost = {"open_ms": 3.0, "first_ms": 40.0 + scale / 10, "again_ms": 2.0}
    res.e2e = {"rg": 150.0 * scale, "pressearch --help": 90.0}
    return res


POSTS_TABLE = """\
== posts 20,000, one JSON Lines file: issue 15's targets
target                                   pressearch  baseline                ratio    target  verdict  notes
build, full                                  20.0 s  4.0 s FTS5              5.00×      ≤ 8×  MET
queries, facade, all kinds +f+s, p50        11.0 ms  5.5 ms FTS5             2.00×      ≤ 2×  MET
queries, facade, all kinds +f+s, p95        40.0 ms  8.0 ms FTS5             5.00×      ≤ 2×  NOT MET
queries, batch, two words +f+s, p50         11.0 ms  6.0 ms FTS5             1.83×      ≤ 2×  MET
queries, batch, two words +f+s, p95         20.0 ms  8.0 ms FTS5             2.50×      ≤ 2×  NOT MET
one-off `pressearch query`, two words      220.0 ms  150.0 ms rg -l          1.47×      < 1×  NOT MET  rg names files of many articles
one-off query, peak RSS                    160.0 MB  —                           —  ≤ 150 MB  NOT MET
opening: first − repeated trivial query     38.1 ms  —                           —         —  info     Archive.open alone 3.0 ms; compared across sizes below
did you mean, zero hits +f+s, p50           18.0 ms  12.0 ms two-word query  1.50×      ≤ 2×  MET
did you mean, zero hits +f+s, p95           25.0 ms  40.0 ms two-word query  0.62×      ≤ 2×  MET
index size                                   5.0 MB  3.0 MB the text         1.67×      ≤ 2×  MET
peak RSS while indexing                    251.0 MB  40.0 MB FTS5            6.28×  ≤ 600 MB  MET
`pressearch --help`                         90.0 ms  —                           —  < 150 ms  MET"""


def test_targets_table_of_one_corpus() -> None:
    assert render_targets(_results("posts", 20_000, 1, 1.0)) == POSTS_TABLE


def test_a_target_not_measured_says_so() -> None:
    res = _results("reuters", 21_578, 216, 1.0)
    res.batch = None
    res.fts_build = None
    verdicts = {t.name: t.verdict for t in corpus_targets(res)}
    assert verdicts["queries, batch, two words +f+s, p50"] == "not measured"
    assert verdicts["build, full"] == "not measured"  # Reuters has a build target: ≤ 4×
    assert verdicts["peak RSS while indexing"] == "MET"  # a threshold on the figure alone


SUMMARY = """\
== summary: issue 15's targets (ratio or figure, verdict)
target                                        threshold         posts 20k            gen 1k           gen 10k            gen 1M
build, full                              ≤ 8× posts 20k         5.00× MET             5.00×             5.00×             5.00×
queries, facade, all kinds +f+s, p50               ≤ 2×         2.00× MET         2.00× MET     2.20× NOT MET       20× NOT MET
queries, facade, all kinds +f+s, p95               ≤ 2×     5.00× NOT MET     5.00× NOT MET     5.50× NOT MET       50× NOT MET
queries, batch, two words +f+s, p50                ≤ 2×         1.83× MET         1.83× MET         1.83× MET         1.83× MET
queries, batch, two words +f+s, p95                ≤ 2×     2.50× NOT MET     2.50× NOT MET     2.50× NOT MET     2.50× NOT MET
one-off `pressearch query`, two words              < 1×     1.47× NOT MET     1.47× NOT MET         0.18× MET         0.00× MET
one-off query, peak RSS                        ≤ 150 MB  160.0 MB NOT MET  160.0 MB NOT MET  160.0 MB NOT MET  160.0 MB NOT MET
opening: first − repeated trivial query               —           38.1 ms           38.1 ms           38.8 ms          138.0 ms
did you mean, zero hits +f+s, p50                  ≤ 2×         1.50× MET         1.50× MET         1.36× MET         0.15× MET
did you mean, zero hits +f+s, p95                  ≤ 2×         0.62× MET         0.62× MET         0.57× MET         0.06× MET
index size                                         ≤ 2×         1.67× MET         1.67× MET         1.67× MET         1.67× MET
peak RSS while indexing                        ≤ 600 MB      251.0 MB MET      251.0 MB MET      258.0 MB MET  1,250 MB NOT MET
`pressearch --help`                            < 150 ms       90.0 ms MET       90.0 ms MET       90.0 ms MET       90.0 ms MET
opening at gen 1M vs gen 1k (first − repeated query): 138.0 ms vs 38.1 ms, 3.62×, target ≤ 1.5×: NOT MET (≤ 1.5× or within 10 ms counts as the same)
met 28 of 46 checks; 0 not measured

== scale: generated archives
 articles     build  articles/s     index  × text  RSS indexing  p50 / p95 / p99 ms +f+s   one-off  one-off RSS   opening
    1,000    20.0 s        50.0    5.0 MB   1.67×      251.0 MB       11.0 / 40.0 / 40.0  220.0 ms     160.0 MB   38.1 ms
   10,000   160.0 s        62.5   40.0 MB   1.67×      258.0 MB       12.1 / 44.0 / 44.0  220.0 ms     160.0 MB   38.8 ms
1,000,000  20,000 s        50.0  5,000 MB   1.67×      1,250 MB    110.0 / 400.0 / 400.0  220.0 ms     160.0 MB  138.0 ms
growth 1,000 → 10,000: build n^0.90, index n^0.90, RSS indexing n^0.01, p95 n^0.04, one-off n^0.00
growth 10,000 → 1,000,000: build n^1.05, index n^1.05, RSS indexing n^0.34, p95 n^0.48, one-off n^0.00
knee: p95 grows as n^0.48 from 10,000 → 1,000,000, n^0.04 before"""


def test_summary_and_scale_table() -> None:
    results = [
        _results("posts", 20_000, 1, 1.0),
        _results("generated", 1_000, 1_000, 1.0),
        _results("generated", 10_000, 10_000, 8.0, slow=1.1),
        _results("generated", 1_000_000, 1_000_000, 1000.0, slow=10.0),
    ]
    assert render_summary(results) == SUMMARY


MARKDOWN = """\
| target | threshold | reuters 21,578 | generated 1,000,000 |
|---|---|---|---|
| build, full | ≤ 4× (reuters 21,578) | 20.0 s vs 4.0 s FTS5 (5.00×) ✘ | 20,000 s vs 4,000 s FTS5 (5.00×) |
| queries, facade, all kinds +f+s, p50 | ≤ 2× | 11.0 ms vs 5.5 ms FTS5 (2.00×) ✔ | 110.0 ms vs 5.5 ms FTS5 (20×) ✘ |
| queries, facade, all kinds +f+s, p95 | ≤ 2× | 40.0 ms vs 8.0 ms FTS5 (5.00×) ✘ | 400.0 ms vs 8.0 ms FTS5 (50×) ✘ |
| queries, batch, two words +f+s, p50 | ≤ 2× | 11.0 ms vs 6.0 ms FTS5 (1.83×) ✔ | 11.0 ms vs 6.0 ms FTS5 (1.83×) ✔ |
| queries, batch, two words +f+s, p95 | ≤ 2× | 20.0 ms vs 8.0 ms FTS5 (2.50×) ✘ | 20.0 ms vs 8.0 ms FTS5 (2.50×) ✘ |
| one-off `pressearch query`, two words | < 1× | 220.0 ms vs 150.0 ms rg -l (1.47×) ✘ | 220.0 ms vs 150,000 ms rg -l (0.00×) ✔ |
| one-off query, peak RSS | ≤ 150 MB | 160.0 MB ✘ | 160.0 MB ✘ |
| opening: first − repeated trivial query | — | 38.1 ms | 138.0 ms |
| did you mean, zero hits +f+s, p50 | ≤ 2× | 18.0 ms vs 12.0 ms two-word query (1.50×) ✔ | 18.0 ms vs 120.0 ms two-word query (0.15×) ✔ |
| did you mean, zero hits +f+s, p95 | ≤ 2× | 25.0 ms vs 40.0 ms two-word query (0.62×) ✔ | 25.0 ms vs 400.0 ms two-word query (0.06×) ✔ |
| index size | ≤ 2× | 5.0 MB vs 3.0 MB the text (1.67×) ✔ | 5,000 MB vs 3,000 MB the text (1.67×) ✔ |
| peak RSS while indexing | ≤ 600 MB | 251.0 MB vs 40.0 MB FTS5 (6.28×) ✔ | 1,250 MB vs 40.0 MB FTS5 (31×) ✘ |
| `pressearch --help` | < 150 ms | 90.0 ms ✔ | 90.0 ms ✔ |"""

MARKDOWN_SCALE = """\
| articles | build | index (× text) | peak RSS indexing | p50 / p95 / p99 ms, +2 facets +snippets | one-off query | one-off RSS | opening |
|---:|---:|---:|---:|---:|---:|---:|---:|
| 1,000 | 20.0 s | 5.0 MB (1.67×) | 251.0 MB | 11.0 / 40.0 / 40.0 | 220.0 ms | 160.0 MB | 38.1 ms |
| 1,000,000 | 20,000 s | 5,000 MB (1.67×) | 1,250 MB | 110.0 / 400.0 / 400.0 | 220.0 ms | 160.0 MB | 138.0 ms |

knee: needs three sizes or more (e.g. --sizes 10k,100k,1m)"""


def test_markdown_for_the_readme() -> None:
    """`python -m bench.targets OUT.json` turns `--out`'s rows into these tables."""
    reuters = _results("reuters", 21_578, 216, 1.0)
    small = _results("generated", 1_000, 1_000, 1.0)
    large = _results("generated", 1_000_000, 1_000_000, 1000.0, slow=10.0)
    corpora = [{"name": r.corpus.name, "targets": target_rows(r)} for r in (reuters, large)]
    assert markdown(corpora) == MARKDOWN
    rows = scale_rows([small, large])
    assert markdown_scale([dataclasses.asdict(r) for r in rows], knee(rows)) == MARKDOWN_SCALE
