"""What one corpus's measurement holds, and the options it was run with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpora import Corpus


@dataclass
class Results:
    """Every figure of one corpus (None where not measured)."""

    corpus: Corpus
    queries: int
    kinds: list[str] = field(default_factory=list)  # the kind of each query of the mix
    ps_build: dict[str, Any] | None = None
    ps_reindex: dict[str, Any] = field(default_factory=dict)
    ps_latency: dict[str, Any] | None = None  # bench.latency, with "dym" (did you mean)
    fts_build: dict[str, Any] | None = None
    fts_latency: dict[str, Any] | None = None
    e2e: dict[str, float | None] = field(default_factory=dict)
    serve: dict[str, Any] | None = None  # measure_serve
    notes: list[str] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    # A `pressearch query` process per two-word query: "ms" and "peak_rss_mb" per run.
    one_off: dict[str, Any] | None = None
    # `pressearch batch` over the two-word queries: "ms" per query (between output lines).
    batch: dict[str, Any] | None = None
    # bench.opencost, medians over runs: import_ms, open_ms, first_ms, again_ms.
    open_cost: dict[str, Any] | None = None
    # Wall seconds of each stage of this run (for `bench.estimate`); "units" per stage.
    stages: dict[str, float] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    reused: dict[str, str] = field(default_factory=dict)  # what came from an earlier run


@dataclass(frozen=True)
class Options:
    work: Path
    per_kind: int
    reps: int
    seed: int
    grep: list[str]  # the grep-like tool: ["rg"] or ["grep", "-r"]
    pressearch_ok: bool
    profile: bool
    reuse: bool = False  # keep built indexes and reuse them (with their build figures)
    skip: frozenset[str] = frozenset()  # stages not run (see bench.estimate.STAGES)
    per_kind_large: int = 25  # queries per kind from LARGE articles on
