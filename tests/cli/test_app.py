"""The command line as users meet it: exact stdout, stderr and exit codes.

Every test runs the real Typer app with `CliRunner` against a temporary
on-disk index built from the hand-written articles of `conftest.SMALL_ARCHIVE`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch.cli.app import app
from pressearch.models import Article
from tests.conftest import BuiltIndex, write_article

PHISHING_URL = "https://newsroom.example.org/news/joint-action-day-phishing-platform"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


# --- index -------------------------------------------------------------------


def test_index_reports_counts_then_everything_unchanged(runner: CliRunner, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_article(archive, "a.md", headline="FIRST", body="Alpha text.", url="https://x.example/a")
    write_article(archive, "b.md", headline="SECOND", body="Beta text.")
    index_dir = tmp_path / "ix"

    code, out, err = run(runner, "index", archive, "--index", index_dir, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"added": 2, "updated": 0, "removed": 0, "unchanged": 0, "failed": []}

    code, out, err = run(runner, "index", archive, "--index", index_dir, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"added": 0, "updated": 0, "removed": 0, "unchanged": 2, "failed": []}


def test_index_text_summary(runner: CliRunner, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_article(archive, "a.md", headline="FIRST", body="Alpha text.")
    code, out, err = run(runner, "index", archive, "--index", tmp_path / "ix")
    assert (code, err) == (0, "")
    assert out.startswith("1 added, 0 updated, 0 removed, 0 unchanged, 0 failed (1 file in ")


def test_index_failed_file_is_reported_and_the_rest_indexed(
    runner: CliRunner, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    write_article(archive, "good.md", headline="GOOD", body="Fine text.")
    (archive / "broken.md").write_text("no headline here, just words\n", encoding="utf-8")
    index_dir = tmp_path / "ix"

    code, out, err = run(runner, "index", archive, "--index", index_dir, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["added"] == 1
    assert [f["path"] for f in report["failed"]] == [str(archive / "broken.md")]
    assert err.startswith(f"Error: {archive / 'broken.md'}: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err

    code, out, _ = run(runner, "stats", "--index", index_dir, "--json")
    assert code == 0
    assert json.loads(out)["documents"] == 1


def test_index_missing_path_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, out, err = run(runner, "index", tmp_path / "nowhere", "--index", tmp_path / "ix")
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ")
    assert str(tmp_path / "nowhere") in err
    assert err.count("\n") == 1


# --- show and stats ------------------------------------------------------------


def test_show_json_is_the_article_contract(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "show", PHISHING_URL, "--index", built_index.index_dir, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "id", "path", "url", "source", "headline", "date", "type",
        "speakers", "body", "quotes", "taxonomy",
    ]  # fmt: skip
    assert data["headline"] == "JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM"
    assert data["date"] == "2023-03-14"
    assert data["source"] == "newsroom.example.org"
    assert data["speakers"] == [
        {"name": "Marta Kovač", "role": "Head of the Financial Crime Unit"},
        {"name": "Tomás Ruiz", "role": "Prosecutor, Eurojust"},
    ]
    assert data["taxonomy"]["target_group"] == ["General Public", "Law Enforcement", "Industry"]
    assert data["taxonomy"]["entity"] == ["European Cybercrime Centre (EC3)"]
    # The same article found by its id and by its path.
    for key in (data["id"], data["path"]):
        code, again, _ = run(runner, "show", key, "--index", built_index.index_dir, "--json")
        assert code == 0
        assert Article.from_dict(json.loads(again)) == Article.from_dict(data)


def test_show_text_lays_out_the_article(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "show", PHISHING_URL, "--index", built_index.index_dir)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM"
    assert lines[1].startswith("2023-03-14 · Press Release · newsroom.example.org · id ")
    assert "Marta Kovač — Head of the Financial Crime Unit" in lines
    assert "Target group: General Public • Law Enforcement • Industry" in lines


def test_show_unknown_article(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "show", "nope", "--index", built_index.index_dir)
    assert code == 1
    assert out == ""
    assert err.startswith("Error: ")
    assert "'nope'" in err


def test_stats_json_contract(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "stats", "--index", built_index.index_dir, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "documents",
        "date_min",
        "date_max",
        "facets",
        "index_path",
        "index_bytes",
    ]
    assert data["documents"] == 4
    assert (data["date_min"], data["date_max"]) == ("2019-05-02", "2023-03-14")
    assert data["facets"]["target_group"] == {
        "General Public": 2,
        "Law Enforcement": 2,
        "Healthcare": 1,
        "Industry": 1,
    }
    assert data["facets"]["crime_area"] == {"Cybercrime": 2, "Fraud": 2, "Drug Trafficking": 1}
    assert data["facets"]["regions"] == {"Europe": 1}
    assert data["index_bytes"] > 0


def test_no_index_is_a_runtime_error(runner: CliRunner, tmp_path: Path) -> None:
    for command in (["stats"], ["query", "fraud"], ["show", "x"], ["facets", "year"]):
        code, out, err = run(runner, *command, "--index", tmp_path / "missing")
        assert (code, out) == (1, "")
        assert err == f"Error: no index at {tmp_path / 'missing'} — run `pressearch index` first\n"


# --- query -------------------------------------------------------------------


def test_query_json_contract(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(
        runner, "query", "platform", "--index", built_index.index_dir, "--facet", "type", "--json"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == [
        "query", "parsed", "total", "page", "limit", "took_ms", "hits", "facets", "suggestion",
    ]  # fmt: skip
    assert (data["query"], data["total"], data["page"], data["limit"]) == ("platform", 1, 1, 10)
    assert data["facets"] == {"type": [{"value": "Press Release", "count": 1}]}
    assert data["suggestion"] is None
    (hit,) = data["hits"]
    assert hit["url"] == PHISHING_URL
    assert hit["date"] == "2023-03-14"


def test_query_hits_ranked_with_snippets(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(
        runner,
        "query",
        "criminals",
        "--index",
        built_index.index_dir,
        "--facet",
        "crime_area",
        "--json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["total"] == 2
    assert [h["headline"] for h in data["hits"]] == [
        "FAKE COVID-19 VACCINES SOLD ONLINE",
        "JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM",
    ]
    hit = data["hits"][0]
    assert list(hit) == [
        "id", "path", "url", "headline", "date", "type", "source", "score", "snippets",
        "duplicates",
    ]  # fmt: skip
    (snippet,) = hit["snippets"]
    assert snippet["field"] == "body"
    start, end = snippet["matches"][0]
    assert snippet["text"][start:end] == "Criminals"
    assert data["facets"]["crime_area"] == [
        {"value": "Cybercrime", "count": 2},
        {"value": "Fraud", "count": 2},
    ]


def test_query_bad_syntax_is_a_usage_error(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "query", '"unbalanced phrase', "--index", built_index.index_dir)
    assert code == 2
    assert out == ""
    assert err.startswith("Error: ")
    assert err.count("\n") == 1


def test_query_bad_option_value_is_a_usage_error(
    runner: CliRunner, built_index: BuiltIndex
) -> None:
    code, _, err = run(
        runner, "query", "fraud", "--index", built_index.index_dir, "--filter", "nonsense"
    )
    assert code == 2
    assert err == (
        "Error: --filter 'nonsense': expected NAME=VALUE, "
        "e.g. --filter target_group='Law Enforcement'\n"
    )


# --- batch and export -----------------------------------------------------------


def test_batch_prints_one_object_per_query(
    runner: CliRunner, built_index: BuiltIndex, tmp_path: Path
) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("fraud\n\nsynthetic drugs\n", encoding="utf-8")
    code, out, err = run(
        runner, "batch", queries, "--index", built_index.index_dir, "--match", "any"
    )
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["fraud", "", "synthetic drugs"]
    assert lines[1] == {"line": 2, "query": "", "error": "blank line"}
    assert [h["headline"] for h in lines[2]["hits"]] == [
        "DIRECTOR ADDRESSES DRUG TRAFFICKING CONFERENCE"
    ]


def test_batch_bad_line_goes_on_and_exits_2(
    runner: CliRunner, built_index: BuiltIndex, tmp_path: Path
) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text('"open phrase\nsynthetic\n', encoding="utf-8")
    code, out, err = run(runner, "batch", queries, "--index", built_index.index_dir)
    assert code == 2
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["query"] == '"open phrase' and "error" in first
    assert second["total"] == 1
    assert err.splitlines()[0].startswith("Error: line 1: ")
    assert err.splitlines()[1] == "Error: 1 of the queries could not be understood (see above)"


def test_batch_answers_every_line_in_order(
    runner: CliRunner, built_index: BuiltIndex, tmp_path: Path
) -> None:
    # A line that is not UTF-8 is that line's error; U+0085 and U+2028 are not
    # line breaks; CRLF endings are; the final newline starts no line.
    queries = tmp_path / "queries.txt"
    queries.write_bytes(b"synthetic\r\n" + b"caf\xe9\n" + "synthetic\u0085drugs\n\u2028\n".encode())
    code, out, err = run(runner, "batch", queries, "--index", built_index.index_dir)
    assert code == 2
    lines = [json.loads(line) for line in out.removesuffix("\n").split("\n")]
    assert len(lines) == 4
    assert lines[0]["query"] == "synthetic" and lines[0]["total"] == 1
    assert lines[1] == {
        "line": 2,
        "query": None,
        "error": "not valid UTF-8 (byte 4 of the line)",
    }
    assert lines[2]["query"] == "synthetic\u0085drugs"
    assert lines[3] == {"line": 4, "query": "", "error": "blank line"}
    assert err == (
        "Error: line 2: not valid UTF-8 (byte 4 of the line)\n"
        "Error: 1 of the queries could not be understood (see above)\n"
    )


def test_export_csv_has_every_match(
    runner: CliRunner, built_index: BuiltIndex, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    code, out, err = run(
        runner, "export", "crime_area:fraud", "--index", built_index.index_dir, "-o", target
    )
    assert (code, out) == (0, "")
    assert err == f"2 articles written to {target}\n"
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert sorted(r["headline"] for r in rows) == [
        "FAKE COVID-19 VACCINES SOLD ONLINE",
        "JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM",
    ]


def test_export_jsonl_to_stdout(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(
        runner, "export", "type:speech", "--index", built_index.index_dir, "--format", "jsonl"
    )
    assert (code, err) == (0, "")
    (line,) = out.splitlines()
    assert json.loads(line)["headline"] == "DIRECTOR ADDRESSES DRUG TRAFFICKING CONFERENCE"


# --- facets, similar, syntax ----------------------------------------------------


def test_facets_lists_values_over_the_archive(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "facets", "target", "--index", built_index.index_dir, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "facet": "target_group",
        "values": [
            {"value": "General Public", "count": 2},
            {"value": "Law Enforcement", "count": 2},
            {"value": "Healthcare", "count": 1},
            {"value": "Industry", "count": 1},
        ],
    }


def test_facets_unknown_name(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(runner, "facets", "region", "--index", built_index.index_dir)
    assert (code, out) == (2, "")
    assert err.startswith("Error: unknown facet 'region' — did you mean 'regions'?")


def test_similar_excludes_the_article_itself(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(
        runner, "similar", PHISHING_URL, "--index", built_index.index_dir, "--json"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert PHISHING_URL not in [h["url"] for h in data["hits"]]


def test_syntax_documents_every_element(runner: CliRunner) -> None:
    code, out, err = run(runner, "syntax")
    assert (code, err) == (0, "")
    for element in ("AND", "OR", "NOT", '"', "~", "*", "date:", "headline:", "target_group:"):
        assert element in out


def test_help_lists_every_command(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--help")
    assert code == 0
    for command in (
        "index",
        "query",
        "show",
        "stats",
        "facets",
        "similar",
        "batch",
        "export",
        "syntax",
    ):
        assert f" {command} " in out or f" {command}\n" in out


# --- conventions ---------------------------------------------------------------


def test_version(runner: CliRunner) -> None:
    from importlib.metadata import version

    assert run(runner, "--version") == (0, f"pressearch {version('pressearch')}\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["query", "a", "b"],
            "Got unexpected extra argument(s) (b) (see `pressearch query --help`)",
        ),
        (["query", "a", "--bogus"], "No such option: --bogus (see `pressearch query --help`)"),
        (["query"], "Missing argument 'TEXT'. (see `pressearch query --help`)"),
        (["query", "a", "--limit", "0"], None),
        (["nonsense"], "No such command 'nonsense'. (see `pressearch --help`)"),
    ],
)
def test_a_usage_error_is_one_line_naming_help(
    runner: CliRunner, args: list[str], message: str | None
) -> None:
    code, out, err = run(runner, *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("Error: ")
    if message is not None:
        assert err == f"Error: {message}\n"
    else:
        assert err.endswith("(see `pressearch query --help`)\n")


def test_help_placeholders_read_as_words(runner: CliRunner) -> None:
    code, out, _ = run(runner, "query", "--help")
    assert code == 0
    assert out.startswith("Usage: pressearch query [OPTIONS] TEXT\n")
    for placeholder in ("--index DIR", "--facet NAME", "--filter NAME=VALUE", "--limit N"):
        assert placeholder in out
    assert "<" not in out and "{" not in out
    code, out, _ = run(runner, "index", "--help")
    assert out.startswith("Usage: pressearch index [OPTIONS] [PATH]...\n")


@pytest.mark.parametrize("text", ["-profit market", "-europol", "--body:x"])
def test_a_query_may_start_with_a_dash(
    runner: CliRunner, built_index: BuiltIndex, text: str
) -> None:
    code, out, err = run(runner, "query", text, "--index", built_index.index_dir, "--json")
    if code == 0:
        assert json.loads(out)["query"] == text
    else:  # a query the language refuses, with its position: never an option error
        assert code == 2 and "position" in err and "--help" not in err


def test_options_before_a_dash_query(runner: CliRunner, built_index: BuiltIndex) -> None:
    code, out, err = run(
        runner, "query", "--index", built_index.index_dir, "-n", "1", "--json", "-synthetic"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["query"], data["limit"], data["total"]) == ("-synthetic", 1, 3)


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(
    runner: CliRunner, built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pressearch.archive import Archive

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(Archive, "search", broken)
    code, out, err = run(runner, "query", "x", "--index", built_index.index_dir)
    assert (code, out) == (1, "")
    assert err == (
        "Error: internal error (KeyError: 'a bug'): this is a bug in pressearch, please "
        "report it with the output of the same command run with `pressearch --debug …`\n"
    )
    result = runner.invoke(app, ["--debug", "query", "x", "--index", str(built_index.index_dir)])
    assert isinstance(result.exception, KeyError)


def test_a_reader_that_goes_away_is_success(built_index: BuiltIndex) -> None:
    import subprocess
    import sys

    for extra in ([], ["--json"]):
        pipeline = subprocess.run(
            [
                "bash",
                "-c",
                f'"{sys.executable}" -m pressearch query criminals --index '
                f'"{built_index.index_dir}" -n 50 {" ".join(extra)} '
                '| head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"',
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=built_index.archive,
        )
        assert (pipeline.stdout, pipeline.stderr) == ("0\n", "")


# --- results a user can act on ----------------------------------------------------


def test_open_launches_the_hits_address(
    runner: CliRunner, built_index: BuiltIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched: list[str] = []
    monkeypatch.setattr("typer.launch", lambda target: launched.append(target) or 0)
    code, out, err = run(
        runner, "query", "synthetic", "--index", built_index.index_dir, "--open", "1"
    )
    assert (code, err) == (0, "")
    assert launched == ["https://gov.example.net/speeches/drug-trafficking"]
    assert "https://gov.example.net/speeches/drug-trafficking" in out
    code, out, err = run(
        runner, "query", "synthetic", "--index", built_index.index_dir, "--open", "2", "--json"
    )
    assert (code, err) == (
        2,
        "Error: --open 2: no such hit on this page (shown: 1–1)\n",
    )
    assert json.loads(out)["total"] == 1
    assert launched == ["https://gov.example.net/speeches/drug-trafficking"]


def test_sorted_by_date_the_hits_show_no_score(runner: CliRunner, built_index: BuiltIndex) -> None:
    _, by_relevance, _ = run(runner, "query", "criminals", "--index", built_index.index_dir)
    code, by_date, err = run(
        runner, "query", "criminals", "--index", built_index.index_dir, "--sort", "newest"
    )
    assert (code, err) == (0, "")
    assert "score" in by_relevance and "score" not in by_date


def test_similar_says_which_article_it_compares_against(
    runner: CliRunner, built_index: BuiltIndex
) -> None:
    code, out, err = run(runner, "similar", PHISHING_URL, "--index", built_index.index_dir)
    assert (code, err) == (0, "")
    assert out.startswith(
        "Articles like: JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM (id "
    )


def test_ctrl_c_says_what_an_index_run_kept(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pressearch.archive import Archive
    from pressearch.errors import Interrupted

    def stopped(*args: object, **kwargs: object) -> None:
        raise Interrupted("interrupted: 40 articles of this run were committed and are kept", 40)

    monkeypatch.setattr(Archive, "index", stopped)
    code, out, err = run(runner, "index", tmp_path, "--index", tmp_path / "ix")
    assert (code, out, err) == (
        130,
        "",
        "Error: interrupted: 40 articles of this run were committed and are kept\n",
    )

    def reading(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Archive, "open", reading)
    assert run(runner, "stats") == (130, "", "Error: interrupted\n")


def test_index_follows_links_out_of_the_roots_only_when_asked(
    runner: CliRunner, tmp_path: Path
) -> None:
    archive, outside = tmp_path / "archive", tmp_path / "private"
    write_article(archive, "public.md", headline="PUBLIC", body="Text.")
    write_article(outside, "secret.md", headline="SECRET", body="Text.")
    (archive / "shadow.md").symlink_to(outside / "secret.md")
    index_dir = tmp_path / "ix"
    code, out, err = run(runner, "index", archive, "--index", index_dir, "--json")
    assert (code, json.loads(out)["added"]) == (0, 1)
    assert err == (
        f"Warning: {archive / 'shadow.md'}: symbolic link to {outside / 'secret.md'}, outside "
        "the folders being indexed: not followed (--follow-links follows it)\n"
    )
    code, out, err = run(runner, "index", archive, "--index", index_dir, "--json", "-L")
    assert (code, json.loads(out)["added"], err) == (0, 1, "")
