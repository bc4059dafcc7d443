"""Speed at scale: pressearch against SQLite FTS5 and ripgrep, with issue 15's targets.

Model: for each corpus (Reuters-21578 converted to JSON Lines; long posts in
one JSON Lines file; generated Markdown archives of N articles) the harness
samples a fixed query mix from the articles themselves (so every query has
hits), then measures, each in its own child process so that a peak RSS
belongs to one task (`bench.stages`):

- pressearch: full build through the CLI (`index --quiet --json`), index
  size, peak RSS of the indexing process tree (psutil polling); latency of
  the query mix through the facade (`Archive.search`, one archive reused,
  `bench.latency`) with and without two facets and top-10 snippets, peak RSS
  while querying; did you mean: the two-word queries with one word misspelt
  (they find nothing) beside the same queries spelt right; `pressearch
  batch` over the two-word queries in one process (time between output
  lines); opening an index in a new process (`bench.opencost`: `Archive.open`
  alone, a first and a repeated query for a rare word); one `pressearch
  query` process per two-word query (wall time, exact peak RSS from
  `wait4`) and `pressearch --help`; `pressearch serve` round trips with 1
  and 8 clients (`bench.serve_speed`); re-index with nothing changed and
  with 1% of the files edited.
- SQLite FTS5 (`bench.fts5`): build, size, RSS, latency of the same mix, and
  a one-off query process.
- ripgrep (`grep -r` when `rg` is missing): the files holding both words of
  a two-word query, as a user chains two searches (`rg -l -i -w A DIR |
  xargs rg -l -i -w B`).

Each corpus prints its table (every figure beside the baseline's, with the
ratio pressearch / baseline: above 1× means slower, bigger or hungrier) and
its targets table (issue 15's thresholds, MET / NOT MET, `bench.targets`); a
summary ends the run, with the scale table across generated sizes. Before
starting, the run prints how long each stage should take, from the earlier
runs in the work folder (`bench.estimate`).

    python -m bench.speed [--sizes 10k,100k,1m] [--reuters] [--posts 20000] [--quick]
                          [--work DIR] [--reuse] [--skip serve,reindex] [--estimate]

With neither --sizes nor --reuters nor --posts, every corpus a target of
issue 15 names: Reuters-21578, 20,000 posts in one file, and 1,000, 20,000
and 100,000 generated articles (add 1m to --sizes for the scale row: see
--estimate first). --quick: 2,000 generated articles and 8 queries per
kind, a smoke test of a few minutes. From 500,000 articles on,
the mix has 25 queries per kind (unless --queries says otherwise). Corpora
are generated or converted once into the work folder and reused; indexes
are rebuilt each run unless --reuse finds them built. The page cache is
warm for every engine alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import estimate, stages
from bench.corpora import (
    Corpus,
    generated_corpus,
    posts_corpus,
    reuters_corpus,
    sample_mix,
)
from bench.latency import misspelt_queries
from bench.processes import REPO, pressearch_cmd, pressearch_missing, run_measured, say, tail
from bench.report import environment, render, render_serve
from bench.results import Options, Results
from bench.serve_speed import SERVE_CLIENTS, measure_serve
from bench.stages import stage
from bench.targets import knee, render_summary, render_targets, scale_rows, target_rows

DEFAULT_DATA = REPO.parent / "shared" / "data"

DEFAULT_WORK = Path(tempfile.gettempdir()) / "pressearch-bench"

DEFAULT_SIZES = (1_000, 20_000, 100_000)
DEFAULT_POSTS = 20_000

LARGE = 500_000  # from this many articles on, fewer queries per kind (Options.per_kind_large)


@dataclasses.dataclass(frozen=True)
class Wanted:
    """A corpus the run will measure, before it is made."""

    kind: str  # "reuters", "posts" or "generated"
    articles: int
    ready: bool  # already generated or converted in the work folder

    @property
    def name(self) -> str:
        if self.kind == "reuters":
            return "Reuters-21578"
        return f"{self.kind} {self.articles:,}"


def per_kind(opts: Options, articles: int) -> int:
    return opts.per_kind_large if articles >= LARGE else opts.per_kind


def plan(w: Wanted, opts: Options, run_dir: Path) -> estimate.Plan:
    """The units each stage of one corpus's run will handle (the same as it records)."""
    k = per_kind(opts, w.articles)
    queries = 6 * k
    e2e = max(3, opts.reps)
    built = opts.reuse and (run_dir / "pressearch-build.json").exists()
    fts_built = opts.reuse and (run_dir / "fts5-build.json").exists()
    units = {
        "generate": 0 if w.ready else w.articles,
        "sample queries": 1,
        "pressearch build": 0 if built else w.articles,
        "pressearch latency": queries,
        "batch": k,
        "opening": opts.reps + 1,
        "one-off query": e2e,
        "serve": queries,
        "re-index": w.articles,
        "FTS5 build": 0 if fts_built else w.articles,
        "FTS5 latency": queries,
        "FTS5 one-off": e2e,
        "grep": e2e,
    }
    if not opts.pressearch_ok:
        for name in ("pressearch build", "pressearch latency", "batch", "opening", "serve"):
            units[name] = 0
        units["one-off query"] = units["re-index"] = 0
    for name, (word, _, _) in estimate.STAGES.items():
        if word and word in opts.skip:
            units[name] = 0
    return estimate.Plan(w.kind, w.articles, units)


