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
import datetime as dt
import itertools
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "pressearch-bench"
KINDS = ("two-word AND", "phrase", "five-word any", "field + filter", "date range", "wildcard")
GENERATED_FACETS = ("crime_area", "target_group")
REUTERS_FACETS = ("topics", "places")
POSTS_FACETS = ("newsgroup", "topics")
POSTS_VOCABULARY = 170_000  # invented words: Usenet posts hold ~170k distinct words
LIMIT = 10
# FTS5 operators and words the query mix must not use as plain words.
RESERVED = frozenset({"and", "or", "not", "near", "to"})


# --------------------------------------------------------------------------
# Corpora


@dataclass(frozen=True)
class Corpus:
    """An archive folder to index and the article records it holds (the truth)."""

    name: str
    key: str
    archive: Path
    truth: tuple[Path, ...]  # JSON Lines of Article.to_dict(): manifest or the archive itself
    manifest: Path | None  # for the FTS5 baseline when index.parse is missing
    articles: int
    files: int
    bytes: int
    facets: tuple[str, str]  # the two facets counted by the "with facets" mix
    window_days: int  # half-width of a date-range query


def _stamp_ok(stamp: Path, expected: dict[str, Any]) -> dict[str, Any] | None:
    if not stamp.exists():
        return None
    data: dict[str, Any] = json.loads(stamp.read_text())
    return data if all(data.get(k) == v for k, v in expected.items()) else None


def generated_corpus(work: Path, n: int, seed: int) -> Corpus:
    """`n` generated Markdown articles, made once per (n, seed, generator version)."""
    from bench.generate import GENERATOR_VERSION, generate

    base = work / f"generated-s{seed}-n{n}"
    stamp = base / "corpus.json"
    expected = {"version": GENERATOR_VERSION, "n": n, "seed": seed}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        _say(f"generating {n:,} articles (seed {seed}) into {base} ...")
        report = generate(base / "archive", n, seed, manifest=base / "manifest.jsonl")
        info = {**expected, "files": report.files, "bytes": report.bytes}
        stamp.write_text(json.dumps(info))
    manifest = base / "manifest.jsonl"
    return Corpus(
        name=f"generated {n:,}",
        key=base.name,
        archive=base / "archive",
        truth=(manifest,),
        manifest=manifest,
        articles=n,
        files=info["files"],
        bytes=info["bytes"],
        facets=GENERATED_FACETS,
        window_days=180,
    )


def reuters_corpus(work: Path, data: Path) -> Corpus | None:
    """Reuters-21578 as JSON Lines, converted once; None when the data is absent."""
    from bench.reuters import convert

    source = data / "reuters21578"
    if not source.is_dir():
        _say(f"skipping Reuters-21578: {source} not found (pass --data DIR)")
        return None
    base = work / "reuters"
    stamp = base / "corpus.json"
    expected = {"version": 1, "source": str(source)}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        _say(f"converting Reuters-21578 into {base} ...")
        report = convert(source, base / "archive")
        info = {
            **expected,
            "articles": report.written,
            "files": report.files,
            "bytes": report.bytes,
        }
        stamp.write_text(json.dumps(info))
    archive = base / "archive"
    return Corpus(
        name="Reuters-21578",
        key="reuters",
        archive=archive,
        truth=tuple(sorted(archive.glob("*.jsonl"))),
        manifest=None,
        articles=info["articles"],
        files=info["files"],
        bytes=info["bytes"],
        facets=REUTERS_FACETS,
        window_days=7,
    )


def posts_corpus(work: Path, n: int, seed: int) -> Corpus:
    """`n` long posts in ONE JSON Lines file, ~170k distinct words (`bench.generate`)."""
    from bench.generate import GENERATOR_VERSION, generate_posts

    base = work / f"posts-s{seed}-n{n}"
    stamp = base / "corpus.json"
    expected = {"version": GENERATOR_VERSION, "n": n, "seed": seed, "vocabulary": POSTS_VOCABULARY}
    info = _stamp_ok(stamp, expected)
    if info is None:
        shutil.rmtree(base, ignore_errors=True)
        _say(f"generating {n:,} posts (seed {seed}) into {base} ...")
        report = generate_posts(base / "archive" / "posts.jsonl", n, POSTS_VOCABULARY, seed)
        info = {**expected, "bytes": report.bytes}
        stamp.write_text(json.dumps(info))
    archive = base / "archive"
    return Corpus(
        name=f"posts {n:,}, one JSON Lines file",
        key=base.name,
        archive=archive,
        truth=(archive / "posts.jsonl",),
        manifest=None,
        articles=n,
        files=1,
        bytes=info["bytes"],
        facets=POSTS_FACETS,
        window_days=30,
    )


