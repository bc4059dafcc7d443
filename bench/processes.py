"""How the benchmark runs a measured task: a child process, its wall time and peak RSS.

Model: every measured task runs in its own process, so a peak belongs to one
task: a long task with workers is polled (`run_measured`: psutil sums the
RSS of the process tree), a short one is timed and its peak read from the
kernel when it ends (`run_once`, `timed_lines`: `wait4`); helpers for wall
times and sizes.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measured:
    """A finished child process: exit code, output, wall time, peak RSS of its tree."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed pressearch has bytecode (pip compiles it); without it every
    # process would compile our modules again, ~35 ms of each cold start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# RSS polling: every 50 ms for the first seconds, then every 250 ms. One poll
# of a process tree costs ~5 ms of CPU (psutil reads /proc for every
# process); at 50 ms for an hour-long build that would steal a tenth of a
# core from the task measured, and a long task's peak lasts far longer than
# 250 ms (a worker's batch, a merge).
POLL_FAST, POLL_SLOW, POLL_FAST_FOR = 0.05, 0.25, 3.0


def run_measured(cmd: Sequence[str]) -> Measured:
    """Run `cmd`, polling the RSS of its whole process tree (workers included)."""
    import psutil  # type: ignore[import-untyped]

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = psutil.Popen(list(cmd), stdout=out, stderr=err, env=child_env(), cwd=REPO)
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
            fast = time.perf_counter() - start < POLL_FAST_FOR
            time.sleep(POLL_FAST if fast else POLL_SLOW)
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
        env=child_env(),
        cwd=REPO,
        check=False,
    )
    ms = (time.perf_counter() - start) * 1000
    if done.returncode != 0 and failures is not None:
        failures.append(f"`{' '.join(cmd[-6:])}` exited {done.returncode}: {tail(done.stderr, 1)}")
        return None
    return ms


@dataclass(frozen=True)
class OneOff:
    """One short process: wall time, its own peak RSS (the kernel's count, exact), exit."""

    ms: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def run_once(cmd: Sequence[str]) -> OneOff:
    """Run `cmd` once, output discarded; wall time and peak RSS from `wait4`.

    `wait4` reports the child's own maximum resident set (and of any child
    it waited for), measured by the kernel: exact even for a process that
    lives 100 ms, which polling would miss.
    """
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdout=subprocess.DEVNULL, stderr=err, env=child_env(), cwd=REPO
        )
        _, status, usage = os.wait4(proc.pid, 0)
        ms = (time.perf_counter() - start) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return OneOff(ms, usage.ru_maxrss / 1024, proc.returncode, err.read())


def timed_lines(cmd: Sequence[str]) -> tuple[list[float], list[bytes], OneOff]:
    """Run `cmd`; the moment (perf_counter seconds) each line of its output arrived,
    the lines, and the process's wall time and peak RSS."""
    stamps: list[float] = []
    lines: list[bytes] = []
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdout=subprocess.PIPE, stderr=err, env=child_env(), cwd=REPO
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            stamps.append(time.perf_counter())
            lines.append(line)
        _, status, usage = os.wait4(proc.pid, 0)
        ms = (time.perf_counter() - start) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        return stamps, lines, OneOff(ms, usage.ru_maxrss / 1024, proc.returncode, err.read())


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
        env=child_env(),
        cwd=REPO,
        check=False,
    )
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else "import failed"


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"
