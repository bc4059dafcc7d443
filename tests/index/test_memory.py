"""Freed memory handed back: on glibc, through `malloc_trim`; elsewhere nothing, quietly."""

from __future__ import annotations

import gc
import platform
import weakref

import pytest

from pressearch.index import memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim")
def test_glibc_s_trim_is_found_and_runs() -> None:
    trim = memory._malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)  # 1: memory was released, 0: there was none to release


class _Node:
    me: _Node


@pytest.mark.parametrize("has_trim", [True, False])
def test_garbage_is_collected_with_or_without_a_trim(
    monkeypatch: pytest.MonkeyPatch, has_trim: bool
) -> None:
    if not has_trim:
        monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    collected: list[bool] = []
    node = _Node()
    node.me = node  # a cycle: only the collector frees it
    weakref.finalize(node, collected.append, True)
    del node
    gc.disable()
    try:
        memory.give_back()
    finally:
        gc.enable()
    assert collected == [True]
