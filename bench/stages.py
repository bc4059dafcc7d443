"""The measured stages of one corpus: builds, query latency, batch, one-off queries, re-index.

Model: each function runs one stage in child processes (`bench.processes`)
and stores its figures in the corpus's `Results`; `stage` times it for
`bench.estimate`. Builds leave a stamp beside the index (`*-build.json`:
the build's figures, commit and time) so that `--reuse` can measure an
index built by an earlier run again without building it.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.corpora import LIMIT, Corpus, QuerySpec
from bench.fts5 import archive_files
from bench.processes import (
    REPO,
    Measured,
    child_env,
    dir_bytes,
    median_ms,
    pressearch_cmd,
    run_measured,
    run_once,
    say,
    tail,
    timed_lines,
    wall_ms,
)
from bench.results import Options, Results


@contextlib.contextmanager
def stage(res: Results, name: str, units: int) -> Iterator[None]:
    """Time one stage of `res`'s run (wall seconds and its units, for estimates)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        res.stages[name] = res.stages.get(name, 0.0) + time.perf_counter() - start
        res.units[name] = res.units.get(name, 0) + units


def commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return out or "?"


def _stamp(path: Path, corpus: Corpus, figures: dict[str, Any]) -> None:
    made = {"commit": commit(), "when": time.strftime("%c"), "corpus": _identity(corpus)}
    path.write_text(json.dumps({**figures, **made}))


def _identity(corpus: Corpus) -> list[int]:
    return [corpus.articles, corpus.files, corpus.bytes]


def _reusable(opts: Options, stamp: Path, target: Path, corpus: Corpus) -> dict[str, Any] | None:
    """An earlier build's figures, when --reuse is asked and it indexed this very corpus."""
    if not (opts.reuse and stamp.exists() and target.exists()):
        return None
    data: dict[str, Any] = json.loads(stamp.read_text())
    return data if data.get("corpus") == _identity(corpus) else None


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


def index_cmd(corpus: Corpus, index_dir: Path) -> list[str]:
    archive, index = str(corpus.archive), str(index_dir)
    return [*pressearch_cmd(), "index", archive, "--index", index, "--quiet", "--json"]


def pressearch_build(corpus: Corpus, opts: Options, res: Results, index_dir: Path) -> None:
    """A full build through the CLI, or the figures of an earlier one with --reuse."""
    stamp = index_dir.parent / "pressearch-build.json"
    earlier = _reusable(opts, stamp, index_dir, corpus)
    if earlier is not None:
        res.ps_build = {k: earlier[k] for k in ("seconds", "peak_rss_mb", "bytes", "report")}
        res.reused["pressearch build"] = f"built {earlier['when']} at {earlier['commit']}"
        return
    shutil.rmtree(index_dir, ignore_errors=True)
    say(f"{corpus.name}: pressearch full build ...")
    with stage(res, "pressearch build", corpus.articles):
        m = run_measured(index_cmd(corpus, index_dir))
    report = _index_json(m)
    if report is None:
        res.notes.append(f"pressearch index failed (exit {m.returncode}): {tail(m.stderr)}")
        return
    res.ps_build = {
        "seconds": m.seconds,
        "peak_rss_mb": m.peak_rss_mb,
        "bytes": dir_bytes(index_dir),
        "report": report,
    }
    if _count_failed(report):
        failed = _count_failed(report)
        res.notes.append(f"pressearch: {failed} files failed: {tail(m.stderr, 2)}")
    _stamp(stamp, corpus, res.ps_build)


