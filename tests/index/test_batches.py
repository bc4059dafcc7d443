"""How `Workers` cuts a run's files into batches: balanced across workers, and bounded.

The batches are only planned here (no task is submitted, so no worker
starts): files of made-up sizes, with the machine's cores and the limits
set by the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import pressearch.index.workers as workers
from pressearch.index.file_list import FileList, PackedFiles, SourceFile


def planned(sizes: list[int], cores: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes of each batch `Workers` makes of files of `sizes`, in order."""
    monkeypatch.setattr(workers.os, "cpu_count", lambda: cores)
    files = FileList(
        SourceFile(f"/archive/{i:06}.md", "/archive", "1:1", size) for i, size in enumerate(sizes)
    )
    with files, workers.Workers(files, "/nowhere", lambda f: None) as run:
        batches: Iterator[PackedFiles | SourceFile | None] = iter([run.next_batch, *run.batches])
        out = []
        for batch in batches:
            assert isinstance(batch, PackedFiles)
            out.append(sum(f.size for f in batch))
        return out


def test_a_run_makes_one_batch_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each batch is a segment, which every query visits: as few as keep the
    # workers busy, of about equal size. 22.5 MB, Reuters' size.
    sizes = [100_000] * 225
    assert planned(sizes, 1, monkeypatch) == [sum(sizes)]
    two = planned(sizes, 2, monkeypatch)
    assert len(two) == 2 and max(two) - min(two) <= 100_000
    three = planned(sizes, 3, monkeypatch)
    assert len(three) == 3 and max(three) - min(three) <= 100_000
    assert sum(two) == sum(three) == sum(sizes)


def test_bounded_batches_come_in_rounds_of_one_per_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 7.5 batches' worth of MAX_BATCH_BYTES: eight of about equal size, not
    # seven and a small one, and nine for three workers.
    monkeypatch.setattr(workers, "MAX_BATCH_BYTES", 2_000_000)
    monkeypatch.setattr(workers, "BATCH_BYTES", 1_000_000)
    sizes = [100_000] * 150
    one_process = planned(sizes, 1, monkeypatch)
    assert len(one_process) == 8 and max(one_process) - min(one_process) <= 100_000
    two = planned(sizes, 2, monkeypatch)
    assert len(two) == 8 and max(two) - min(two) <= 100_000
    three = planned(sizes, 3, monkeypatch)
    assert len(three) == 9 and max(three) - min(three) <= 100_000
    assert sum(two) == sum(three) == sum(sizes)


def test_batches_are_bounded_whatever_the_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MAX_BATCH_BYTES", 2_000_000)
    monkeypatch.setattr(workers, "MAX_BATCH_FILES", 50)
    monkeypatch.setattr(workers, "BATCH_BYTES", 1_000_000)
    # By bytes: 40 MB where a batch per worker would hold 20 MB.
    by_bytes = planned([100_000] * 400, 2, monkeypatch)
    assert len(by_bytes) == 20 and max(by_bytes) <= 2_000_000
    # By files: 1,000 small files where a batch per worker would hold 500.
    by_files = planned([5_000] * 1_000, 2, monkeypatch)
    assert len(by_files) == 20 and set(by_files) == {50 * 5_000}
