"""pressearch.Archive, the library's facade: the same answers as the command line, as values."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch import Archive, SearchRequest
from pressearch.cli.app import app
from pressearch.errors import ArticleNotFoundError, IndexNotFoundError, QueryError, UsageError
from pressearch.jsonify import search_json
from tests.conftest import BuiltIndex, write_small_archive

PHISHING_URL = "https://newsroom.example.org/news/joint-action-day-phishing-platform"


def cli_json(*args: str | Path) -> dict[str, object]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert (result.exit_code, result.stderr) == (0, "")
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize(
    ("text", "facets", "filters", "cli_filters"),
    [
        ("fraud OR drugs", ["crime_area", "target group"], {}, []),
        ("criminals", ["all"], {"Target Group": "General Public"}, ["target-group=General Public"]),
        (
            "date:[2019 TO 2023]",
            ["year"],
            {"crime_area": ["Fraud", "Drug Trafficking"]},
            ["crime=Fraud", "crime_area=drug trafficking"],
        ),
    ],
)
def test_search_gives_what_query_json_gives(
    built_index: BuiltIndex,
    text: str,
    facets: list[str],
    filters: dict[str, str | list[str]],
    cli_filters: list[str],
) -> None:
    with Archive.open(built_index.index_dir) as archive:
        result = archive.search(text, facets=facets, filters=filters)
    options = [opt for name in facets for opt in ("--facet", name)]
    options += [opt for pair in cli_filters for opt in ("--filter", pair)]
    cli = cli_json("query", text, "--index", built_index.index_dir, "--json", *options)
    mine = search_json(result)
    assert result.total > 0
    for key in ("query", "parsed", "total", "page", "limit", "hits", "facets", "suggestion"):
        assert mine[key] == cli[key], key
    # Facet counts are objects with .value and .count.
    first = next(iter(result.facets.values()))[0]
    assert (type(first.value), type(first.count)) == (str, int)


def test_a_request_object_is_the_whole_search(built_index: BuiltIndex) -> None:
    request = SearchRequest(text="criminals", facets=("year",), sort="newest", limit=1, page=2)
    with Archive.open(built_index.index_dir) as archive:
        by_request = archive.search(request)
        by_words = archive.search("criminals", facets=["year"], sort="newest", limit=1, page=2)
    assert by_request == by_words.__class__(**{**vars(by_words), "took_ms": by_request.took_ms})
    assert (by_request.total, by_request.page, len(by_request.hits)) == (2, 2, 1)


def test_show_and_similar_resolve_the_same_references(built_index: BuiltIndex) -> None:
    phishing = built_index.archive / "phishing.md"
    link = built_index.archive.parent / "link.md"
    link.symlink_to(phishing)
    with Archive.open(built_index.index_dir) as archive:
        article_id = archive.get(PHISHING_URL).id
        references = [
            article_id,
            PHISHING_URL,
            PHISHING_URL + "/",
            str(phishing),
            str(link),
        ]
        for key in references:
            assert archive.get(key).id == article_id, key
            assert archive.similar(key).query == f"similar:{article_id}", key
        for cli in ("show", "similar"):
            for key in references:
                out = cli_json(cli, key, "--index", built_index.index_dir, "--json")
                assert article_id in (out.get("id"), out.get("query", "").removeprefix("similar:"))
        with pytest.raises(ArticleNotFoundError):
            archive.get("https://newsroom.example.org/nothing")
        with pytest.raises(ArticleNotFoundError):
            archive.similar("https://newsroom.example.org/nothing")


def test_index_then_search_sees_the_new_commit(tmp_path: Path) -> None:
    archive = Archive.create(tmp_path / "ix")
    assert archive.stats().documents == 0
    assert archive.search("criminals").total == 0
    report = archive.index([write_small_archive(tmp_path / "docs")])
    assert (report.added, report.failed) == (4, ())
    assert archive.search("criminals").total == 2
    assert archive.check().problems == ()
    assert archive.facet_values("crime")[0] == "crime_area"
    archive.close()


def test_errors_are_the_library_exceptions(built_index: BuiltIndex, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        Archive.open(tmp_path / "nothing here")
    with Archive.open(built_index.index_dir) as archive:
        with pytest.raises(QueryError) as caught:
            archive.search('"open phrase')
        assert caught.value.position is not None
        with pytest.raises(UsageError):
            archive.search("fraud", filters=["crime_area"])  # type: ignore[list-item]
        with pytest.raises(UsageError):
            archive.facet_values("no such facet")


def test_batch_runs_each_text_with_the_templates_options(built_index: BuiltIndex) -> None:
    template = SearchRequest(text="", facets=("year",), limit=1)
    with Archive.open(built_index.index_dir) as archive:
        results = list(archive.batch(["criminals", "synthetic"], template))
        one_by_one = [archive.search(replace(template, text=t)) for t in ("criminals", "synthetic")]
    assert [(r.query, r.total, r.limit) for r in results] == [
        ("criminals", 2, 1),
        ("synthetic", 1, 1),
    ]
    assert [r.hits for r in results] == [r.hits for r in one_by_one]
    assert [r.facets for r in results] == [r.facets for r in one_by_one]