def latency(
    engine: str,
    target: Path,
    queries_file: Path,
    corpus: Corpus,
    res: Results,
    misspelt_file: Path | None = None,
) -> dict[str, Any] | None:
    """The query mix in one process (`bench.latency`), and for pressearch did-you-mean."""
    cmd = [sys.executable, "-m", "bench.latency", engine, str(target), str(queries_file)]
    cmd.append(",".join(corpus.facets))
    if misspelt_file is not None:
        cmd.append(str(misspelt_file))
    m = run_measured(cmd)
    if m.returncode != 0:
        res.notes.append(f"{engine} latency run failed: {tail(m.stderr)}")
        return None
    data: dict[str, Any] = json.loads(m.stdout.strip().splitlines()[-1])
    data["peak_rss_mb"] = max(m.peak_rss_mb, data["max_rss_mb"])
    for variant in ("full", "bare", "dym"):
        errors = (data.get(variant) or {}).get("errors")
        if errors:
            res.notes.append(
                f"{engine} ({variant}): {len(errors)} queries failed and are left out of "
                f"the percentiles; first: {errors[0]}"
            )
    dym = data.get("dym")
    if dym:
        found = sum(1 for n in dym["totals"] if n)
        right = sum(1 for s, i in zip(dym["suggestions"], dym["intended"], strict=False) if s == i)
        res.notes.append(
            f"did you mean: {len(dym['totals'])} misspelt two-word queries "
            f"(one letter of the longer word replaced by q), {found} of them found something "
            f"and are left out; the suggestion was the intended query for {right}"
        )
    return data


def batch(
    res: Results, index_dir: Path, run_dir: Path, texts: Sequence[str], warm: Sequence[str]
) -> None:
    """`pressearch batch` over `texts` in one process, two facets and snippets: the time
    between one output line and the next is one query (JSON written included); the
    `warm` queries go first, untimed."""
    warm = list(warm) or list(texts[:1])
    lines = [*warm, *texts]
    path = run_dir / "batch.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [*pressearch_cmd(), "batch", str(path), "--index", str(index_dir)]
    cmd += ["--limit", str(LIMIT)]
    for name in res.corpus.facets:
        cmd += ["-f", name]
    stamps, out, proc = timed_lines(cmd)
    if proc.returncode != 0 or len(stamps) != len(lines):
        res.notes.append(f"pressearch batch failed (exit {proc.returncode}): {tail(proc.stderr)}")
        return
    ms = [(stamps[i] - stamps[i - 1]) * 1000 for i in range(len(warm), len(lines))]
    totals = [json.loads(line).get("total") for line in out[len(warm) :]]
    res.batch = {
        "ms": ms,
        "totals": totals,
        "seconds": proc.ms / 1000,
        "peak_rss_mb": proc.peak_rss_mb,
    }


def opening(res: Results, index_dir: Path, probe: str, runs: int) -> None:
    """`bench.opencost` in `runs` new processes (after one untimed): medians of each figure."""
    cmd = [sys.executable, "-m", "bench.opencost", str(index_dir), probe]
    figures: list[dict[str, float]] = []
    for i in range(runs + 1):
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=child_env(), cwd=REPO, check=False
        )
        if done.returncode != 0:
            res.notes.append(f"opening probe failed: {tail(done.stderr)}")
            return
        if i:
            figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = ("import_ms", "open_ms", "first_ms", "again_ms", "max_rss_mb")
    res.open_cost = {k: median_ms(f[k] for f in figures) for k in keys}
    res.open_cost["hits"] = figures[0]["hits"]
    res.open_cost["probe"] = probe  # type: ignore[assignment]
    res.open_cost["runs"] = runs


def one_off(res: Results, index_dir: Path, two_words: Sequence[Sequence[str]], reps: int) -> None:
    """A `pressearch query` process per two-word query: wall time and exact peak RSS;
    then `pressearch --help`."""
    ps = pressearch_cmd()
    query = [*ps, "query"]
    run_once([*query, " ".join(two_words[0]), "--index", str(index_dir)])  # warm-up
    times: list[float] = []
    rss: list[float] = []
    failures: list[str] = []
    for words in two_words:
        done = run_once([*query, " ".join(words), "--index", str(index_dir), "--limit", str(LIMIT)])
        if done.returncode != 0:
            failures.append(f"{' '.join(words)!r} exited {done.returncode}: {tail(done.stderr, 1)}")
            continue
        times.append(done.ms)
        rss.append(done.peak_rss_mb)
    res.one_off = {"ms": times, "peak_rss_mb": rss}
    res.e2e["pressearch query"] = median_ms(times)
    run_once([*ps, "--help"])
    res.e2e["pressearch --help"] = median_ms(
        wall_ms([*ps, "--help"], failures) for _ in range(reps)
    )
    if failures:
        res.notes.append(f"{len(failures)} end-to-end runs failed (left out); first: {failures[0]}")


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