def make_corpus(w: Wanted, opts: Options, data: Path) -> Corpus | None:
    if w.kind == "reuters":
        return reuters_corpus(opts.work, data)
    if w.kind == "posts":
        return posts_corpus(opts.work, w.articles, opts.seed)
    return generated_corpus(opts.work, w.articles, opts.seed)


def measure_corpus(corpus: Corpus, opts: Options, generate_s: float = 0.0) -> Results:
    """Build, query, start up and re-index, for pressearch and the baselines."""
    run_dir = opts.work / "runs" / corpus.key
    if not opts.reuse:
        shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    k = per_kind(opts, corpus.articles)
    res = Results(corpus, 0)
    if generate_s:
        res.stages["generate"], res.units["generate"] = generate_s, corpus.articles
    with stage(res, "sample queries", 1):
        specs, probe = sample_mix(corpus, k, opts.seed)
    res.queries, res.kinds = len(specs), [s.kind for s in specs]
    if k != opts.per_kind:
        res.notes.append(f"{k} queries per kind (not {opts.per_kind}) from {LARGE:,} articles on")
    queries_file = run_dir / "queries.json"
    queries_file.write_text(json.dumps([dataclasses.asdict(s) for s in specs], indent=1))
    two_words = [s.words for s in specs if s.kind == "two-word AND"]
    e2e_words = two_words[: max(3, opts.reps)]
    misspelt_file = run_dir / "misspelt.json"
    misspelt_file.write_text(json.dumps(misspelt_queries(two_words), indent=1))
    res.load = (os.getloadavg()[0], 0.0)
    index_dir = run_dir / "pressearch-index"
    db = run_dir / "fts5.db"
    skip = opts.skip

    if opts.pressearch_ok:
        stages.pressearch_build(corpus, opts, res, index_dir)
    if opts.pressearch_ok and res.ps_build:
        say(f"{corpus.name}: pressearch latency ({len(specs)} queries x 2, did you mean) ...")
        with stage(res, "pressearch latency", len(specs)):
            res.ps_latency = stages.latency(
                "pressearch", index_dir, queries_file, corpus, res, misspelt_file
            )
        if "batch" not in skip:
            say(f"{corpus.name}: pressearch batch ...")
            with stage(res, "batch", len(two_words)):
                warm = stages.warm_queries(specs)
                stages.batch(res, index_dir, run_dir, [" ".join(w) for w in two_words], warm)
        if "open" not in skip:
            say(f"{corpus.name}: opening the index ...")
            with stage(res, "opening", opts.reps + 1):
                stages.opening(res, index_dir, probe, opts.reps)
        if "e2e" not in skip:
            say(f"{corpus.name}: pressearch end to end ...")
            with stage(res, "one-off query", len(e2e_words)):
                stages.one_off(res, index_dir, e2e_words, opts.reps)
            # Its baseline right after it: the machine's speed drifts over the
            # minutes the other stages take (15-20% within an hour, measured).
            _grep(corpus, opts, res, e2e_words)
        if "serve" not in skip:
            say(f"{corpus.name}: pressearch serve, 1 and {SERVE_CLIENTS[-1]} clients ...")
            with stage(res, "serve", len(specs)):
                res.serve = measure_serve(corpus, index_dir, specs, e2e_words, res)
        if "reindex" not in skip:
            say(f"{corpus.name}: pressearch re-index (then put back) ...")
            with stage(res, "re-index", corpus.articles):
                stages.reindex(corpus, opts, res, index_dir)
        if opts.profile:
            _profile_build(corpus, run_dir, res)

    if "fts5" not in skip:
        stages.fts5_build(corpus, opts, res, db)
        if res.fts_build:
            say(f"{corpus.name}: FTS5 latency ...")
            with stage(res, "FTS5 latency", len(specs)):
                res.fts_latency = stages.latency("fts5", db, queries_file, corpus, res)
            with stage(res, "FTS5 one-off", len(e2e_words)):
                stages.fts5_one_off(res, db, e2e_words)
    if "e2e" not in skip and opts.grep[0] not in res.e2e:
        _grep(corpus, opts, res, e2e_words)
    res.load = (res.load[0], os.getloadavg()[0])
    for what, when in res.reused.items():
        res.notes.append(f"{what}: reused ({when}); its figures are that run's")
    return res


