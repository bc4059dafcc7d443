"""Set identities of the query language on a real archive: does AND NOT subtract exactly?

Model: Reuters-21578 (from the shared data folder, converted by
`bench.reuters` into a temporary folder, never into the repository) is
indexed in several runs, so the index has several segments. For random
pairs of words (a fixed seed; words found in 30 to 3,000 articles) and a few
named pairs, the engine's totals must satisfy, for every way of writing
exclusion and union:

    |a -b| = |a| − |a AND b|        (a -b, a NOT b, a AND NOT b, a && !b, -b a, +a -b any)
    |a OR b| = |a| + |b| − |a AND b| (a OR b, a || b, a b with --match any)

alone, with a facet filter (topics = earn), with a date (--since 1987-03-15)
and on a later page (--page 3 --limit 5: the total must not change).

    python -m bench.identities [--data ../shared/data] [--pairs 200] [--seed 13]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.reuters import convert
from pressearch.index.schema import STOP_WORDS
from pressearch.index.writer import build
from pressearch.models import SearchRequest
from pressearch.search.engine import Engine

NAMED_PAIRS = (("travel", "saturday"), ("oil", "prices"), ("bank", "rate"))
MIN_DF, MAX_DF = 30, 3_000
RUNS = 4  # index runs, each adding its own segments
VARIANTS = {
    "plain": SearchRequest(""),
    "filter topics=earn": SearchRequest("", filters=(("topics", "earn"),)),
    "since 1987-03-15": SearchRequest("", since="1987-03-15"),
    "page 3 of 5": SearchRequest("", page=3, limit=5),
}
EXCLUSIONS = ("{a} -{b}", "{a} NOT {b}", "{a} AND NOT {b}", "{a} && !{b}", "-{b} {a}")
UNIONS = ("{a} OR {b}", "{a} || {b}")


@dataclass
class Tally:
    checked: int = 0
    wrong: int = 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    if not (args.data / "reuters21578").is_dir():
        print(f"no Reuters-21578 under {args.data}: nothing to check", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="pressearch-identities-") as work:
        source = Path(work) / "jsonl"
        convert(args.data / "reuters21578", source, per_file=500)
        pairs = NAMED_PAIRS + sample_pairs(source, args.pairs, args.seed)
        index_dir = index_in_runs(source, Path(work))
        with Engine(index_dir) as engine:
            return check(engine, pairs)


def index_in_runs(source: Path, work: Path) -> Path:
    files = sorted(source.glob("*.jsonl"))
    index_dir = work / "index"
    started = time.perf_counter()
    for run in range(RUNS):
        folder = work / f"run{run}"
        folder.mkdir()
        for path in files[run::RUNS]:
            path.rename(folder / path.name)
        build([folder], index_dir)
    print(f"indexed {len(files)} files in {RUNS} runs, {time.perf_counter() - started:.0f} s")
    return index_dir


def sample_pairs(source: Path, count: int, seed: int) -> tuple[tuple[str, str], ...]:
    """`count` pairs of distinct words, each in the bodies of `MIN_DF` to `MAX_DF` articles."""
    df: Counter[str] = Counter()
    for path in sorted(source.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            body = json.loads(line)["body"]
            df.update({w for w in re.findall(r"[a-z]+", body.lower()) if len(w) >= 4})
    words = sorted(w for w, n in df.items() if MIN_DF <= n <= MAX_DF and w not in STOP_WORDS)
    rng = random.Random(seed)
    pairs = tuple(tuple(rng.sample(words, 2)) for _ in range(count))
    print(f"{len(words)} words in {MIN_DF}–{MAX_DF} articles; {count} pairs (seed {seed})")
    return pairs  # type: ignore[return-value]


def total(engine: Engine, text: str, template: SearchRequest = VARIANTS["plain"]) -> int | str:
    """The engine's total for `text`, or the name of the exception it raised instead
    (a crash is a wrong answer too)."""
    try:
        return engine.search(replace(template, text=text), snippets=False).total
    except Exception as exc:
        return type(exc).__name__


def check(engine: Engine, pairs: tuple[tuple[str, str], ...]) -> int:
    tallies = {name: Tally() for name in VARIANTS}
    wrong_shapes: Counter[str] = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    for a, b in pairs:
        for name, template in VARIANTS.items():
            tally = tallies[name]
            count_a = total(engine, a, template)
            count_b = total(engine, b, template)
            both = total(engine, f"{a} AND {b}", template)
            if not all(isinstance(n, int) for n in (count_a, count_b, both)):
                failures.append(f"{name}: {a}, {b}, {a} AND {b} = {count_a}, {count_b}, {both}")
                continue
            assert isinstance(count_a, int) and isinstance(count_b, int) and isinstance(both, int)
            found = [
                (shape, total(engine, shape.format(a=a, b=b), template)) for shape in EXCLUSIONS
            ]
            any_template = replace(template, match="any")
            found.append(("+{a} -{b} (any)", total(engine, f"+{a} -{b}", any_template)))
            expected = count_a - both
            union = [(shape, total(engine, shape.format(a=a, b=b), template)) for shape in UNIONS]
            union.append(("{a} {b} (any)", total(engine, f"{a} {b}", any_template)))
            checks = [(s, n, expected) for s, n in found]
            checks += [(s, n, count_a + count_b - both) for s, n in union]
            for shape, got, want in checks:
                tally.checked += 1
                if got != want:
                    tally.wrong += 1
                    wrong_shapes[shape] += 1
                    failures.append(f"{name}: {shape.format(a=a, b=b)} = {got}, expected {want}")
    seconds = time.perf_counter() - started
    print(f"{len(pairs)} pairs, {seconds:.0f} s")
    for name, tally in tallies.items():
        print(f"  {name:<20} {tally.checked:>6} identities checked, {tally.wrong} wrong")
    for shape, count in wrong_shapes.most_common():
        print(f"  {shape:<20} wrong {count} times")
    for line in failures[:20]:
        print("  WRONG", line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
