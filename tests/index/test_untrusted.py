"""Untrusted index folders: a planted pickle runs nothing, odd files never hang a command.

Whoosh keeps the schema and the segment list pickled in the table of
contents; an index folder from someone else may carry a pickle that runs a
command when loaded. Here one is planted (it would create a file) in each
pickle of a real index's table of contents: nothing runs, and `query`,
`check` and `index` say what is wrong; `index --rebuild` builds a sound
index in its place. A FIFO or a device in place of `pressearch.json` or of
the table of contents is refused at once.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.formats
import whoosh.index
from typer.testing import CliRunner
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC
from whoosh.util.varints import varint

from pressearch.cli.app import app
from pressearch.errors import IndexCorruptError, SchemaVersionError, UntrustedIndexError
from pressearch.index.check import check_index
from pressearch.index.reader import open_index
from pressearch.index.whoosh_internals import safe_loads
from pressearch.index.writer import build
from tests.conftest import BuiltIndex


class Planted:
    """Unpickling it runs a shell command that creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[[str], int], tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def plant(index_dir: Path, payload: bytes, *, into: str) -> None:
    """Put `payload` in place of the schema or of the segment list of the table of contents."""
    (toc,) = index_dir.glob("_MAIN_*.toc")
    data = toc.read_bytes()
    stream = StructFile(io.BytesIO(data))
    for _ in range(3):
        stream.read_varint()  # sizes of int, long, float
    stream.read_int()  # byte order check
    stream.read_int()  # format version
    for _ in range(3):
        stream.read_varint()  # Whoosh release
    schema_at = stream.tell()
    stream.seek(stream.read_varint(), os.SEEK_CUR)
    schema_end = stream.tell()
    stream.read_int()  # generation
    stream.read_int()  # unused
    segments_at = stream.tell()
    if into == "schema":
        data = data[:schema_at] + varint(len(payload)) + payload + data[schema_end:]
    else:
        data = data[:segments_at] + payload
    toc.write_bytes(data)


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("into", ["schema", "segments"])
def test_a_planted_pickle_runs_nothing_and_is_named(
    built_index: BuiltIndex, tmp_path: Path, into: str
) -> None:
    marker = tmp_path / "ran"
    index_dir = built_index.index_dir
    plant(index_dir, pickle.dumps(Planted(marker), 2), into=into)
    refused = (
        f"Error: the index at {index_dir} was refused: an index file holds a pickled"
        " posix.system, which no pressearch index holds: it may have been planted to run"
        " code, so nothing of it was run — if you did not put it there, run `pressearch"
        " index --rebuild` to build it anew from your articles\n"
    )
    with pytest.raises(UntrustedIndexError):
        open_index(index_dir)
    for command in (["query", "fraud"], ["check"], ["stats"], ["index", built_index.archive]):
        assert run(*command, "--index", index_dir) == (1, "", refused)
    assert not marker.exists()
    code, _, err = run("index", built_index.archive, "--index", index_dir, "--rebuild", "--quiet")
    assert (code, err) == (0, "")
    assert check_index(index_dir).problems == ()
    assert check_index(index_dir).documents == 4
    assert not marker.exists()


