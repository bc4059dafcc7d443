"""index.reader: opening checks, one article by id/URL/path, statistics, facet names."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import whoosh.codec.whoosh3

from pressearch.errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexNotFoundError,
    SchemaVersionError,
    UsageError,
)
from pressearch.index.ingest import read_file
from pressearch.index.ingest.identity import article_id
from pressearch.index.reader import facet_names, get_article, open_index, stats
from pressearch.index.schema import SCHEMA_VERSION
from pressearch.index.writer import build
from pressearch.models import IndexStats
from tests.conftest import SMALL_ARCHIVE, BuiltIndex, write_article

PHISHING_URL = SMALL_ARCHIVE["phishing.md"]["url"]


# -- opening ------------------------------------------------------------------


def test_no_index_at_a_missing_or_empty_folder(tmp_path: Path) -> None:
    for folder in (tmp_path / "missing", tmp_path):
        with pytest.raises(IndexNotFoundError) as caught:
            open_index(folder)
        assert str(caught.value) == f"no index at {folder} — run `pressearch index` first"


def test_a_folder_of_other_files_is_named_as_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "letter.txt").write_text("Dear ...", encoding="utf-8")
    for read in (open_index, stats, lambda folder: get_article(folder, "x")):
        with pytest.raises(UsageError) as caught:
            read(tmp_path)
        assert str(caught.value) == (
            f"{tmp_path} is not a pressearch index (it holds other files):"
            " give an empty or new folder to --index"
        )


def test_other_schema_version_must_be_rebuilt(built_index: BuiltIndex) -> None:
    metadata = built_index.index_dir / "pressearch.json"
    metadata.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}), encoding="utf-8")
    with pytest.raises(SchemaVersionError) as caught:
        open_index(built_index.index_dir)
    assert str(caught.value) == (
        f"the index at {built_index.index_dir} was built with schema version"
        f" {SCHEMA_VERSION + 1}, this pressearch uses {SCHEMA_VERSION}"
        " — run `pressearch index --rebuild PATH..., naming the folders it covered`"
    )
    # An index that recorded its roots is rebuilt from them: no paths to give.
    roots = {"schema_version": SCHEMA_VERSION + 1, "roots": [str(built_index.archive)]}
    metadata.write_text(json.dumps(roots), encoding="utf-8")
    with pytest.raises(SchemaVersionError, match=r"— run `pressearch index --rebuild`$"):
        open_index(built_index.index_dir)
    metadata.unlink()
    with pytest.raises(SchemaVersionError) as caught:
        open_index(built_index.index_dir)
    assert str(caught.value) == (
        f"the index at {built_index.index_dir} has no readable pressearch.json"
        " — run `pressearch index --rebuild PATH..., naming the folders it covered`"
    )


def truncate_half(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def overwrite_end(path: Path) -> None:
    with path.open("r+b") as f:
        f.seek(-50, os.SEEK_END)
        f.write(b"\xff" * 50)


DAMAGE: dict[str, tuple[str, Callable[[Path], object]]] = {
    "segment deleted": ("*.seg", Path.unlink),
    "segment truncated": ("*.seg", truncate_half),
    "segment emptied": ("*.seg", lambda p: p.write_bytes(b"")),
    "segment tail overwritten": ("*.seg", overwrite_end),
    "table of contents emptied": ("_MAIN_*.toc", lambda p: p.write_bytes(b"")),
    "table of contents truncated": ("_MAIN_*.toc", truncate_half),
    "table of contents garbage": ("_MAIN_*.toc", lambda p: p.write_bytes(b"garbage" * 10)),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_index_is_reported_then_rebuilt(built_index: BuiltIndex, damage: str) -> None:
    pattern, spoil = DAMAGE[damage]
    (target,) = built_index.index_dir.glob(pattern)
    spoil(target)
    with pytest.raises(IndexCorruptError) as caught:
        open_index(built_index.index_dir)
    message = str(caught.value)
    assert message.startswith(f"the index at {built_index.index_dir} is damaged (")
    assert message.endswith(") — run `pressearch index --rebuild`")
    build([built_index.archive], built_index.index_dir, rebuild=True)
    assert open_index(built_index.index_dir).doc_count() == 4


BUGS = [TypeError, KeyError, AttributeError, AssertionError]


@pytest.mark.parametrize("bug", BUGS)
def test_a_bug_while_opening_is_a_bug_not_damage(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch, bug: type[Exception]
) -> None:
    # As a Whoosh that changed under pressearch would fail: the index is sound.
    def broken(*args: object, **kwargs: object) -> None:
        raise bug("a bug")

    monkeypatch.setattr(whoosh.codec.whoosh3.W3PerDocReader, "__init__", broken)
    with pytest.raises(bug):
        open_index(built_index.index_dir)
    with pytest.raises(bug):
        build([built_index.archive], built_index.index_dir)


def test_searcher_sees_commits_made_after_opening(built_index: BuiltIndex) -> None:
    ix = open_index(built_index.index_dir)
    write_article(built_index.archive, "later.md", headline="LATER", body="Text.")
    build([built_index.archive], built_index.index_dir)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 5


# -- one article ---------------------------------------------------------------


def test_get_article_by_id_url_or_path(
    built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = built_index.archive / "phishing.md"
    (expected,) = read_file(path, built_index.archive).articles
    index_dir = built_index.index_dir
    assert get_article(index_dir, article_id(PHISHING_URL, "")) == expected
    assert get_article(index_dir, PHISHING_URL) == expected
    assert get_article(index_dir, PHISHING_URL + "/") == expected
    assert get_article(index_dir, str(path)) == expected
    monkeypatch.chdir(built_index.archive)
    assert get_article(index_dir, "phishing.md") == expected
    assert get_article(index_dir, "notes/no-source.md").id == "notes/no-source.md"


def test_get_article_of_a_jsonl_path_is_its_first(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    bulk = archive / "bulk.jsonl"
    bulk.write_text('{"id": "one", "headline": "ONE"}\n{"id": "two", "headline": "TWO"}\n')
    build([archive], tmp_path / "index")
    assert get_article(tmp_path / "index", str(bulk)).headline == "ONE"
    assert get_article(tmp_path / "index", "two").headline == "TWO"


def test_unknown_article(built_index: BuiltIndex) -> None:
    with pytest.raises(ArticleNotFoundError) as caught:
        get_article(built_index.index_dir, "no-such-thing")
    assert str(caught.value) == (
        f"no article with id, URL or path 'no-such-thing' in the index at"
        f" {built_index.index_dir} — check it with `pressearch query` or `pressearch stats`"
    )


# -- statistics and facet names --------------------------------------------------


def test_stats_of_the_small_archive(built_index: BuiltIndex) -> None:
    result = stats(built_index.index_dir)
    size = sum(p.stat().st_size for p in built_index.index_dir.rglob("*") if p.is_file())
    assert result == IndexStats(
        documents=4,
        date_min=dt.date(2019, 5, 2),
        date_max=dt.date(2023, 3, 14),
        facets={
            "target_group": {
                "General Public": 2,
                "Law Enforcement": 2,
                "Healthcare": 1,
                "Industry": 1,
            },
            "crime_area": {"Cybercrime": 2, "Fraud": 2, "Drug Trafficking": 1},
            "entity": {"European Cybercrime Centre (EC3)": 1},
            "organisation": {"Eurojust": 1},
            "regions": {"Europe": 1},
            "year": {"2019": 1, "2020": 1, "2023": 1},
            "month": {"2019-05": 1, "2020-10": 1, "2023-03": 1},
            "type": {"News Article": 1, "Press Release": 1, "Speech": 1},
            "source": {"gov.example.net": 1, "newsroom.example.org": 1, "press.example.com": 1},
        },
        index_path=str(built_index.index_dir),
        index_bytes=size,
    )
    assert list(result.facets) == facet_names(open_index(built_index.index_dir).reader())


def test_stats_count_live_articles_once_per_value(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    taxonomy = {"CRIME AREAS": ["Fraud", "Fraud", "Cybercrime"], "TOPICS": ["Oil"]}
    write_article(archive, "a.md", headline="A", body="Text.", taxonomy=taxonomy)
    write_article(archive, "b.md", headline="B", body="Text.", taxonomy={"CRIME AREAS": ["Fraud"]})
    write_article(archive, "c.md", headline="C", body="Text.", taxonomy={"TOPICS": ["Gas"]})
    build([archive], index_dir)
    (archive / "c.md").unlink()  # deleted, not yet merged away: must not count
    build([archive], index_dir)
    facets = stats(index_dir).facets
    assert facets == {"crime_area": {"Fraud": 2, "Cybercrime": 1}, "topics": {"Oil": 1}}


def test_facet_gone_with_its_last_article(built_index: BuiltIndex) -> None:
    (built_index.archive / "covid" / "vaccine-scams.md").unlink()
    build([built_index.archive], built_index.index_dir)
    with open_index(built_index.index_dir).reader() as reader:
        assert facet_names(reader) == [
            "target_group",
            "crime_area",
            "entity",
            "organisation",
            "year",
            "month",
            "type",
            "source",
        ]


def test_facet_names_put_other_labels_between_standard_and_builtin(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    taxonomy = {"REGIONS": ["Europe"], "ENTITIES": ["EC3"], "AGENCIES": ["Eurojust"]}
    write_article(
        archive,
        "a.md",
        headline="A",
        body="Text.",
        taxonomy=taxonomy,
        type="Speech",
        date="1 May 2020",
    )
    build([archive], index_dir)
    with open_index(index_dir).reader() as reader:
        assert facet_names(reader) == ["entity", "agencies", "regions", "year", "month", "type"]


def test_stats_of_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    build([tmp_path / "empty"], tmp_path / "index")
    result = stats(tmp_path / "index")
    assert (result.documents, result.date_min, result.date_max, result.facets) == (
        0,
        None,
        None,
        {},
    )