def iter_truth(corpus: Corpus) -> Iterator[dict[str, Any]]:
    for path in corpus.truth:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


# --------------------------------------------------------------------------
# The query mix


@dataclass(frozen=True)
class QuerySpec:
    """One query of the mix, in pressearch's language and in FTS5's."""

    kind: str
    text: str
    match: str
    filters: tuple[tuple[str, str], ...]
    since: str | None
    until: str | None
    fts: str
    words: tuple[str, ...] = ()  # the plain words, for the end-to-end runs


_ALPHA = re.compile(r"[A-Za-z]+")


def _content_words(tokens: Sequence[str], stop: frozenset[str]) -> list[str]:
    """Distinct plain ASCII words of 4-14 letters that no engine treats specially."""
    out = []
    for token in tokens:
        word = token.lower()
        plain = 4 <= len(word) <= 14 and word.isascii() and word.isalpha()
        if plain and word not in stop and word not in RESERVED:
            out.append(word)
    return list(dict.fromkeys(out))


def sample_queries(corpus: Corpus, per_kind: int, seed: int) -> list[QuerySpec]:
    """`per_kind` queries of each kind, each built from one sampled article."""
    from bench import fts5
    from pressearch.index.schema import STOP_WORDS

    rng = random.Random(seed)
    wanted = set(rng.sample(range(corpus.articles), min(corpus.articles, per_kind * 60)))
    docs = [d for i, d in enumerate(iter_truth(corpus)) if i in wanted]
    rng.shuffle(docs)
    filter_facet = corpus.facets[0]

    def make(kind: str, doc: dict[str, Any]) -> QuerySpec | None:
        body_words = _content_words(_ALPHA.findall(doc["body"]), STOP_WORDS)
        if kind == "two-word AND" and len(body_words) >= 2:
            a, b = rng.sample(body_words, 2)
            return QuerySpec(kind, f"{a} {b}", "all", (), None, None, fts5.all_of([a, b]), (a, b))
        if kind == "phrase":
            raw = doc["body"].split()
            pairs = [
                (x.lower(), y.lower())
                for x, y in itertools.pairwise(raw)
                if _content_words([x, y], STOP_WORDS) == [x.lower(), y.lower()]
            ]
            if pairs:
                a, b = rng.choice(pairs)
                return QuerySpec(kind, f'"{a} {b}"', "all", (), None, None, fts5.phrase([a, b]))
        if kind == "five-word any" and len(body_words) >= 5:
            words = rng.sample(body_words, 5)
            return QuerySpec(kind, " ".join(words), "any", (), None, None, fts5.any_of(words))
        if kind == "field + filter":
            head_words = _content_words(_ALPHA.findall(doc["headline"]), STOP_WORDS)
            values = (doc.get("taxonomy") or {}).get(filter_facet) or []
            if head_words and values:
                word, value = rng.choice(head_words), rng.choice(values)
                return QuerySpec(
                    kind,
                    f"headline:{word}",
                    "all",
                    ((filter_facet, value),),
                    None,
                    None,
                    fts5.in_column("headline", word),
                )
        if kind == "date range" and doc.get("date") and body_words:
            day = dt.date.fromisoformat(doc["date"])
            window = dt.timedelta(days=corpus.window_days)
            since, until = (day - window).isoformat(), (day + window).isoformat()
            word = rng.choice(body_words)
            return QuerySpec(kind, word, "all", (), since, until, fts5.term(word))
        if kind == "wildcard":
            # Only prefixes FTS5's stemmer leaves alone mean the same in both engines.
            stems = list(dict.fromkeys(w[:5] for w in body_words if len(w) >= 7))
            stems = [s for s, t in zip(stems, fts5.tokens(stems), strict=True) if s == t]
            if stems:
                stem = rng.choice(stems)
                return QuerySpec(kind, stem + "*", "all", (), None, None, fts5.prefix(stem))
        return None

    queries: list[QuerySpec] = []
    pool = iter(docs)
    for kind in KINDS:
        made = 0
        for doc in pool:
            spec = make(kind, doc)
            if spec is not None:
                queries.append(spec)
                made += 1
                if made == per_kind:
                    break
    return queries


