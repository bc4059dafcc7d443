"""Issue 15's targets: each measured figure beside its baseline, the threshold and a verdict.

Model: `corpus_targets` turns one corpus's `Results` into `Target` rows
(figure, baseline, ratio, threshold, MET / NOT MET); `render_targets` prints
them as a table per corpus, `render_summary` every corpus side by side with
the checks that need two sizes (opening an index costs the same small and
large) and the scale table (build, size, RSS, percentiles, one-off query per
archive size, with the growth between sizes and where it bends: the knee).
Pure functions of the figures, so they can be checked on synthetic ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.report import fmt, pcts, percentile
from bench.results import Results

# The thresholds of issue 15.
BUILD_LIMIT = {"posts": 8.0, "reuters": 4.0}  # × FTS5; other corpora: shown, no target
QUERY_LIMIT = 2.0  # × FTS5, p50 and p95, two facets and top-10 snippets
ONE_OFF_LIMIT = 1.0  # × the rg -l pipeline: faster than it
ONE_OFF_RSS_MB = 150.0
DYM_LIMIT = 2.0  # × a normal two-word query
SIZE_LIMIT = 2.0  # × the text
INDEX_RSS_MB = 600.0
HELP_MS = 150.0
OPEN_SAME = 1.5  # "costs the same": the largest archive's opening ≤ 1.5× the smallest's
OPEN_SLACK_MS = 10.0  # ... or within 10 ms of it (timer and scheduler noise)


@dataclass(frozen=True)
class Target:
    """One target: the figure, its baseline, and the threshold on the ratio or the figure."""

    name: str
    value: float | None
    unit: str  # "s", "ms", "MB" or ""
    baseline: float | None = None
    baseline_name: str = ""
    limit: float | None = None  # None: shown for information, no threshold
    on_ratio: bool = True  # the threshold applies to value / baseline, else to value
    strict: bool = False  # "<" rather than "≤"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "info"
        checked = self.ratio if self.on_ratio else self.value
        if checked is None:
            return "not measured"
        ok = checked < self.limit if self.strict else checked <= self.limit
        return "MET" if ok else "NOT MET"

    @property
    def threshold(self) -> str:
        if self.limit is None:
            return "—"
        op = "<" if self.strict else "≤"
        if self.on_ratio:
            return f"{op} {self.limit:g}×"
        return f"{op} {self.limit:g} {self.unit}".rstrip()


def _ratio(r: float | None) -> str:
    if r is None:
        return "—"
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _with_unit(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return fmt(value, f" {unit}" if unit else "")


def _ms_list(data: dict[str, object] | None) -> list[float]:
    if not data:
        return []
    return [t for t in data.get("ms", []) if t is not None]  # type: ignore[attr-defined]


def _two_word(res: Results, which: str) -> tuple[float, float, float] | None:
    data = res.ps_latency if which == "pressearch" else res.fts_latency
    if data is None or not res.kinds:
        return None
    return pcts(data, "full", "two-word AND", res.kinds)


def dym_times(res: Results) -> list[float]:
    """Did-you-mean latencies of the misspelt queries that found nothing."""
    dym = (res.ps_latency or {}).get("dym") or {}
    return [t for t, n in zip(dym.get("ms", []), dym.get("totals", []), strict=True) if n == 0]


def corpus_targets(res: Results, grep_name: str = "rg") -> list[Target]:
    """Every target of issue 15 that one corpus's figures speak to."""
    c = res.corpus
    out: list[Target] = []
    b, f = res.ps_build, res.fts_build
    out.append(
        Target(
            "build, full",
            b["seconds"] if b else None,
            "s",
            f["wall_seconds"] if f else None,
            "FTS5",
            BUILD_LIMIT.get(c.kind),
            note="" if c.kind in BUILD_LIMIT else "the targets are set on posts and Reuters",
        )
    )
    full = pcts(res.ps_latency, "full", None, res.kinds) if res.kinds else None
    fts_full = pcts(res.fts_latency, "full", None, res.kinds) if res.kinds else None
    for i, p in ((0, "p50"), (1, "p95")):
        out.append(
            Target(
                f"queries, facade, all kinds +f+s, {p}",
                full[i] if full else None,
                "ms",
                fts_full[i] if fts_full else None,
                "FTS5",
                QUERY_LIMIT,
            )
        )
    batch = _ms_list(res.batch)
    fts_two = _two_word(res, "fts5")
    for i, (p, q) in enumerate((("p50", 50), ("p95", 95))):
        out.append(
            Target(
                f"queries, batch, two words +f+s, {p}",
                percentile(batch, q) if batch else None,
                "ms",
                fts_two[i] if fts_two else None,
                "FTS5",
                QUERY_LIMIT,
            )
        )
    one_off = res.one_off or {}
    split = c.files < c.articles
    out.append(
        Target(
            "one-off `pressearch query`, two words",
            _median(one_off.get("ms")),
            "ms",
            res.e2e.get(grep_name),
            f"{grep_name} -l",
            ONE_OFF_LIMIT,
            strict=True,
            note=f"{grep_name} names files of many articles" if split else "",
        )
    )
    rss = [r for r in one_off.get("peak_rss_mb", []) if r is not None]
    out.append(
        Target(
            "one-off query, peak RSS",
            max(rss) if rss else None,
            "MB",
            limit=ONE_OFF_RSS_MB,
            on_ratio=False,
        )
    )
    oc = res.open_cost or {}
    out.append(
        Target(
            "opening: first − repeated trivial query",
            open_ms(oc),
            "ms",
            note=f"Archive.open alone {fmt(oc.get('open_ms'))} ms; compared across sizes below",
        )
    )
    dym = dym_times(res)
    two = _two_word(res, "pressearch")
    for i, (p, q) in enumerate((("p50", 50), ("p95", 95))):
        out.append(
            Target(
                f"did you mean, zero hits +f+s, {p}",
                percentile(dym, q) if dym else None,
                "ms",
                two[i] if two else None,
                "two-word query",
                DYM_LIMIT,
            )
        )
    out.append(
        Target(
            "index size",
            b["bytes"] / 1e6 if b else None,
            "MB",
            c.bytes / 1e6,
            "the text",
            SIZE_LIMIT,
        )
    )
    out.append(
        Target(
            "peak RSS while indexing",
            b["peak_rss_mb"] if b else None,
            "MB",
            f["peak_rss_mb"] if f else None,
            "FTS5",
            INDEX_RSS_MB,
            on_ratio=False,
        )
    )
    out.append(
        Target(
            "`pressearch --help`",
            res.e2e.get("pressearch --help"),
            "ms",
            limit=HELP_MS,
            on_ratio=False,
            strict=True,
        )
    )
    return out


