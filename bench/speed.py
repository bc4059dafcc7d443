"""Speed at scale: pressearch against SQLite FTS5 and ripgrep, one table per corpus.

Model: for each corpus (Reuters-21578 converted to JSON Lines; generated
Markdown archives of N articles) the harness samples a fixed query mix from
the articles themselves (so every query has hits), then measures, each in
its own child process so that peak RSS belongs to one task:

- pressearch: full build through the CLI (`index --quiet --json`), index size,
  peak RSS of the indexing process tree (psutil polling); re-index with
  nothing changed and with 1% of the files edited; latency of the query mix
  through the library (`Engine.search`, one engine reused) with and without
  two facets and top-10 snippets, and peak RSS while querying; wall time of
  a `pressearch query` process (cold start) and of `pressearch --help`.
- SQLite FTS5 (`bench.fts5`): build, size, RSS, latency of the same mix, and
  a cold one-off query process.
- ripgrep (or `grep -r` when `rg` is missing): files holding both words of a
  two-word query, as a pipeline of two searches.
- `pressearch serve` (`measure_serve`): round-trip latency of the query mix
  through `/api/search` once the server is warm, with one client and with 8
  at once, printed beside the one-off `pressearch query` process and the
  grep pipeline.

Every pressearch figure is printed beside the baseline's with the ratio
pressearch / baseline (above 1× means pressearch is slower, bigger or
hungrier; for rates, below 1× means slower). Corpora are generated or
converted once into the work folder and reused; indexes are rebuilt each run.
The page cache is warm for every engine alike.

    python -m bench.speed [--sizes 10000,100000] [--reuters] [--posts 20000] [--data DIR] [--quick]

With neither --sizes nor --reuters (nor --posts): Reuters-21578 plus 10,000
and 100,000 generated articles. --posts N: N long posts in one JSON Lines
file with ~170k distinct words (`bench.generate.generate_posts`), the shape
where the build is slowest. --quick: 2,000 generated articles and 48
queries, for a smoke test in well under a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpora import (
    LIMIT,
    Corpus,
    generated_corpus,
    posts_corpus,
    reuters_corpus,
    sample_queries,
)
from bench.processes import (
    REPO,
    Measured,
    dir_bytes,
    median_ms,
    pressearch_cmd,
    pressearch_missing,
    run_measured,
    say,
    tail,
    wall_ms,
)
from bench.report import environment, render, render_serve
from bench.results import Options, Results
from bench.serve_speed import SERVE_CLIENTS, measure_serve

DEFAULT_DATA = REPO.parent / "shared" / "data"

DEFAULT_WORK = Path(tempfile.gettempdir()) / "pressearch-bench"


def _request_runner(engine: str, target: Path) -> tuple[Any, bool]:
    """A function (spec, facets, full) -> total hits for one engine opened once, and
    whether it can leave snippets out."""
    if engine == "fts5":
        from bench.fts5 import FtsQuery, Searcher

        searcher = Searcher(target)

        def run_fts(spec: dict[str, Any], facets: Sequence[str], full: bool) -> int:
            query = FtsQuery(
                spec["fts"], tuple(map(tuple, spec["filters"])), spec["since"], spec["until"]
            )
            result = searcher.search(query, facets=facets if full else (), snippets=full)
            return result.total

        return run_fts, True

    from pressearch import Archive, SearchRequest

    archive = Archive.open(target)

    def run_pressearch(spec: dict[str, Any], facets: Sequence[str], full: bool) -> int:
        request = SearchRequest(
            text=spec["text"],
            match=spec["match"],
            filters=tuple(map(tuple, spec["filters"])),
            facets=tuple(facets) if full else (),
            limit=LIMIT,
            since=spec["since"],
            until=spec["until"],
        )
        return archive.search(request, snippets=full).total

    return run_pressearch, True


def child_latency(engine: str, target: Path, queries: Path, facets: Sequence[str]) -> None:
    """Open the engine once, run the mix with and without facets+snippets, print JSON."""
    specs = json.loads(queries.read_text())
    start = time.perf_counter()
    run, snippet_switch = _request_runner(engine, target)
    out: dict[str, Any] = {
        "open_seconds": time.perf_counter() - start,
        "snippet_switch": snippet_switch,
    }
    for variant, full in (("full", True), ("bare", False)):
        for spec in specs[: max(3, len(specs) // 20)]:  # warm-up, untimed
            with contextlib.suppress(Exception):  # the timed pass records errors
                run(spec, facets, full)
        times: list[float | None] = []
        totals: list[int | None] = []
        errors: list[str] = []
        for spec in specs:
            t0 = time.perf_counter()
            try:
                total = run(spec, facets, full)
            except Exception as exc:  # a failed query is reported, not fatal
                times.append(None)
                totals.append(None)
                errors.append(f"{spec['text']!r}: {type(exc).__name__}: {exc}")
                continue
            times.append((time.perf_counter() - t0) * 1000)
            totals.append(total)
        out[variant] = {"ms": times, "totals": totals, "errors": errors}
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _latency(
    engine: str, target: Path, queries_file: Path, corpus: Corpus, res: Results
) -> dict[str, Any] | None:
    cmd = [
        sys.executable,
        "-m",
        "bench.speed",
        "_latency",
        engine,
        str(target),
        str(queries_file),
        ",".join(corpus.facets),
    ]
    m = run_measured(cmd)
    if m.returncode != 0:
        res.notes.append(f"{engine} latency run failed: {tail(m.stderr)}")
        return None
    data: dict[str, Any] = json.loads(m.stdout.strip().splitlines()[-1])
    data["peak_rss_mb"] = max(m.peak_rss_mb, data["max_rss_mb"])
    for variant in ("full", "bare"):
        errors = data[variant]["errors"]
        if errors:
            res.notes.append(
                f"{engine} ({variant}): {len(errors)} of {len(data[variant]['ms'])} queries "
                f"failed and are left out of the percentiles; first: {errors[0]}"
            )
    return data


def _index_json(m: Measured) -> dict[str, Any] | None:
    for line in reversed(m.stdout.strip().splitlines()):
        try:
            data: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            continue
        return data
    return None


def _count_failed(report: dict[str, Any]) -> int:
    failed = report.get("failed", 0)
    return len(failed) if isinstance(failed, list) else int(failed)


def edit_files(files: Sequence[Path]) -> tuple[dict[Path, bytes], int]:
    """Change one headline in each file; return the originals and the articles touched."""
    originals: dict[Path, bytes] = {}
    articles = 0
    for path in files:
        data = path.read_bytes()
        originals[path] = data
        text = data.decode("utf-8")
        if path.suffix == ".jsonl":
            lines = text.splitlines(keepends=True)
            record = json.loads(lines[0])
            record["headline"] += " UPDATED"
            lines[0] = json.dumps(record, ensure_ascii=False) + "\n"
            text = "".join(lines)
            articles += sum(1 for line in lines if line.strip())
        else:
            text = re.sub(r"^# ", "# UPDATED ", text, count=1, flags=re.M)
            articles += 1
        path.write_text(text, encoding="utf-8")
    return originals, articles


def measure_corpus(corpus: Corpus, opts: Options) -> Results:
    """Build, re-index, query and start up, for pressearch and the baselines."""
    run_dir = opts.work / "runs" / corpus.key
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    specs = sample_queries(corpus, opts.per_kind, opts.seed)
    queries_file = run_dir / "queries.json"
    queries_file.write_text(json.dumps([dataclasses.asdict(s) for s in specs], indent=1))
    res = Results(corpus, len(specs))
    load_before = os.getloadavg()[0]
    two_words = [s.words for s in specs if s.kind == "two-word AND"][: max(3, opts.reps)]
    index_dir = run_dir / "pressearch-index"
    db = run_dir / "fts5.db"
    ps = pressearch_cmd()

    if opts.pressearch_ok:
        say(f"{corpus.name}: pressearch full build ...")
        cmd = [*ps, "index", str(corpus.archive), "--index", str(index_dir), "--quiet", "--json"]
        m = run_measured(cmd)
        report = _index_json(m)
        if report is None:
            res.notes.append(f"pressearch index failed (exit {m.returncode}): {tail(m.stderr)}")
        else:
            res.ps_build = {
                "seconds": m.seconds,
                "peak_rss_mb": m.peak_rss_mb,
                "bytes": dir_bytes(index_dir),
                "report": report,
            }
            if _count_failed(report):
                failed = _count_failed(report)
                res.notes.append(f"pressearch: {failed} files failed: {tail(m.stderr, 2)}")
            say(f"{corpus.name}: pressearch latency ({len(specs)} queries x 2) ...")
            res.ps_latency = _latency("pressearch", index_dir, queries_file, corpus, res)
            say(f"{corpus.name}: pressearch re-index ...")
            m = run_measured(cmd)
            res.ps_reindex["unchanged"] = {"seconds": m.seconds, "report": _index_json(m)}
            files = sorted(p for p in corpus.archive.rglob("*") if p.is_file())
            chosen = random.Random(opts.seed).sample(files, max(1, round(len(files) / 100)))
            originals, touched = edit_files(chosen)
            try:
                m = run_measured(cmd)
                res.ps_reindex["changed"] = {
                    "seconds": m.seconds,
                    "files": len(chosen),
                    "articles": touched,
                    "report": _index_json(m),
                }
            finally:
                for path, data in originals.items():
                    path.write_bytes(data)
            if opts.profile:
                _profile_build(corpus, run_dir, res)
            say(f"{corpus.name}: pressearch end to end ...")
            failures: list[str] = []
            query = [*ps, "query"]
            wall_ms([*query, " ".join(two_words[0]), "--index", str(index_dir)])  # warm-up
            res.e2e["pressearch query"] = median_ms(
                wall_ms(
                    [*query, " ".join(w), "--index", str(index_dir), "--limit", str(LIMIT)],
                    failures,
                )
                for w in two_words
            )
            wall_ms([*ps, "--help"])
            res.e2e["pressearch --help"] = median_ms(
                wall_ms([*ps, "--help"], failures) for _ in range(opts.reps)
            )
            if failures:
                res.notes.append(
                    f"{len(failures)} end-to-end runs failed (left out); first: {failures[0]}"
                )
            say(f"{corpus.name}: pressearch serve, 1 and {SERVE_CLIENTS[-1]} clients ...")
            res.serve = measure_serve(corpus, index_dir, specs, two_words, res)

    say(f"{corpus.name}: FTS5 build ...")
    cmd = [sys.executable, "-m", "bench.fts5", "build", str(db), str(corpus.archive)]
    if corpus.manifest:
        cmd += ["--manifest", str(corpus.manifest)]
    m = run_measured(cmd)
    if m.returncode != 0:
        res.notes.append(f"FTS5 build failed: {tail(m.stderr)}")
    else:
        stats = json.loads(m.stdout.strip().splitlines()[-1])
        stats["wall_seconds"] = m.seconds
        stats["peak_rss_mb"] = max(m.peak_rss_mb, stats["max_rss_mb"])
        res.fts_build = stats
        say(f"{corpus.name}: FTS5 latency ...")
        res.fts_latency = _latency("fts5", db, queries_file, corpus, res)
        fts_query = [sys.executable, "-m", "bench.fts5", "query", str(db)]
        wall_ms([*fts_query, *two_words[0]])
        failures = []
        res.e2e["fts5 query"] = median_ms(
            wall_ms([*fts_query, *w, "--limit", str(LIMIT)], failures) for w in two_words
        )
        if failures:
            res.notes.append(f"{len(failures)} FTS5 one-off runs failed; first: {failures[0]}")

    say(f"{corpus.name}: {opts.grep[0]} end to end ...")
    # The pipeline's exit code only says whether the last search found anything.
    res.e2e[opts.grep[0]] = median_ms(
        wall_ms(["bash", "-c", grep_pipeline(opts.grep, corpus.archive, w)]) for w in two_words
    )
    res.load = (load_before, os.getloadavg()[0])
    return res


def grep_pipeline(tool: Sequence[str], archive: Path, words: Sequence[str]) -> str:
    """Files holding every word (case-insensitive, whole words): one search per word."""
    import shlex

    first = [*tool, "-l", "-i", "-w", "--null", "-e", words[0], str(archive)]
    line = shlex.join(first)
    for word in words[1:]:
        line += " | xargs -0 -r " + shlex.join([*tool, "-l", "-i", "-w", "--null", "-e", word])
    return line


def _profile_build(corpus: Corpus, run_dir: Path, res: Results) -> None:
    """One more full build under pyinstrument (main process only), report to a file."""
    out = run_dir / "build-profile.txt"
    target = run_dir / "profile-index"
    cmd = [
        sys.executable,
        "-m",
        "pyinstrument",
        "-r",
        "text",
        "-o",
        str(out),
        "-m",
        "pressearch",
        "index",
        str(corpus.archive),
        "--index",
        str(target),
        "--quiet",
        "--json",
    ]
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_latency"]:
        engine, target, queries, facets = argv[1:5]
        child_latency(engine, Path(target), Path(queries), [f for f in facets.split(",") if f])
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m bench.speed",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="With neither --sizes nor --reuters: Reuters-21578 and 10k, 100k generated.",
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
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"shared data folder (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2,000 generated articles, 8 queries per kind: a smoke test",
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
        "--profile",
        action="store_true",
        help="also profile one pressearch build per corpus with pyinstrument",
    )
    parser.add_argument("--out", type=Path, help="also write every figure as JSON here")
    args = parser.parse_args(argv)

    try:
        import psutil  # noqa: F401
    except ImportError:
        print("error: psutil is missing: pip install '.[bench]'", file=sys.stderr)
        return 2
    if args.work.resolve().is_relative_to(REPO):
        print("error: --work must be outside the repository", file=sys.stderr)
        return 2
    if args.quick:
        sizes = parse_sizes(args.sizes) if args.sizes else [2_000]
        reuters = args.reuters
    elif args.sizes is None and not args.reuters and not args.posts:
        sizes, reuters = [10_000, 100_000], True
    else:
        sizes, reuters = parse_sizes(args.sizes or ""), args.reuters
    per_kind = args.queries or (8 if args.quick else 50)
    grep = ["rg"] if shutil.which("rg") else ["grep", "-r"]
    missing = pressearch_missing()
    opts = Options(
        work=args.work,
        per_kind=per_kind,
        reps=3 if args.quick else 5,
        seed=args.seed,
        grep=grep,
        pressearch_ok=missing is None,
        profile=args.profile,
    )
    args.work.mkdir(parents=True, exist_ok=True)
    print(environment(opts))
    print(f"pressearch run as: {' '.join(pressearch_cmd())}")
    if missing:
        print(f"pressearch not measured: {missing}")
    if grep[0] != "rg":
        print("rg not found: the end-to-end baseline is grep -r")
    print()
    corpora: list[Corpus] = []
    if reuters:
        rc = reuters_corpus(args.work, args.data)
        if rc:
            corpora.append(rc)
    if args.posts:
        corpora.append(posts_corpus(args.work, args.posts, args.seed))
    corpora += [generated_corpus(args.work, n, args.seed) for n in sizes]
    everything = []
    for corpus in corpora:
        res = measure_corpus(corpus, opts)
        print(render(res, opts), "\n", flush=True)
        if res.serve:
            print(render_serve(res, opts), "\n", flush=True)
        everything.append(dataclasses.asdict(res))
    if args.out:
        args.out.write_text(json.dumps(everything, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