# --------------------------------------------------------------------------
# Running and measuring child processes


@dataclass(frozen=True)
class Measured:
    """A finished child process: exit code, output, wall time, peak RSS of its tree."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed pressearch has bytecode (pip compiles it); without it every
    # process would compile our modules again, ~35 ms of each cold start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_measured(cmd: Sequence[str], poll: float = 0.05) -> Measured:
    """Run `cmd`, polling the RSS of its whole process tree (workers included)."""
    import psutil  # type: ignore[import-untyped]

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = psutil.Popen(list(cmd), stdout=out, stderr=err, env=_child_env(), cwd=REPO)
        peak = 0
        while proc.poll() is None:
            total = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            except psutil.Error:
                pass
            peak = max(peak, total)
            time.sleep(poll)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, out.read(), err.read(), seconds, peak / 2**20)


def wall_ms(cmd: Sequence[str], failures: list[str] | None = None) -> float | None:
    """Wall time of one process in ms; None for a non-zero exit when `failures` is given
    (the failure is noted there)."""
    start = time.perf_counter()
    done = subprocess.run(
        list(cmd),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
        cwd=REPO,
        check=False,
    )
    ms = (time.perf_counter() - start) * 1000
    if done.returncode != 0 and failures is not None:
        failures.append(f"`{' '.join(cmd[-6:])}` exited {done.returncode}: {_tail(done.stderr, 1)}")
        return None
    return ms


def median_ms(times: Iterable[float | None]) -> float | None:
    """Median of the runs that succeeded, or None when none did."""
    done = [t for t in times if t is not None]
    return statistics.median(done) if done else None


def pressearch_cmd() -> list[str]:
    """The console script next to this Python when installed, else `python -m pressearch`."""
    script = Path(sys.executable).parent / "pressearch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pressearch"]


def pressearch_missing() -> str | None:
    """Why pressearch cannot be measured yet (a module that fails to import), or None."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pressearch.cli.app, pressearch.search.engine, pressearch.index.writer",
        ],
        capture_output=True,
        text=True,
        env=_child_env(),
        cwd=REPO,
        check=False,
    )
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else "import failed"


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Latency: the child process side


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


# --------------------------------------------------------------------------
# One corpus, all measurements


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
        res.notes.append(f"{engine} latency run failed: {_tail(m.stderr)}")
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


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"


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
        _say(f"{corpus.name}: pressearch full build ...")
        cmd = [*ps, "index", str(corpus.archive), "--index", str(index_dir), "--quiet", "--json"]
        m = run_measured(cmd)
        report = _index_json(m)
        if report is None:
            res.notes.append(f"pressearch index failed (exit {m.returncode}): {_tail(m.stderr)}")
        else:
            res.ps_build = {
                "seconds": m.seconds,
                "peak_rss_mb": m.peak_rss_mb,
                "bytes": dir_bytes(index_dir),
                "report": report,
            }
            if _count_failed(report):
                failed = _count_failed(report)
                res.notes.append(f"pressearch: {failed} files failed: {_tail(m.stderr, 2)}")
            _say(f"{corpus.name}: pressearch latency ({len(specs)} queries x 2) ...")
            res.ps_latency = _latency("pressearch", index_dir, queries_file, corpus, res)
            _say(f"{corpus.name}: pressearch re-index ...")
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
            _say(f"{corpus.name}: pressearch end to end ...")
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
            _say(f"{corpus.name}: pressearch serve, 1 and {SERVE_CLIENTS[-1]} clients ...")
            res.serve = measure_serve(corpus, index_dir, specs, two_words, res)

    _say(f"{corpus.name}: FTS5 build ...")
    cmd = [sys.executable, "-m", "bench.fts5", "build", str(db), str(corpus.archive)]
    if corpus.manifest:
        cmd += ["--manifest", str(corpus.manifest)]
    m = run_measured(cmd)
    if m.returncode != 0:
        res.notes.append(f"FTS5 build failed: {_tail(m.stderr)}")
    else:
        stats = json.loads(m.stdout.strip().splitlines()[-1])
        stats["wall_seconds"] = m.seconds
        stats["peak_rss_mb"] = max(m.peak_rss_mb, stats["max_rss_mb"])
        res.fts_build = stats
        _say(f"{corpus.name}: FTS5 latency ...")
        res.fts_latency = _latency("fts5", db, queries_file, corpus, res)
        fts_query = [sys.executable, "-m", "bench.fts5", "query", str(db)]
        wall_ms([*fts_query, *two_words[0]])
        failures = []
        res.e2e["fts5 query"] = median_ms(
            wall_ms([*fts_query, *w, "--limit", str(LIMIT)], failures) for w in two_words
        )
        if failures:
            res.notes.append(f"{len(failures)} FTS5 one-off runs failed; first: {failures[0]}")

    _say(f"{corpus.name}: {opts.grep[0]} end to end ...")
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
        res.notes.append(f"profiling failed: {_tail(m.stderr)}")
    shutil.rmtree(target, ignore_errors=True)


