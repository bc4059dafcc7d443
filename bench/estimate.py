"""How long each stage of a run will take, from the runs before it: printed before starting.

Model: every measured corpus appends one line to `WORK/history.jsonl`: its
kind and size, and the wall seconds and units (articles, queries or
processes) of each stage. To estimate a stage for an archive of n articles,
the time per unit is taken from the two largest recorded sizes of the same
kind (below n when there are two) and extended as a fixed part plus a part
proportional to the archive (a + b·n, neither negative; from one size, as
n^k with each stage's own k in `STAGES`), then multiplied by the units
planned. With no history of a kind, figures
recorded on the development machine (2 cores, shared, loaded) stand in for
generated archives. Disk use is extrapolated linearly from the same lines.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Each stage: the `--skip` word that leaves it out, and how its time per unit
# grows with the archive when only one size is known (n^k). Stages counted in
# articles are linear in all (k = 0); a query or a grep reads postings or files
# in proportion to the archive (k = 1, an upper bound); opening should not grow.
STAGES: dict[str, tuple[str, float]] = {
    "generate": ("", 0.0),
    "sample queries": ("", 1.0),
    "pressearch build": ("", 0.0),
    "pressearch latency": ("", 1.0),
    "batch": ("batch", 1.0),
    "opening": ("open", 0.0),
    "one-off query": ("e2e", 1.0),
    "serve": ("serve", 1.0),
    "re-index": ("reindex", 0.0),
    "FTS5 build": ("fts5", 0.0),
    "FTS5 latency": ("fts5", 1.0),
    "FTS5 one-off": ("fts5", 1.0),
    "grep": ("e2e", 1.0),
}
SKIPPABLE = frozenset(word for word, _ in STAGES.values() if word)

# Stand-ins when the work folder has no history for generated archives: two
# runs here (2 cores shared with other jobs, load 2-4), seconds and units.
BUILTIN: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Plan:
    """What a run of one corpus will do: the units of each stage it will run."""

    kind: str
    articles: int
    units: dict[str, int]


@dataclass(frozen=True)
class Estimate:
    stage: str
    seconds: float | None
    basis: str  # "a + b·n from 10,000 and 100,000", "n^1 from 10,000", "not run", "no data"


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
    units = plan.units.get(stage, 0)
    if not units:
        return Estimate(stage, 0.0, "not run")
    known = _per_size(entries, plan.kind, stage)
    basis = ""
    if not known and plan.kind == "generated":
        known, basis = _per_size(BUILTIN, plan.kind, stage), " (development machine)"
    if not known:
        return Estimate(stage, None, "no data")
    n = plan.articles
    if n in known:
        return Estimate(stage, known[n] * units, f"as measured at {n:,}{basis}")
    sizes = sorted(known)
    below = [s for s in sizes if s < n]
    pair = below[-2:] if len(below) >= 2 else sizes[:2] if len(sizes) >= 2 else sizes
    if len(pair) == 1:
        (s,) = pair
        k = STAGES[stage][1]
        return Estimate(stage, known[s] * (n / s) ** k * units, f"n^{k:g} from {s:,}{basis}")
    s1, s2 = pair
    # Time per unit as a fixed part plus a part proportional to the archive.
    slope = max(0.0, (known[s2] - known[s1]) / (s2 - s1))
    fixed = max(0.0, known[s2] - slope * s2)
    per_unit = fixed + slope * n
    return Estimate(stage, per_unit * units, f"a + b·n from {s1:,} and {s2:,}{basis}")


def disk_bytes(entries: Sequence[dict[str, Any]], kind: str, articles: int) -> float | None:
    """Bytes the corpus, its manifest and both indexes will take, linear in articles."""
    per = [
        sum(e["disk"].values()) / e["articles"]
        for e in entries
        if e.get("kind") == kind and e.get("disk") and e.get("articles")
    ]
    if not per and kind == "generated":
        per = [sum(e["disk"].values()) / e["articles"] for e in BUILTIN if e.get("disk")]
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
    lines = [f"estimate for {name} (from the runs in {work / 'history.jsonl'}):"]
    width = max(len(r.stage) for r in rows)
    total = 0.0
    unknown = False
    for r in rows:
        if r.basis == "not run":
            continue
        lines.append(f"  {r.stage.ljust(width)}  {_duration(r.seconds):>9}  {r.basis}")
        if r.seconds is None:
            unknown = True
        else:
            total += r.seconds
    more = " and stages with no data" if unknown else ""
    lines.append(f"  {'total'.ljust(width)}  {_duration(total):>9}{more}")
    disk = disk_bytes(entries, plan.kind, plan.articles)
    if disk is not None:
        free = shutil.disk_usage(work).free
        lines.append(
            f"  disk: ~{disk / 1e9:.1f} GB for corpus and indexes; {free / 1e9:.0f} GB free"
        )
    return "\n".join(lines)