def test_every_pickle_whoosh_reads_admits_only_what_an_index_holds(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for payload in (pickle.dumps(Planted(marker), protocol) for protocol in (0, 2, 5)):
        with pytest.raises(UntrustedIndexError):
            safe_loads(payload)
        with pytest.raises(UntrustedIndexError):
            StructFile(io.BytesIO(payload)).read_pickle()  # segment directories, block headers
        # What Whoosh's codec, formats and columns call to read posting blocks,
        # positions and stored fields.
        for module in (whoosh.codec.whoosh3, whoosh.formats, whoosh.columns):
            with pytest.raises(UntrustedIndexError):
                module.loads(payload)
    assert not marker.exists()
    assert safe_loads(pickle.dumps(([1, 2], {"a": b"b"}, {3}), 2)) == ([1, 2], {"a": b"b"}, {3})


def finishes(action: Callable[[], object], seconds: float = 5.0) -> BaseException | None:
    """Run `action` in a thread; fail if it is still running after `seconds`."""
    raised: list[BaseException | None] = [None]

    def target() -> None:
        try:
            action()
        except BaseException as exc:
            raised[0] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung"
    return raised[0]


def test_a_fifo_or_a_device_as_metadata_is_refused_at_once(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    metadata = index_dir / "pressearch.json"
    for replace in (lambda: os.mkfifo(metadata), lambda: metadata.symlink_to("/dev/zero")):
        metadata.unlink()
        replace()
        raised = finishes(lambda: open_index(index_dir))
        assert isinstance(raised, SchemaVersionError)
        assert str(raised) == (
            f"the index at {index_dir} has no readable pressearch.json (not a regular file)"
            " — run `pressearch index --rebuild PATH..., naming the folders it covered`"
        )
    build([built_index.archive], index_dir, rebuild=True)
    assert open_index(index_dir).doc_count() == 4


def test_a_fifo_or_a_device_as_table_of_contents_is_refused_at_once(
    built_index: BuiltIndex,
) -> None:
    index_dir = built_index.index_dir
    (toc,) = index_dir.glob("_MAIN_*.toc")
    for replace in (lambda: os.mkfifo(toc), lambda: toc.symlink_to("/dev/zero")):
        toc.unlink()
        replace()
        raised = finishes(lambda: open_index(index_dir))
        assert isinstance(raised, IndexCorruptError)
        assert str(raised) == (
            f"the index at {index_dir} is damaged ({toc.name} is not a regular file)"
            " — run `pressearch index --rebuild`"
        )
    build([built_index.archive], index_dir, rebuild=True)
    assert open_index(index_dir).doc_count() == 4


def test_a_segment_named_outside_the_index_folder_is_refused(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    segments = TOC.read(FileStorage(str(index_dir)), "MAIN").segments
    segments[0].segid = "x/../../../../etc/passwd"  # its files are named from it
    plant(index_dir, pickle.dumps(segments, -1), into="segments")
    with pytest.raises(IndexCorruptError) as caught:
        open_index(index_dir)
    (toc,) = index_dir.glob("_MAIN_*.toc")
    assert str(caught.value) == (
        f"the index at {index_dir} is damaged ({toc.name} holds a damaged list of segments)"
        " — run `pressearch index --rebuild`"
    )


def test_a_fifo_as_a_segment_file_is_refused_at_once(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    (segment,) = index_dir.glob("*.seg")
    segment.unlink()
    os.mkfifo(segment)
    raised = finishes(lambda: open_index(index_dir))
    assert isinstance(raised, IndexCorruptError)
    assert str(raised) == (
        f"the index at {index_dir} is damaged ({segment.name} is not a regular file)"
        " — run `pressearch index --rebuild`"
    )
    build([built_index.archive], index_dir, rebuild=True)
    assert open_index(index_dir).doc_count() == 4


def test_a_planted_stored_article_runs_nothing(built_index: BuiltIndex, tmp_path: Path) -> None:
    # Whoosh pickles stored fields: a document added by someone else's tool
    # carries the payload into a segment, where every search may read it.
    marker, index_dir = tmp_path / "ran", built_index.index_dir
    writer = whoosh.index.open_dir(str(index_dir)).writer()
    writer.add_document(id="planted", path="/planted.md", headline="fraud", record=Planted(marker))
    writer.commit()
    planted = (
        "an index file holds a pickled posix.system, which no pressearch index holds:"
        " it may have been planted to run code, so nothing of it was run"
    )
    code, out, err = run("show", "planted", "--index", index_dir)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: the index at {index_dir} was refused: {planted} — if you did not put it"
        " there, run `pressearch index --rebuild` to build it anew from your articles\n"
    )
    code, out, err = run("query", "fraud", "--index", index_dir)
    assert (code, out) == (1, "")
    assert planted in err
    report = check_index(index_dir)
    assert [p for p in report.problems if planted in p] != []
    assert not marker.exists()