def pick_files(root: Path, share: float, seed: int) -> list[Path]:
    """`share` of the files under `root`, drawn with `seed`, without listing them all in
    memory (the same draw as `random.Random(seed).sample(sorted files, k)`)."""
    count = sum(1 for _ in archive_files(root))
    if not count:
        return []
    chosen = random.Random(seed).sample(range(count), max(1, round(count * share)))
    order = {position: i for i, position in enumerate(chosen)}
    picked: list[Path | None] = [None] * len(chosen)
    for position, path in enumerate(archive_files(root)):
        if position in order:
            picked[order[position]] = path
    return [p for p in picked if p is not None]


def reindex(corpus: Corpus, opts: Options, res: Results, index_dir: Path) -> None:
    """Re-index with nothing changed, then with 1% of the files edited; then the files
    are put back and indexed again (untimed), so the index matches the archive for the
    next run with --reuse."""
    cmd = index_cmd(corpus, index_dir)
    m = run_measured(cmd)
    res.ps_reindex["unchanged"] = {"seconds": m.seconds, "report": _index_json(m)}
    chosen = pick_files(corpus.archive, 0.01, opts.seed)
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
        run_measured(cmd)


def fts5_build(corpus: Corpus, opts: Options, res: Results, db: Path) -> None:
    stamp = db.parent / "fts5-build.json"
    earlier = _reusable(opts, stamp, db, corpus)
    if earlier is not None:
        res.fts_build = earlier
        res.reused["FTS5 build"] = f"built {earlier['when']} at {earlier['commit']}"
        return
    say(f"{corpus.name}: FTS5 build ...")
    cmd = [sys.executable, "-m", "bench.fts5", "build", str(db), str(corpus.archive)]
    if corpus.manifest:
        cmd += ["--manifest", str(corpus.manifest)]
    with stage(res, "FTS5 build", corpus.articles):
        m = run_measured(cmd)
    if m.returncode != 0:
        res.notes.append(f"FTS5 build failed: {tail(m.stderr)}")
        return
    stats = json.loads(m.stdout.strip().splitlines()[-1])
    stats["wall_seconds"] = m.seconds
    stats["peak_rss_mb"] = max(m.peak_rss_mb, stats["max_rss_mb"])
    res.fts_build = stats
    _stamp(stamp, corpus, stats)


def fts5_one_off(res: Results, db: Path, two_words: Sequence[Sequence[str]]) -> None:
    fts_query = [sys.executable, "-m", "bench.fts5", "query", str(db)]
    wall_ms([*fts_query, *two_words[0]])
    failures: list[str] = []
    res.e2e["fts5 query"] = median_ms(
        wall_ms([*fts_query, *w, "--limit", str(LIMIT)], failures) for w in two_words
    )
    if failures:
        res.notes.append(f"{len(failures)} FTS5 one-off runs failed; first: {failures[0]}")


def grep(res: Results, opts: Options, archive: Path, two_words: Sequence[Sequence[str]]) -> None:
    # The pipeline's exit code only says whether the last search found anything.
    res.e2e[opts.grep[0]] = median_ms(
        wall_ms(["bash", "-c", grep_pipeline(opts.grep, archive, w)]) for w in two_words
    )


def grep_pipeline(tool: Sequence[str], archive: Path, words: Sequence[str]) -> str:
    """Files holding every word (case-insensitive, whole words): one search per word,
    the second over the files the first found, as a user would chain them."""
    import shlex

    first = [*tool, "-l", "-i", "-w", "--null", "-e", words[0], str(archive)]
    line = shlex.join(first)
    for word in words[1:]:
        line += " | xargs -0 -r " + shlex.join([*tool, "-l", "-i", "-w", "--null", "-e", word])
    return line


def warm_queries(specs: Sequence[QuerySpec], kind: str = "phrase", count: int = 3) -> list[str]:
    """A few queries of another kind than the timed ones, to warm a process up."""
    return [s.text for s in specs if s.kind == kind][:count]
