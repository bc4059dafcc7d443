"""Ctrl-C under load: the workers stop at once, the run exits within a second,
and what was committed is kept (issue 18, item 10).

A child process indexes 1,200 articles through worker processes in small
batches; SIGINT reaches it once some batches are committed, while workers
are busy with the next. `build` raises `Interrupted`, saying how many
articles were committed; the index holds exactly those, and the next run
indexes the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pressearch.index.check import check_index
from pressearch.index.writer import build
from tests.conftest import write_article

ARTICLES = 1_200

CHILD = """
import signal
import sys
from pathlib import Path

# As at a terminal: a run started in the background of a script (CI's, or
# `nohup ... &`) inherits SIGINT ignored, and Python then keeps it ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
import pressearch.index.workers
from pressearch.errors import Interrupted
from pressearch.index.writer import build

pressearch.index.workers.BATCH_BYTES = 1_000_000  # a commit every ~170 articles
pressearch.index.workers.BATCHES_PER_WORKER = 1_000

signalled = False

def progress(p):
    # Reports repeat a count when the stage changes (reading, committing):
    # the parent is told once.
    global signalled
    if p.done == 600 and not signalled:
        signalled = True
        print("busy", flush=True)

try:
    build([Path(sys.argv[1])], Path(sys.argv[2]), progress=progress)
except Interrupted as exc:
    print(exc.committed, exc, flush=True)
"""


@pytest.mark.skipif(os.cpu_count() == 1, reason="needs worker processes")
def test_ctrl_c_stops_the_workers_at_once_and_keeps_what_was_committed(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    words = " ".join(f"word{i}" for i in range(700))
    for i in range(ARTICLES):
        write_article(archive, f"{i:04d}.md", headline=f"ARTICLE {i}", body=f"{words} {i}.")
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(archive), str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        assert child.stdout.readline() == "busy\n"
        interrupted = time.monotonic()
        child.send_signal(signal.SIGINT)
        out = child.stdout.read()
        child.wait(timeout=60)
        took = time.monotonic() - interrupted
    assert took < 1.0, f"exited {took:.1f} s after Ctrl-C"
    count, message = out.rstrip("\n").split(" ", 1)
    committed = int(count)
    assert message == (
        f"interrupted: {committed} articles of this run were committed and are kept"
        " — run it again to index the rest"
    )
    assert 0 < committed < ARTICLES
    report = check_index(index_dir)
    assert (report.documents, report.problems) == (committed, ())
    rest = build([archive], index_dir)
    assert (rest.added, rest.unchanged) == (ARTICLES - committed, committed)
    assert [p.name for p in index_dir.iterdir() if p.name.startswith(".")] == []