def open_ms(open_cost: dict[str, float]) -> float | None:
    """The cost of opening for the first search: first query − the same query again."""
    if "first_ms" not in open_cost or "again_ms" not in open_cost:
        return None
    return max(0.0, open_cost["first_ms"] - open_cost["again_ms"])


def _median(values: Sequence[float | None] | None) -> float | None:
    done = sorted(v for v in values or () if v is not None)
    if not done:
        return None
    mid = len(done) // 2
    return done[mid] if len(done) % 2 else (done[mid - 1] + done[mid]) / 2


def _table(rows: Sequence[Sequence[str]], left: Sequence[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            r[i].ljust(widths[i]) if i in left else r[i].rjust(widths[i]) for i in range(len(r))
        ).rstrip()
        for r in rows
    ]


def render_targets(res: Results, grep_name: str = "rg") -> str:
    """The targets table of one corpus."""
    rows: list[tuple[str, ...]] = [
        ("target", "pressearch", "baseline", "ratio", "target", "verdict", "notes")
    ]
    for t in corpus_targets(res, grep_name):
        base = _with_unit(t.baseline, t.unit)
        rows.append(
            (
                t.name,
                _with_unit(t.value, t.unit),
                f"{base} {t.baseline_name}" if t.baseline is not None else "—",
                _ratio(t.ratio),
                t.threshold,
                t.verdict,
                t.note,
            )
        )
    title = f"== {res.corpus.name}: issue 15's targets"
    return "\n".join([title, *_table(rows, left=(0, 2, 5, 6))])


