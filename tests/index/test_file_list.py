"""index.file_list and the walk's order: files listed as sorting all their paths would.

The walk visits each folder's entries in the order their paths sort and
writes the files straight to a `FileList`; these tests check that order
against `sorted` on random trees whose names differ by the characters that
sort around "/" (`-`, `.`, `0`), with overlapping roots, and that a list
reads back what was appended, forward and backward, in memory and spilled,
as does a packed batch of files, pickled as a worker receives it.
"""

from __future__ import annotations

import errno
import io
import os
import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressearch.errors import IndexStorageError
from pressearch.index import file_list
from pressearch.index.file_list import FileList, PackedFiles, SourceFile
from pressearch.index.reading import Job, WholeFiles
from pressearch.index.walk import Root, walk

# Names whose order against a folder's "name/" is easy to get wrong.
NAMES = st.sampled_from(["a", "a-b", "a.b", "a0", "ab", "b", "é", "a b", "Z"])
# A tree: each path is a tuple of folder names then a file stem.
TREES = st.lists(st.lists(NAMES, min_size=1, max_size=4), min_size=1, max_size=25)


def make_tree(base: Path, tree: list[list[str]]) -> set[str]:
    """Write `tree` under `base` (a name used as both file and folder keeps the folder)."""
    made: set[str] = set()
    for parts in tree:
        *folders, stem = parts
        folder = base.joinpath(*folders)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{stem}.md"
            if target.is_dir():
                continue
            target.write_text("# H\n", encoding="utf-8")
        except (FileExistsError, NotADirectoryError):
            continue  # a folder where a file is (or the reverse): not this tree
        made.add(str(target))
    return {p for p in made if os.path.isfile(p)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES)
def test_a_walk_lists_every_file_in_sorted_order(tree: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "archive"
        base.mkdir()
        files = make_tree(base, tree)
        found = walk([Root(str(base), True)])
        with found.files:
            listed = [f.path for f in found.files]
        assert listed == sorted(files)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, first=st.sampled_from(["", "a", "a-b"]), second=st.sampled_from(["", "a", "b"]))
def test_overlapping_roots_list_each_file_once_in_sorted_order(
    tree: list[list[str]], first: str, second: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "archive"
        base.mkdir()
        files = make_tree(base, tree)
        roots = [base / first, base / second]
        roots = [r for r in roots if r.is_dir()]
        found = walk([Root(str(r), True) for r in roots])
        with found.files:
            listed = list(found.files)
        under = {p for p in files if any(p.startswith(f"{r}/") for r in roots)}
        assert [f.path for f in listed] == sorted(under)
        for f in listed:  # the first root given that holds a file names its root
            assert f.root == str(next(r for r in roots if f.path.startswith(f"{r}/")))


def sample_files(n: int) -> list[SourceFile]:
    roots = ["/archive", "/other root/é"]
    names = [f"{i:05d}-caf\u00e9 {'x' * (i % 7)}.md" for i in range(n)]
    return [SourceFile(f"{roots[i % 2]}/{names[i]}", roots[i % 2], f"{i}:{i}", i) for i in range(n)]


@pytest.mark.parametrize("chunk", [file_list._CHUNK, 7, 1])
@pytest.mark.parametrize("spool", [file_list.SPOOL_BYTES, 100])
def test_a_file_list_reads_back_what_was_appended(
    spool: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_list, "SPOOL_BYTES", spool)  # 100: on disk after two records
    monkeypatch.setattr(file_list, "_CHUNK", chunk)  # records read at once, one offset each
    files = sample_files(500)
    with FileList(files) as listed:
        assert len(listed) == 500
        assert listed.total_size == sum(range(500))
        assert list(listed) == files
        assert list(reversed(listed)) == files[::-1]
        assert [listed[i] for i in (0, 499, 250)] == [files[0], files[499], files[250]]
        listed.append(files[0])  # appending after reading goes at the end
        assert list(listed)[-2:] == [files[-1], files[0]]
        assert listed[500] == files[0] and listed[-1] == files[0] and len(listed) == 501
        for f in files[1:20]:  # reads between appends
            listed.append(f)
            assert listed[len(listed) - 1] == f and next(iter(listed)) == files[0]
        assert list(reversed(listed))[:19] == files[19:0:-1]


def test_packed_files_read_back_what_was_packed_and_pickle_as_one_object() -> None:
    files = sample_files(300)
    packed = PackedFiles.pack(files)
    assert (len(packed), list(packed), packed[0], packed[-1]) == (300, files, files[0], files[-1])
    assert packed.roots == ("/archive", "/other root/é")
    again = pickle.loads(pickle.dumps(packed))
    assert list(again) == files
    assert list(WholeFiles(packed)) == [Job(f.path, f.root, f.sig) for f in files]
    assert list(PackedFiles.pack([])) == []


def test_a_full_temporary_folder_is_a_storage_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(file_list.tempfile, "SpooledTemporaryFile", lambda **_: Full())
    with FileList() as listed, pytest.raises(IndexStorageError) as caught:
        listed.append(sample_files(1)[0])
    assert str(caught.value) == (
        f"cannot write the list of files to index in {tempfile.gettempdir()}:"
        " no space left on device — free space there, or set TMPDIR to a folder with room"
    )