def _grep(corpus: Corpus, opts: Options, res: Results, e2e_words: Sequence[Sequence[str]]) -> None:
    """The end-to-end baseline: `rg -l` (or grep) over the archive's files."""
    say(f"{corpus.name}: {opts.grep[0]} end to end ...")
    with stage(res, "grep", len(e2e_words)):
        stages.grep(res, opts, corpus.archive, e2e_words)


def _history_entry(res: Results) -> dict[str, Any]:
    c = res.corpus
    disk = {"archive": c.bytes + c.files * 2048}  # half a 4 KiB block per file, allocated
    if res.ps_build:
        disk["pressearch"] = res.ps_build["bytes"]
    if res.fts_build:
        disk["fts5"] = res.fts_build["bytes"]
    if c.manifest and c.manifest.exists():
        disk["manifest"] = c.manifest.stat().st_size
    return {
        "kind": c.kind,
        "articles": c.articles,
        "commit": stages.commit(),
        "load": res.load,
        "stages": res.stages,
        "units": res.units,
        "disk": disk,
    }


def _profile_build(corpus: Corpus, run_dir: Path, res: Results) -> None:
    """One more full build under pyinstrument (main process only), report to a file."""
    out = run_dir / "build-profile.txt"
    target = run_dir / "profile-index"
    cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(out), "-m"]
    cmd += ["pressearch", "index", str(corpus.archive), "--index", str(target), "--quiet"]
    m = run_measured(cmd)
    if m.returncode == 0:
        res.notes.append(f"pyinstrument profile of a full build: {out}")
    else:
        res.notes.append(f"profiling failed: {tail(m.stderr)}")
    shutil.rmtree(target, ignore_errors=True)


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        sizes.append(int(float(part.rstrip("km")) * scale))
    return sizes


def _wanted(args: argparse.Namespace) -> list[Wanted]:
    from bench.generate import GENERATOR_VERSION

    work: Path = args.work
    if args.quick:
        sizes = parse_sizes(args.sizes) if args.sizes else [2_000]
        reuters = args.reuters
    elif args.sizes is None and not args.reuters and not args.posts:
        sizes, reuters = list(DEFAULT_SIZES), True
        args.posts = DEFAULT_POSTS
    else:
        sizes, reuters = parse_sizes(args.sizes or ""), args.reuters
    out = []
    if reuters:
        stamp = work / "reuters" / "corpus.json"
        articles = json.loads(stamp.read_text())["articles"] if stamp.exists() else 21_578
        out.append(Wanted("reuters", articles, stamp.exists()))
    if args.posts:
        stamp = work / f"posts-s{args.seed}-n{args.posts}" / "corpus.json"
        out.append(Wanted("posts", args.posts, stamp.exists()))
    for n in sizes:
        stamp = work / f"generated-s{args.seed}-n{n}" / "corpus.json"
        ready = stamp.exists() and json.loads(stamp.read_text()).get("version") == (
            GENERATOR_VERSION
        )
        out.append(Wanted("generated", n, ready))
    return out