def _short(res: Results) -> str:
    c = res.corpus
    if c.kind == "reuters":
        return "Reuters"
    n = c.articles
    if n % 1_000_000 == 0:
        size = f"{n // 1_000_000}M"
    else:
        size = f"{n / 1000:g}k" if n % 1000 == 0 else f"{n:,}"
    return f"posts {size}" if c.kind == "posts" else f"gen {size}"


def _cell(t: Target) -> str:
    if t.value is None:
        return "—"
    figure = _ratio(t.ratio) if t.on_ratio and t.ratio is not None else _with_unit(t.value, t.unit)
    return f"{figure} {t.verdict}" if t.verdict != "info" else figure


def _thresholds(results: Sequence[Results], row: Sequence[Target]) -> str:
    """One threshold, or each corpus's when they differ (the build's)."""
    distinct = {t.threshold for t in row}
    if len(distinct) == 1:
        return distinct.pop()
    return ", ".join(
        f"{t.threshold} {_short(r)}" for r, t in zip(results, row, strict=True) if t.limit
    )


def opening_target(results: Sequence[Results]) -> Target | None:
    """Opening costs the same small and large: the largest archive against the smallest."""
    measured = [(r.corpus.articles, open_ms(r.open_cost or {}), r) for r in results]
    measured = [m for m in measured if m[1] is not None]
    if len(measured) < 2:
        return None
    small, large = min(measured, key=lambda m: m[0]), max(measured, key=lambda m: m[0])
    if small[0] == large[0]:
        return None
    assert small[1] is not None and large[1] is not None
    limit = max(OPEN_SAME, (small[1] + OPEN_SLACK_MS) / small[1] if small[1] else OPEN_SAME)
    return Target(
        f"opening at {_short(large[2])} vs {_short(small[2])} (first − repeated query)",
        large[1],
        "ms",
        small[1],
        _short(small[2]),
        limit,
        note=f"≤ {OPEN_SAME:g}× or within {OPEN_SLACK_MS:g} ms counts as the same",
    )


def render_summary(results: Sequence[Results], grep_name: str = "rg") -> str:
    """Every corpus's verdicts side by side, the opening check and the scale table."""
    if not results:
        return ""
    per = [corpus_targets(r, grep_name) for r in results]
    header = ("target", "threshold", *(_short(r) for r in results))
    rows: list[tuple[str, ...]] = [header]
    for i, first in enumerate(per[0]):
        rows.append((first.name, _thresholds(results, [ts[i] for ts in per])))
        rows[-1] += tuple(_cell(ts[i]) for ts in per)
    lines = ["== summary: issue 15's targets (ratio or figure, verdict)", *_table(rows, (0,))]
    opening = opening_target(results)
    if opening is not None:
        lines.append(
            f"{opening.name}: {_with_unit(opening.value, 'ms')} vs "
            f"{_with_unit(opening.baseline, 'ms')}, {_ratio(opening.ratio)}, "
            f"target {opening.threshold}: {opening.verdict} ({opening.note})"
        )
    verdicts = [t.verdict for ts in per for t in ts]
    if opening is not None:
        verdicts.append(opening.verdict)
    met, missed = verdicts.count("MET"), verdicts.count("NOT MET")
    lines.append(
        f"met {met} of {met + missed} checks; {verdicts.count('not measured')} not measured"
    )
    scale = render_scale([r for r in results if r.corpus.kind == "generated"])
    return "\n".join([*lines, "", scale] if scale else lines)


