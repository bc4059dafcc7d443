"""The benchmark's tables: every pressearch figure beside its baseline, with the ratio."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpora import KINDS
from bench.processes import REPO
from bench.results import Options, Results
from bench.serve_speed import SERVE_CLIENTS, clients_label


def render_serve(res: Results, opts: Options) -> str:
    """The serve table of one corpus: API latency beside the one-off process and grep."""
    serve = res.serve or {}
    e = res.e2e
    grep = opts.grep[0]
    one_off, grepped = e.get("pressearch query"), e.get(grep)
    rows = [("metric", "serve API", "one-off query", "ratio", grep, "ratio")]
    notes: list[str] = []
    for key in (*(clients_label(n) for n in SERVE_CLIENTS), "two words"):
        data = serve.get(key)
        if not data or not data["ms"]:
            continue
        p50, p95 = percentile(data["ms"], 50), percentile(data["ms"], 95)
        label = f"ms p50 / p95, {key}"
        if key == "two words":
            label += ", 1 client, no facets"
        else:
            rate = len(data["ms"]) / data["seconds"]
            label += f", +2 facets +snippets ({rate:,.0f} requests/s)"
        rows.append(
            (
                label,
                f"{p50:.1f} / {p95:.1f}",
                fmt(one_off),
                f"{ratio_text(p50, one_off)} / {ratio_text(p95, one_off)}",
                fmt(grepped),
                f"{ratio_text(p50, grepped)} / {ratio_text(p95, grepped)}",
            )
        )
        if data["errors"]:
            notes.append(f"serve, {key}: {len(data['errors'])} failed: {data['errors'][0]}")
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    queries = serve.get("queries", 0)
    lines = [f"== {res.corpus.name}: pressearch serve, warm, {queries} queries per client"]
    for r in rows:
        lines.append(
            "  ".join(r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i]) for i in range(6))
        )
    return "\n".join([*lines, *(f"note: {n}" for n in notes)])


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def pcts(
    data: dict[str, Any] | None, variant: str, kind: str | None, specs: list[str]
) -> tuple[float, float, float] | None:
    if data is None:
        return None
    times = [
        t
        for t, k in zip(data[variant]["ms"], specs, strict=True)
        if t is not None and (kind is None or k == kind)
    ]
    if not times:
        return None
    return percentile(times, 50), percentile(times, 95), percentile(times, 99)


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}{unit}"
    return f"{value:,.{digits}f}{unit}"


def ratio_text(ours: float | None, base: float | None) -> str:
    if ours is None or base is None or base == 0:
        return "—"
    r = ours / base
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _triple(t: tuple[float, float, float] | None) -> str:
    return "—" if t is None else " / ".join(fmt(v, digits=1) for v in t)


def _triple_ratio(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> str:
    if a is None or b is None:
        return "—"
    return " / ".join(ratio_text(x, y) for x, y in zip(a, b, strict=True))


def render(res: Results, opts: Options) -> str:
    """The table of one corpus: metric, pressearch, baseline, ratio, baseline name."""
    c = res.corpus
    mb = c.bytes / 1e6
    rows: list[tuple[str, str, str, str, str]] = []

    def row(label: str, ours: str, base: str = "—", ratio: str = "—", what: str = "") -> None:
        rows.append((label, ours, base, ratio, what))

    b, f = res.ps_build, res.fts_build
    ps_s = b["seconds"] if b else None
    fts_s = f["wall_seconds"] if f else None
    row("full build: seconds", fmt(ps_s, " s"), fmt(fts_s, " s"), ratio_text(ps_s, fts_s), "FTS5")
    ps_rate = c.articles / ps_s if ps_s else None
    fts_rate = c.articles / fts_s if fts_s else None
    row(
        "full build: articles/s", fmt(ps_rate), fmt(fts_rate), ratio_text(ps_rate, fts_rate), "FTS5"
    )
    row(
        "full build: MB/s",
        fmt(mb / ps_s if ps_s else None, digits=2),
        fmt(mb / fts_s if fts_s else None, digits=2),
        ratio_text(ps_rate, fts_rate),
        "FTS5",
    )
    if f:
        row("  FTS5: of which reading articles", "", fmt(f["read_seconds"], " s"), "", f["source"])
    ps_mb = b["bytes"] / 1e6 if b else None
    fts_mb = f["bytes"] / 1e6 if f else None
    row(
        "index size on disk",
        fmt(ps_mb, " MB"),
        fmt(fts_mb, " MB"),
        ratio_text(ps_mb, fts_mb),
        "FTS5",
    )
    ps_rss = b["peak_rss_mb"] if b else None
    fts_rss = f["peak_rss_mb"] if f else None
    row(
        "peak RSS while indexing",
        fmt(ps_rss, " MB"),
        fmt(fts_rss, " MB"),
        ratio_text(ps_rss, fts_rss),
        "FTS5",
    )
    pl, fl = res.ps_latency, res.fts_latency
    ps_q = pl["peak_rss_mb"] if pl else None
    fts_q = fl["peak_rss_mb"] if fl else None
    row(
        "peak RSS while querying",
        fmt(ps_q, " MB"),
        fmt(fts_q, " MB"),
        ratio_text(ps_q, fts_q),
        "FTS5",
    )
    for key, label in (("unchanged", "nothing changed"), ("changed", "1% of files changed")):
        r = res.ps_reindex.get(key)
        if r:
            rep = r["report"] or {}
            share = f"{r['seconds'] / ps_s * 100:.1f}% of full build" if ps_s else ""
            counts = ", ".join(
                f"{k} {rep.get(k)}"
                for k in ("added", "updated", "removed", "unchanged")
                if k in rep
            )
            extra = f"; edited {r['files']} files, {r['articles']} articles" if "files" in r else ""
            row(f"re-index, {label}", fmt(r["seconds"], " s"), "", "", f"{share} ({counts}{extra})")
    kinds = _spec_kinds(res, opts)
    for variant, title in (("full", "+2 facets +snippets"), ("bare", "no facets/snippets")):
        a, z = pcts(pl, variant, None, kinds), pcts(fl, variant, None, kinds)
        row(
            f"latency ms p50/p95/p99, all, {title}",
            _triple(a),
            _triple(z),
            _triple_ratio(a, z),
            "FTS5",
        )
    for kind in KINDS:
        for variant, title in (("full", "+f+s"), ("bare", "bare")):
            a, z = pcts(pl, variant, kind, kinds), pcts(fl, variant, kind, kinds)
            row(f"  {kind}, {title}", _triple(a), _triple(z), _triple_ratio(a, z), "FTS5")
    if pl and fl:
        ours = [t for t in pl["full"]["totals"] if t is not None]
        base = [t for t in fl["full"]["totals"] if t is not None]
        if ours and base:
            row(
                "median hits per query",
                fmt(statistics.median(ours), digits=0),
                fmt(statistics.median(base), digits=0),
                "",
                "FTS5",
            )
    if pl and not pl.get("snippet_switch", True):
        res.notes.append("Engine has no snippets switch: 'bare' still computes snippets")
    e = res.e2e
    grep = opts.grep[0]
    q = e.get("pressearch query")
    row(
        "e2e `pressearch query` two words, ms",
        fmt(q),
        fmt(e.get(grep)),
        ratio_text(q, e.get(grep)),
        f"{' '.join(opts.grep)} -l -i -w, word 1 | word 2",
    )
    row(
        "e2e, same, against FTS5 process, ms",
        fmt(q),
        fmt(e.get("fts5 query")),
        ratio_text(q, e.get("fts5 query")),
        "python -m bench.fts5 query",
    )
    row("`pressearch --help`, ms", fmt(e.get("pressearch --help")), "", "", "target < 150 ms")

    header = ("metric", "pressearch", "baseline", "ratio", "baseline / notes")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    title = (
        f"== {c.name}: {c.articles:,} articles, {c.files:,} files, {mb:,.1f} MB; "
        f"{res.queries} queries ({res.queries // len(KINDS)} per kind); "
        f"load average {res.load[0]:.1f} before, {res.load[1]:.1f} after =="
    )
    lines = [title]
    for r in [header, *rows]:
        lines.append(
            "  ".join(
                (r[i].ljust(widths[i]) if i in (0, 4) else r[i].rjust(widths[i])) for i in range(5)
            ).rstrip()
        )
    lines += [f"note: {n}" for n in res.notes]
    return "\n".join(lines)


def _spec_kinds(res: Results, opts: Options) -> list[str]:
    if res.kinds:
        return res.kinds
    queries = opts.work / "runs" / res.corpus.key / "queries.json"
    return [s["kind"] for s in json.loads(queries.read_text())]


def environment(opts: Options) -> str:
    """Date, versions and machine, for the README."""
    import importlib.metadata as md

    def version(dist: str) -> str:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return "not installed"

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    grep_version = subprocess.run(
        [opts.grep[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:1]
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{dt.datetime.now().isoformat(timespec='seconds')}  pressearch {commit or '?'} "
        f"(uncommitted changes may apply)\n"
        f"Python {platform.python_version()}, whoosh3 {version('whoosh3')}, "
        f"PyStemmer {version('PyStemmer')}, SQLite {sqlite3.sqlite_version}, "
        f"{(grep_version or ['?'])[0]}\n"
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"{mem:.0f} GiB RAM, load average {os.getloadavg()[0]:.2f} at start"
    )
