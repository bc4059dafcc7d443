"""index.check and `pressearch check`: a sound index passes, every kind of damage is named.

Damage is done to real indexes built here: a segment file truncated, bytes
overwritten inside one part of a segment (stored articles, postings, term
dictionary, the id column), an older schema version, an id stored twice.
Each is reported as a problem or an error naming `pressearch index
--rebuild`, with exit code 1 and no traceback; the rebuild cures it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import whoosh.index
import whoosh.reading
from typer.testing import CliRunner
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from pressearch.cli.app import app
from pressearch.errors import IndexCorruptError, IndexNotFoundError, SchemaVersionError
from pressearch.index.check import check_index
from pressearch.index.schema import SCHEMA_VERSION
from pressearch.index.writer import build
from pressearch.models import CheckReport
from tests.conftest import SMALL_ARCHIVE, BuiltIndex, touch_later, write_article

CURE = "run `pressearch index --rebuild`"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def only_segment(index_dir: Path) -> Path:
    (segment,) = index_dir.glob("*.seg")
    return segment


def overwrite_part(index_dir: Path, suffix: str, data: bytes = b"\xff" * 64) -> str:
    """Overwrite bytes in the middle of one part (`_stored.col`, `.pst`, ...) of the segment."""
    segment = only_segment(index_dir)
    storage = CompoundStorage(FileStorage(str(index_dir)).open_file(segment.name), use_mmap=False)
    try:
        (part,) = [info for name, info in storage._dir.items() if name.endswith(suffix)]
    finally:
        storage.close()
    with segment.open("r+b") as f:
        f.seek(part["offset"] + part["length"] // 2)
        f.write(data[: part["length"] // 4])
    return segment.stem


def test_a_sound_index_is_consistent(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    assert check_index(index_dir) == CheckReport(str(index_dir), 4, 1, ())
    code, out, err = run("check", "--index", index_dir)
    assert (code, err) == (0, "")
    assert out == f"{index_dir}: 4 articles in 1 segment(s), consistent\n"
    code, out, _ = run("check", "--index", index_dir, "--json")
    assert (code, json.loads(out)) == (
        0,
        {"index_path": str(index_dir), "documents": 4, "segments": 1, "problems": []},
    )


def test_segments_with_deletions_are_consistent(built_index: BuiltIndex) -> None:
    archive, index_dir = built_index.archive, built_index.index_dir
    write_article(archive, "speech.md", **{**SMALL_ARCHIVE["speech.md"], "body": "Changed."})
    touch_later(archive / "speech.md")
    (archive / "notes" / "no-source.md").unlink()
    build([archive], index_dir)
    report = check_index(index_dir)
    assert (report.documents, report.problems) == (3, ())
    assert report.segments >= 1


def test_an_empty_index_is_consistent(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    build([tmp_path / "archive"], tmp_path / "index")
    assert check_index(tmp_path / "index") == CheckReport(str(tmp_path / "index"), 0, 0, ())


def test_no_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        check_index(tmp_path)
    code, _, err = run("check", "--index", tmp_path)
    assert (code, err) == (1, f"Error: no index at {tmp_path} — run `pressearch index` first\n")


def test_truncated_segment_is_a_clear_error(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    segment = only_segment(index_dir)
    with segment.open("r+b") as f:
        f.truncate(segment.stat().st_size // 2)
    with pytest.raises(IndexCorruptError):
        check_index(index_dir)
    code, out, err = run("check", "--index", index_dir)
    assert (code, out) == (1, "")
    assert re.fullmatch(
        rf"Error: the index at {index_dir} is damaged \(.+\) — {re.escape(CURE)}\n", err
    )
    code, _, _ = run("index", built_index.archive, "--index", index_dir, "--rebuild", "--quiet")
    assert code == 0
    assert check_index(index_dir).problems == ()


@pytest.mark.parametrize(
    ("part", "problem"),
    [
        ("_stored.col", r"cannot read stored article \d+ \(.+\)"),
        (".pst", r"cannot read the terms of field '\w+' \(.+\)"),
        (".trm", r"cannot read the terms of field '\w+' \(.+\)"),
        (
            "id.col",
            r"cannot read the column of field 'id' \(document \d+ does not match its"
            r" stored article\)",
        ),
        (
            "path.col",
            r"cannot read the column of field 'path' \(document \d+ does not match"
            r" its stored article\)",
        ),
    ],
)
def test_damage_inside_a_segment_is_a_problem(
    built_index: BuiltIndex, part: str, problem: str
) -> None:
    index_dir = built_index.index_dir
    name = overwrite_part(index_dir, part)
    report = check_index(index_dir)
    assert len(report.problems) == 1
    assert re.fullmatch(rf"segment {name}: {problem} — {re.escape(CURE)}", report.problems[0])
    code, out, err = run("check", "--index", index_dir)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"problem: {report.problems[0]}",
        f"{index_dir}: 4 articles in 1 segment(s), 1 problem(s)",
    ]
    code, out, _ = run("check", "--index", index_dir, "--json")
    assert (code, json.loads(out)["problems"]) == (1, list(report.problems))
    run("index", built_index.archive, "--index", index_dir, "--rebuild", "--quiet")
    assert check_index(index_dir).problems == ()


def test_older_schema_version_must_be_rebuilt(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    (index_dir / "pressearch.json").write_text(
        json.dumps({"schema_version": SCHEMA_VERSION - 1}), encoding="utf-8"
    )
    with pytest.raises(SchemaVersionError):
        check_index(index_dir)
    code, out, err = run("check", "--index", index_dir)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: the index at {index_dir} was built with schema version {SCHEMA_VERSION - 1},"
        f" this pressearch uses {SCHEMA_VERSION} — run `pressearch index --rebuild PATH...,"
        " naming the folders it covered`\n"
    )
    for command in (["query", "police"], ["stats"], ["index", built_index.archive]):
        code, _, err = run(*command, "--index", index_dir)
        assert code == 1 and err.endswith(" naming the folders it covered`\n")
    assert run("index", built_index.archive, "--index", index_dir, "--rebuild", "--quiet")[0] == 0
    assert check_index(index_dir) == CheckReport(str(index_dir), 4, 1, ())


def test_an_id_stored_twice_is_a_problem(built_index: BuiltIndex) -> None:
    index_dir = built_index.index_dir
    ix = whoosh.index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        fields = dict(searcher.stored_fields(searcher.document_number(id="notes/no-source.md")))
    writer = ix.writer()
    writer.add_document(id=fields["id"], path=fields["path"], record=fields["record"])
    writer.commit()  # add_document, not update_document: the id is now there twice
    report = check_index(index_dir)
    assert report.documents == 5
    assert report.problems == (f"article id 'notes/no-source.md' is stored 2 times — {CURE}",)


def test_check_reads_every_segment_of_a_large_index(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    for i in range(300):
        write_article(archive, f"{i:03d}.md", headline=f"ARTICLE {i}", body=f"Body {i}.")
    build([archive], tmp_path / "index")
    for i in range(0, 300, 7):
        os.remove(archive / f"{i:03d}.md")
    write_article(archive, "new.md", headline="NEW", body="Text.")
    build([archive], tmp_path / "index")
    report = check_index(tmp_path / "index")
    assert (report.documents, report.problems) == (300 - 43 + 1, ())


@pytest.mark.parametrize("bug", [TypeError, KeyError, AttributeError, AssertionError])
def test_a_bug_while_checking_is_a_bug_not_damage(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch, bug: type[Exception]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise bug("a bug")

    monkeypatch.setattr(whoosh.reading.SegmentReader, "stored_fields", broken)
    with pytest.raises(bug):
        check_index(built_index.index_dir)
    result = CliRunner().invoke(app, ["check", "--index", str(built_index.index_dir)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: internal error ({bug.__name__}: ")
    assert "rebuild" not in result.stderr
