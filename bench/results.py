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
    ps_build: dict[str, Any] | None = None
    ps_reindex: dict[str, Any] = field(default_factory=dict)
    ps_latency: dict[str, Any] | None = None
    fts_build: dict[str, Any] | None = None
    fts_latency: dict[str, Any] | None = None
    e2e: dict[str, float | None] = field(default_factory=dict)
    serve: dict[str, Any] | None = None  # measure_serve
    notes: list[str] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after


@dataclass(frozen=True)
class Options:
    work: Path
    per_kind: int
    reps: int
    seed: int
    grep: list[str]  # the grep-like tool: ["rg"] or ["grep", "-r"]
    pressearch_ok: bool
    profile: bool
