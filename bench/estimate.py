"""How long each stage of a run will take, from the runs before it: printed before starting.

Model: every measured corpus appends one line to `WORK/history.jsonl`: its
kind and size, and the wall seconds and units (articles, queries or
processes) of each stage. To estimate a stage for an archive of n articles,
the time per unit at the largest recorded size of the same kind is grown
as n^k (k from the two largest sizes when they are large and far enough
apart, kept within the stage's bounds in `STAGES`; else the middle of the
bounds) and multiplied by the units planned; the bounds themselves give a
low and a high figure, since small runs on a shared machine say little
about how a stage grows. With no history of a kind, generated archives
stand in (the work folder's, else `BUILTIN`: recorded on the development
machine, 2 cores, shared, loaded). The load average of the runs used is
printed: figures from a loaded machine overstate a quiet one. Disk use is
extrapolated linearly.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Each stage: the `--skip` word that leaves it out, and the least and the
# most its time per unit (article, query or process) may grow with the
# archive, as n^k. An article costs about the same to write in any archive
# (k 0 to 0.2); a query reads postings that grow with the archive (0 to 1:
# from "a fixed cost dominates" to "all of it is proportional"); grep reads
# every file (0.5 to 1); opening should not grow at all (0 to 0.3).
STAGES: dict[str, tuple[str, float, float]] = {
    "generate": ("", 0.0, 0.1),
    "sample queries": ("", 0.5, 1.0),
    "pressearch build": ("", 0.0, 0.2),
    "pressearch latency": ("", 0.0, 1.0),
    "batch": ("batch", 0.0, 1.0),
    "opening": ("open", 0.0, 0.3),
    "one-off query": ("e2e", 0.0, 1.0),
    "serve": ("serve", 0.0, 1.0),
    "re-index": ("reindex", 0.0, 0.2),
    "FTS5 build": ("fts5", 0.0, 0.2),
    "FTS5 latency": ("fts5", 0.0, 1.0),
    "FTS5 one-off": ("fts5", 0.0, 1.0),
    "grep": ("e2e", 0.5, 1.0),
}
SKIPPABLE = frozenset(word for word, _, _ in STAGES.values() if word)

# Stand-ins when the work folder has no history for generated archives: two
# runs at 3024ac3 (10,000 and 30,000 articles, 20 queries per kind)
# on the development machine, 2 cores shared with other jobs at a load
# average of 8 to 10: a quiet machine should take a quarter to a sixth.
BUILTIN: tuple[dict[str, Any], ...] = (
    {
        "kind": "generated",
        "articles": 10000,
        "load": [8.6, 8.5],
        "stages": {
            "generate": 17.2,
            "sample queries": 0.7,
            "pressearch build": 89.5,
            "pressearch latency": 20.6,
            "batch": 2.2,
            "opening": 2.1,
            "one-off query": 6.5,
            "serve": 71.1,
            "re-index": 13.1,
            "FTS5 build": 12.7,
            "FTS5 latency": 3.8,
            "FTS5 one-off": 0.7,
            "grep": 1.9,
        },
        "units": {
            "generate": 10000,
            "sample queries": 1,
            "pressearch build": 10000,
            "pressearch latency": 120,
            "batch": 20,
            "opening": 6,
            "one-off query": 5,
            "serve": 120,
            "re-index": 10000,
            "FTS5 build": 10000,
            "FTS5 latency": 120,
            "FTS5 one-off": 5,
            "grep": 5,
        },
        "disk": {
            "archive": 54564300,
            "pressearch": 52334919,
            "fts5": 67571712,
            "manifest": 36644441,
        },
    },
    {
        "kind": "generated",
        "articles": 30000,
        "load": [9.9, 7.4],
        "stages": {
            "generate": 73.3,
            "sample queries": 1.4,
            "pressearch build": 306.4,
            "pressearch latency": 19.2,
            "batch": 3.2,
            "opening": 4.0,
            "one-off query": 6.3,
            "re-index": 70.2,
            "FTS5 build": 49.6,
            "FTS5 latency": 12.1,
            "FTS5 one-off": 0.9,
            "grep": 4.5,
        },
        "units": {
            "generate": 30000,
            "sample queries": 1,
            "pressearch build": 30000,
            "pressearch latency": 120,
            "batch": 20,
            "opening": 6,
            "one-off query": 5,
            "re-index": 30000,
            "FTS5 build": 30000,
            "FTS5 latency": 120,
            "FTS5 one-off": 5,
            "grep": 5,
        },
        "disk": {
            "archive": 163315221,
            "pressearch": 154046404,
            "fts5": 202473472,
            "manifest": 109580020,
        },
    },
)


# Below this size, fixed costs and noise hide how a stage grows: the exponent
# is fitted only from two sizes at least 3× apart, the larger at least this.
FIT_FROM = 50_000


@dataclass(frozen=True)
class Plan:
    """What a run of one corpus will do: the units of each stage it will run."""

    kind: str
    articles: int
    units: dict[str, int]


@dataclass(frozen=True)
class Estimate:
    stage: str
    seconds: float | None  # the central estimate
    low: float | None
    high: float | None
    basis: str  # "n^0.12 from 10,000 and 30,000", "from 30,000", "as measured", "no data"


def record(work: Path, entry: dict[str, Any]) -> None:
    """Append one corpus's stage times to the work folder's history."""
    entry = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), **entry}
    with (work / "history.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def history(work: Path) -> list[dict[str, Any]]:
    path = work / "history.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _per_size(entries: Sequence[dict[str, Any]], kind: str, stage: str) -> dict[int, float]:
    """Seconds per unit of `stage` by archive size, the latest run of each size."""
    out: dict[int, float] = {}
    for e in entries:
        if e.get("kind") != kind:
            continue
        seconds, units = e.get("stages", {}).get(stage), e.get("units", {}).get(stage)
        if seconds is not None and units:
            out[int(e["articles"])] = seconds / units
    return out


def estimate_stage(entries: Sequence[dict[str, Any]], plan: Plan, stage: str) -> Estimate:
    """Seconds `stage` should take for `plan`: time per unit from the largest recorded
    size at or below the plan's (else the smallest), grown as n^k; k from the two
    largest sizes when they say something (`FIT_FROM`), kept within the stage's
    bounds, else the middle of the bounds; the low and high figures take the
    bounds themselves."""
    units = plan.units.get(stage, 0)
    if not units:
        return Estimate(stage, 0.0, 0.0, 0.0, "not run")
    known, basis = _per_size(entries, plan.kind, stage), ""
    if not known and plan.kind != "generated":
        known, basis = _per_size(entries, "generated", stage), " (generated archives)"
    if not known:
        known, basis = _per_size(BUILTIN, "generated", stage), " (development machine)"
    if not known:
        return Estimate(stage, None, None, None, "no data")
    n = plan.articles
    if n in known:
        t = known[n] * units
        return Estimate(stage, t, t, t, f"as measured at {n:,}{basis}")
    _, lo, hi = STAGES[stage]
    sizes = sorted(known)
    below = [s for s in sizes if s < n]
    ref = below[-1] if below else sizes[0]
    if len(below) >= 2 and below[-1] >= FIT_FROM and below[-1] >= 3 * below[-2]:
        s1, s2 = below[-2:]
        fitted = math.log(known[s2] / known[s1]) / math.log(s2 / s1) if known[s1] else hi
        k = min(hi, max(lo, fitted))
        how = f"n^{k:.2f} from {s1:,} and {s2:,}"
    else:
        k = (lo + hi) / 2
        how = f"n^{k:.2f} from {ref:,}"

    def grown(k: float) -> float:
        return known[ref] * (n / ref) ** k * units

    low, high = sorted((grown(lo), grown(hi)))
    return Estimate(stage, grown(k), low, high, how + basis)


def disk_bytes(entries: Sequence[dict[str, Any]], kind: str, articles: int) -> float | None:
    """Bytes the corpus, its manifest and both indexes will take, linear in articles."""
    per = [
        sum(e["disk"].values()) / e["articles"]
        for e in entries
        if e.get("kind") == kind and e.get("disk") and e.get("articles")
    ]
    if not per and kind == "generated":
        per = [sum(e["disk"].values()) / e["articles"] for e in BUILTIN if e.get("disk")]
    # Reuters and posts: no guess from generated archives, whose articles are longer.
    return per[-1] * articles if per else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 90:
        return f"~{seconds:.0f} s"
    if seconds < 5400:
        return f"~{seconds / 60:.0f} min"
    return f"~{seconds / 3600:.1f} h"


def render(work: Path, name: str, plan: Plan) -> str:
    """The estimate of every stage of one corpus's run, and its disk use."""
    entries = history(work)
    rows = [estimate_stage(entries, plan, stage) for stage in STAGES]
    used = [e for e in entries if e.get("kind") in (plan.kind, "generated")] or list(BUILTIN)
    loads = sorted({f"{e['load'][0]:.1f}" for e in used})
    lines = [
        f"estimate for {name}, from the runs in {work / 'history.jsonl'} "
        f"(load average then: {', '.join(loads) or '?'}; now {os.getloadavg()[0]:.1f}):"
    ]
    width = max(len(r.stage) for r in rows)
    totals = [0.0, 0.0, 0.0]
    unknown = False
    for r in rows:
        if r.basis == "not run":
            continue
        span = f"({_duration(r.low)} to {_duration(r.high)})" if r.low != r.high else ""
        lines.append(
            f"  {r.stage.ljust(width)}  {_duration(r.seconds):>9} {span:<24} {r.basis}".rstrip()
        )
        if r.seconds is None or r.low is None or r.high is None:
            unknown = True
        else:
            totals = [totals[0] + r.seconds, totals[1] + r.low, totals[2] + r.high]
    more = ", and stages with no data" if unknown else ""
    span = f"({_duration(totals[1])} to {_duration(totals[2])})"
    lines.append(f"  {'total'.ljust(width)}  {_duration(totals[0]):>9} {span}{more}")
    disk = disk_bytes(entries, plan.kind, plan.articles)
    if disk is not None:
        free = shutil.disk_usage(work).free
        lines.append(
            f"  disk: ~{disk / 1e9:.1f} GB for corpus and indexes; {free / 1e9:.0f} GB free"
        )
    return "\n".join(lines)