# --------------------------------------------------------------------------
# pressearch serve: warm API latency, beside the one-off process and grep

SERVE_CLIENTS = (1, 8)


def measure_serve(
    corpus: Corpus,
    index_dir: Path,
    specs: Sequence[QuerySpec],
    two_words: Sequence[Sequence[str]],
    res: Results,
) -> dict[str, Any] | None:
    """Round trips through `/api/search` of a running `pressearch serve`, once it is warm.

    The server is the real command (`serve --port 0`), its address read from
    what it prints. Each client keeps one HTTP connection open and runs the
    whole query mix (the two facets and snippets, as the "full" variant),
    starting at its own place in it; with 8 clients all run at once. The
    two-word queries of the end-to-end rows are also timed alone, without
    facets, as `pressearch query --limit 10` runs them.
    """
    from urllib.parse import urlsplit

    process = subprocess.Popen(
        [*pressearch_cmd(), "serve", "--index", str(index_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if " at http://" not in line:
            res.notes.append(f"pressearch serve did not start: {line.strip() or '(no output)'}")
            return None
        address = urlsplit(line.split(" at ", 1)[1].split()[0])
        host, port = address.hostname or "127.0.0.1", address.port or 80
        mix = [_api_path(spec, corpus.facets) for spec in specs]
        plain = [
            _api_path(QuerySpec("", " ".join(w), "all", (), None, None, ""), ()) for w in two_words
        ]
        _api_client(host, port, mix[: max(3, len(mix) // 10)], 0, [], [])  # warm-up, untimed
        out: dict[str, Any] = {"queries": len(mix)}
        for clients in SERVE_CLIENTS:
            times: list[float] = []
            errors: list[str] = []
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=_api_client,
                    args=(host, port, mix, n * len(mix) // clients, times, errors),
                )
                for n in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            out[_clients(clients)] = {"ms": times, "errors": errors, "seconds": seconds}
        times, errors = [], []
        for _ in range(3):
            _api_client(host, port, plain, 0, times, errors)
        out["two words"] = {"ms": times, "errors": errors}
        return out
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _clients(n: int) -> str:
    return f"{n} client" + ("" if n == 1 else "s")


def _api_path(spec: QuerySpec, facets: Sequence[str]) -> str:
    from urllib.parse import urlencode

    params: list[tuple[str, str]] = [("q", spec.text), ("limit", str(LIMIT))]
    if spec.match != "all":
        params.append(("match", spec.match))
    params += [("filter", f"{name}:{value}") for name, value in spec.filters]
    params += [
        (key, value) for key, value in (("since", spec.since), ("until", spec.until)) if value
    ]
    params += [("facet", name) for name in facets]
    return "/api/search?" + urlencode(params)


def _api_client(
    host: str, port: int, paths: Sequence[str], start: int, times: list[float], errors: list[str]
) -> None:
    """GET every path (from `start`, wrapping round) on one kept-alive connection, timed."""
    import http.client

    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for i in range(len(paths)):
            path = paths[(start + i) % len(paths)]
            t0 = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status == 200:
                times.append(elapsed)  # list.append is atomic: the clients share the lists
            else:
                errors.append(f"{response.status} {path}: {body[:120]!r}")
    finally:
        connection.close()


def render_serve(res: Results, opts: Options) -> str:
    """The serve table of one corpus: API latency beside the one-off process and grep."""
    serve = res.serve or {}
    e = res.e2e
    grep = opts.grep[0]
    one_off, grepped = e.get("pressearch query"), e.get(grep)
    rows = [("metric", "serve API", "one-off query", "ratio", grep, "ratio")]
    notes: list[str] = []
    for key in (*(_clients(n) for n in SERVE_CLIENTS), "two words"):
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
                _fmt(one_off),
                f"{_ratio(p50, one_off)} / {_ratio(p95, one_off)}",
                _fmt(grepped),
                f"{_ratio(p50, grepped)} / {_ratio(p95, grepped)}",
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


# --------------------------------------------------------------------------
# Tables


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _pcts(
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


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}{unit}"
    return f"{value:,.{digits}f}{unit}"


def _ratio(ours: float | None, base: float | None) -> str:
    if ours is None or base is None or base == 0:
        return "—"
    r = ours / base
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _triple(t: tuple[float, float, float] | None) -> str:
    return "—" if t is None else " / ".join(_fmt(v, digits=1) for v in t)


def _triple_ratio(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> str:
    if a is None or b is None:
        return "—"
    return " / ".join(_ratio(x, y) for x, y in zip(a, b, strict=True))


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
    row("full build: seconds", _fmt(ps_s, " s"), _fmt(fts_s, " s"), _ratio(ps_s, fts_s), "FTS5")
    ps_rate = c.articles / ps_s if ps_s else None
    fts_rate = c.articles / fts_s if fts_s else None
    row("full build: articles/s", _fmt(ps_rate), _fmt(fts_rate), _ratio(ps_rate, fts_rate), "FTS5")
    row(
        "full build: MB/s",
        _fmt(mb / ps_s if ps_s else None, digits=2),
        _fmt(mb / fts_s if fts_s else None, digits=2),
        _ratio(ps_rate, fts_rate),
        "FTS5",
    )
    if f:
        row("  FTS5: of which reading articles", "", _fmt(f["read_seconds"], " s"), "", f["source"])
    ps_mb = b["bytes"] / 1e6 if b else None
    fts_mb = f["bytes"] / 1e6 if f else None
    row(
        "index size on disk", _fmt(ps_mb, " MB"), _fmt(fts_mb, " MB"), _ratio(ps_mb, fts_mb), "FTS5"
    )
    ps_rss = b["peak_rss_mb"] if b else None
    fts_rss = f["peak_rss_mb"] if f else None
    row(
        "peak RSS while indexing",
        _fmt(ps_rss, " MB"),
        _fmt(fts_rss, " MB"),
        _ratio(ps_rss, fts_rss),
        "FTS5",
    )
    pl, fl = res.ps_latency, res.fts_latency
    ps_q = pl["peak_rss_mb"] if pl else None
    fts_q = fl["peak_rss_mb"] if fl else None
    row(
        "peak RSS while querying",
        _fmt(ps_q, " MB"),
        _fmt(fts_q, " MB"),
        _ratio(ps_q, fts_q),
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
            row(
                f"re-index, {label}", _fmt(r["seconds"], " s"), "", "", f"{share} ({counts}{extra})"
            )
    kinds = _spec_kinds(res, opts)
    for variant, title in (("full", "+2 facets +snippets"), ("bare", "no facets/snippets")):
        a, z = _pcts(pl, variant, None, kinds), _pcts(fl, variant, None, kinds)
        row(
            f"latency ms p50/p95/p99, all, {title}",
            _triple(a),
            _triple(z),
            _triple_ratio(a, z),
            "FTS5",
        )
    for kind in KINDS:
        for variant, title in (("full", "+f+s"), ("bare", "bare")):
            a, z = _pcts(pl, variant, kind, kinds), _pcts(fl, variant, kind, kinds)
            row(f"  {kind}, {title}", _triple(a), _triple(z), _triple_ratio(a, z), "FTS5")
    if pl and fl:
        ours = [t for t in pl["full"]["totals"] if t is not None]
        base = [t for t in fl["full"]["totals"] if t is not None]
        if ours and base:
            row(
                "median hits per query",
                _fmt(statistics.median(ours), digits=0),
                _fmt(statistics.median(base), digits=0),
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
        _fmt(q),
        _fmt(e.get(grep)),
        _ratio(q, e.get(grep)),
        f"{' '.join(opts.grep)} -l -i -w, word 1 | word 2",
    )
    row(
        "e2e, same, against FTS5 process, ms",
        _fmt(q),
        _fmt(e.get("fts5 query")),
        _ratio(q, e.get("fts5 query")),
        "python -m bench.fts5 query",
    )
    row("`pressearch --help`, ms", _fmt(e.get("pressearch --help")), "", "", "target < 150 ms")

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


# --------------------------------------------------------------------------
# Command line


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