@dataclass(frozen=True)
class ScaleRow:
    """The figures of one archive size that the scale table and the knee need."""

    articles: int
    build_s: float | None
    index_mb: float | None
    text_mb: float
    index_rss_mb: float | None
    p: tuple[float, float, float] | None  # p50, p95, p99 ms, all kinds +f+s
    one_off_ms: float | None
    one_off_rss_mb: float | None
    open_ms: float | None


def scale_rows(results: Sequence[Results]) -> list[ScaleRow]:
    out = []
    for r in sorted(results, key=lambda r: r.corpus.articles):
        b, one = r.ps_build, r.one_off or {}
        rss = [x for x in one.get("peak_rss_mb", []) if x is not None]
        out.append(
            ScaleRow(
                r.corpus.articles,
                b["seconds"] if b else None,
                b["bytes"] / 1e6 if b else None,
                r.corpus.bytes / 1e6,
                b["peak_rss_mb"] if b else None,
                pcts(r.ps_latency, "full", None, r.kinds) if r.kinds else None,
                _median(one.get("ms")),
                max(rss) if rss else None,
                open_ms(r.open_cost or {}),
            )
        )
    return out


def growth(n1: int, y1: float | None, n2: int, y2: float | None) -> float | None:
    """The exponent k of y ∝ n^k between two sizes (1: linear; 0: flat)."""
    if not y1 or not y2 or n1 == n2:
        return None
    return math.log(y2 / y1) / math.log(n2 / n1)


def knee(rows: Sequence[ScaleRow]) -> str:
    """Where growth bends: the step between sizes after which the build or p95 grows
    fastest compared with the step before."""
    if len(rows) < 3:
        return "knee: needs three sizes or more (e.g. --sizes 10k,100k,1m)"
    worst: tuple[float, str] | None = None
    for what, get in (("build time", lambda r: r.build_s), ("p95", lambda r: r.p and r.p[1])):
        ks = [growth(a.articles, get(a), b.articles, get(b)) for a, b in itertools.pairwise(rows)]
        for i in range(1, len(ks)):
            before, after = ks[i - 1], ks[i]
            if before is None or after is None:
                continue
            bend = after - before
            if worst is None or bend > worst[0]:
                where = f"{rows[i].articles:,} → {rows[i + 1].articles:,}"
                worst = (bend, f"{what} grows as n^{after:.2f} from {where}, n^{before:.2f} before")
    if worst is None or worst[0] < 0.15:
        return "knee: none seen (growth no steeper at the larger sizes)"
    return f"knee: {worst[1]}"


def render_scale(results: Sequence[Results]) -> str:
    """One row per generated archive size, the growth exponents between sizes, the knee."""
    rows = scale_rows(results)
    if not rows:
        return ""
    table: list[tuple[str, ...]] = [
        (
            "articles",
            "build",
            "articles/s",
            "index",
            "× text",
            "RSS indexing",
            "p50 / p95 / p99 ms +f+s",
            "one-off",
            "one-off RSS",
            "opening",
        )
    ]
    for r in rows:
        table.append(
            (
                f"{r.articles:,}",
                _with_unit(r.build_s, "s"),
                fmt(r.articles / r.build_s) if r.build_s else "—",
                _with_unit(r.index_mb, "MB"),
                _ratio(r.index_mb / r.text_mb) if r.index_mb and r.text_mb else "—",
                _with_unit(r.index_rss_mb, "MB"),
                " / ".join(fmt(v) for v in r.p) if r.p else "—",
                _with_unit(r.one_off_ms, "ms"),
                _with_unit(r.one_off_rss_mb, "MB"),
                _with_unit(r.open_ms, "ms"),
            )
        )
    lines = ["== scale: generated archives", *_table(table, left=())]
    for a, b in itertools.pairwise(rows):
        parts = []
        for what, y1, y2 in (
            ("build", a.build_s, b.build_s),
            ("index", a.index_mb, b.index_mb),
            ("RSS indexing", a.index_rss_mb, b.index_rss_mb),
            ("p95", a.p and a.p[1], b.p and b.p[1]),
            ("one-off", a.one_off_ms, b.one_off_ms),
        ):
            k = growth(a.articles, y1, b.articles, y2)
            if k is not None:
                parts.append(f"{what} n^{k:.2f}")
        if parts:
            lines.append(f"growth {a.articles:,} → {b.articles:,}: " + ", ".join(parts))
    lines.append(knee(rows))
    return "\n".join(lines)