def _run_dir_key(w: Wanted, seed: int) -> str:
    if w.kind == "reuters":
        return "reuters"
    return f"{'posts' if w.kind == 'posts' else 'generated'}-s{seed}-n{w.articles}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m bench.speed",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="With neither --sizes nor --reuters nor --posts: Reuters-21578, 20,000 posts"
        " and 1k, 20k, 100k generated articles.",
    )
    parser.add_argument("--sizes", help="generated corpus sizes, e.g. 10000,100000 or 10k,1m")
    parser.add_argument("--reuters", action="store_true", help="measure Reuters-21578")
    parser.add_argument(
        "--posts",
        type=int,
        metavar="N",
        help="measure N long posts in ONE JSON Lines file, ~170k distinct words (20000)",
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"shared data (default {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="2,000 generated articles, 8 queries per kind"
    )
    parser.add_argument("--queries", type=int, help="queries per kind (default 50; quick 8)")
    parser.add_argument("--seed", type=int, default=0, help="generator and query-mix seed")
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"corpora and indexes (default {DEFAULT_WORK}); never the repo",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the indexes an earlier run built in --work again instead of building"
        " them (their build figures are that run's)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help=f"stages to leave out, comma-separated: {', '.join(sorted(estimate.SKIPPABLE))}",
    )
    parser.add_argument(
        "--estimate", action="store_true", help="print the time estimate of each stage and stop"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one pressearch build per corpus"
    )
    parser.add_argument("--out", type=Path, help="also write every figure as JSON here")
    args = parser.parse_args(argv)

    skip = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    if skip - estimate.SKIPPABLE:
        parser.error(f"--skip: unknown stage {', '.join(sorted(skip - estimate.SKIPPABLE))}")
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("error: psutil is missing: pip install '.[bench]'", file=sys.stderr)
        return 2
    if args.work.resolve().is_relative_to(REPO):
        print("error: --work must be outside the repository", file=sys.stderr)
        return 2
    per = args.queries or (8 if args.quick else 50)
    grep = ["rg"] if shutil.which("rg") else ["grep", "-r"]
    missing = pressearch_missing()
    opts = Options(
        work=args.work,
        per_kind=per,
        reps=3 if args.quick else 5,
        seed=args.seed,
        grep=grep,
        pressearch_ok=missing is None,
        profile=args.profile,
        reuse=args.reuse,
        skip=skip,
        per_kind_large=args.queries or min(per, 25),
    )
    args.work.mkdir(parents=True, exist_ok=True)
    wanted = _wanted(args)
    for w in wanted:
        run_dir = args.work / "runs" / _run_dir_key(w, args.seed)
        for line in estimate.render(args.work, w.name, plan(w, opts, run_dir)).splitlines():
            say(line)
    if args.estimate:
        return 0
    print(environment(opts))
    print(f"pressearch run as: {' '.join(pressearch_cmd())}")
    if missing:
        print(f"pressearch not measured: {missing}")
    if grep[0] != "rg":
        print("rg not found: the end-to-end baseline is grep -r (slower than rg)")
    if skip:
        print(f"stages skipped: {', '.join(sorted(skip))}")
    print()
    everything: list[Results] = []
    for w in wanted:
        started = time.perf_counter()
        corpus = make_corpus(w, opts, args.data)
        if corpus is None:
            continue
        made = 0.0 if w.ready else time.perf_counter() - started
        res = measure_corpus(corpus, opts, made)
        estimate.record(args.work, _history_entry(res))
        print(render(res, opts), "\n", flush=True)
        if res.serve:
            print(render_serve(res, opts), "\n", flush=True)
        print(render_targets(res, grep[0]), "\n", flush=True)
        everything.append(res)
    print(render_summary(everything, grep[0]), flush=True)
    if args.out:
        out: dict[str, Any] = {
            "environment": environment(opts),
            "commit": stages.commit(),
            "corpora": [
                {
                    "name": r.corpus.name,
                    "targets": target_rows(r, grep[0]),
                    **dataclasses.asdict(r),
                }
                for r in everything
            ],
        }
        generated = scale_rows([r for r in everything if r.corpus.kind == "generated"])
        if generated:
            out["scale"] = [dataclasses.asdict(row) for row in generated]
            out["knee"] = knee(generated)
        args.out.write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