def target_rows(res: Results, grep_name: str = "rg") -> list[dict[str, object]]:
    """One corpus's targets as JSON-ready rows (for `--out` and `markdown`)."""
    return [
        {
            "target": t.name,
            "value": t.value,
            "unit": t.unit,
            "baseline": t.baseline,
            "baseline_name": t.baseline_name,
            "ratio": t.ratio,
            "threshold": t.threshold,
            "verdict": t.verdict,
            "note": t.note,
        }
        for t in corpus_targets(res, grep_name)
    ]


def markdown(corpora: Sequence[dict[str, object]]) -> str:
    """A Markdown table of every corpus's targets, from `--out`'s "corpora" (for the README):
    one row per target, one column per corpus, each cell the figure beside its baseline."""
    names = [str(c["name"]) for c in corpora]
    rows = [c["targets"] for c in corpora]
    lines = [
        "| target | threshold | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for i, first in enumerate(rows[0]):  # type: ignore[arg-type]
        cells = []
        for targets in rows:
            t = targets[i]  # type: ignore[index]
            value = _with_unit(t["value"], t["unit"])
            if t["baseline"] is not None:
                value += f" vs {_with_unit(t['baseline'], t['unit'])} {t['baseline_name']}"
                value += f" ({_ratio(t['ratio'])})"
            verdict = {"MET": " ✔", "NOT MET": " ✘"}.get(t["verdict"], "")
            cells.append(value + verdict)
        limits = [targets[i]["threshold"] for targets in rows]  # type: ignore[index]
        limit = (
            limits[0]
            if len(set(limits)) == 1
            else ", ".join(
                f"{t} ({name})" for t, name in zip(limits, names, strict=True) if t != "—"
            )
        )
        lines.append(f"| {first['target']} | {limit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_scale(rows: Sequence[dict[str, object]], knee_text: str) -> str:
    """The scale table from `--out`'s "scale" rows, as Markdown."""
    lines = [
        "| articles | build | index (× text) | peak RSS indexing | p50 / p95 / p99 ms,"
        " +2 facets +snippets | one-off query | one-off RSS | opening |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        index, text = r["index_mb"], r["text_mb"]
        share = f" ({_ratio(index / text)})" if index and text else ""  # type: ignore[operator]
        p = r["p"]
        lines.append(
            f"| {r['articles']:,} | {_with_unit(r['build_s'], 's')} "  # type: ignore[arg-type]
            f"| {_with_unit(index, 'MB')}{share} "  # type: ignore[arg-type]
            f"| {_with_unit(r['index_rss_mb'], 'MB')} "  # type: ignore[arg-type]
            f"| {' / '.join(fmt(v) for v in p) if p else '—'} "  # type: ignore[attr-defined]
            f"| {_with_unit(r['one_off_ms'], 'ms')} "  # type: ignore[arg-type]
            f"| {_with_unit(r['one_off_rss_mb'], 'MB')} "  # type: ignore[arg-type]
            f"| {_with_unit(r['open_ms'], 'ms')} |"  # type: ignore[arg-type]
        )
    return "\n".join([*lines, "", knee_text])


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.targets OUT.json`: the targets of a `bench.speed --out` file as Markdown."""
    import json
    import sys
    from pathlib import Path

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m bench.targets OUT.json", file=sys.stderr)
        return 2
    data = json.loads(Path(args[0]).read_text())
    print(f"{data['environment']}\n")
    print(markdown(data["corpora"]))
    if data.get("scale"):
        print()
        print(markdown_scale(data["scale"], data.get("knee", "")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
