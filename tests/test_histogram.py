"""The timeline: buckets in date order, zeros between, counts equal to the year/month facets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pressearch import Archive
from pressearch.cli.app import app
from pressearch.histogram import by_year, histogram
from pressearch.locations import sample_archive_dir
from pressearch.models import FacetCount


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    with Archive.create(index_dir) as archive:
        archive.index([sample_archive_dir()])
    return index_dir


def test_months_in_date_order_with_zeros_between() -> None:
    counts = [FacetCount("2021-02", 1), FacetCount("2020-11", 3), FacetCount("2020-12", 0)]
    assert histogram(counts, "month") == (
        FacetCount("2020-11", 3),
        FacetCount("2020-12", 0),
        FacetCount("2021-01", 0),
        FacetCount("2021-02", 1),
    )


def test_years_and_what_is_not_a_date() -> None:
    counts = [FacetCount("2019", 2), FacetCount("2016", 1), FacetCount("someday", 9)]
    assert [(b.value, b.count) for b in histogram(counts, "year")] == [
        ("2016", 1),
        ("2017", 0),
        ("2018", 0),
        ("2019", 2),
    ]
    assert histogram([FacetCount("2020-13", 1)], "month") == ()
    assert histogram([], "year") == ()


def test_months_add_up_to_years() -> None:
    months = histogram([FacetCount("2019-12", 2), FacetCount("2021-01", 5)], "month")
    assert by_year(months) == (
        FacetCount("2019", 2),
        FacetCount("2020", 0),
        FacetCount("2021", 5),
    )


@pytest.mark.parametrize("unit", ["year", "month"])
def test_the_histogram_is_the_facet_counts(sample_index: Path, unit: str) -> None:
    with Archive.open(sample_index) as archive:
        result = archive.search("europol", facets=[unit], histogram=unit)  # type: ignore[arg-type]
        plain = archive.search("europol")
    assert result.histogram is not None
    nonzero = {b.value: b.count for b in result.histogram if b.count}
    assert nonzero == {c.value: c.count for c in result.facets[unit]}
    # The europol articles of the sample run from February 2015 to October 2025:
    # every year has some, 89 of the 129 months none.
    assert len(result.histogram) == (11 if unit == "year" else 129)
    assert len(result.histogram) - len(nonzero) == (0 if unit == "year" else 89)
    assert plain.histogram is None and plain.facets == {}


def test_cli_json_has_the_histogram_only_when_asked(sample_index: Path) -> None:
    runner = CliRunner()
    base = ["query", "covid", "--index", str(sample_index), "--json"]
    with_ = json.loads(runner.invoke(app, [*base, "--histogram", "year"]).stdout)
    without = json.loads(runner.invoke(app, base).stdout)
    assert "histogram" not in without and with_["facets"] == without["facets"] == {}
    assert with_["histogram"] == [
        {"bucket": "2020", "count": 10},
        {"bucket": "2021", "count": 4},
        {"bucket": "2022", "count": 3},
    ]
    assert sum(b["count"] for b in with_["histogram"]) == with_["total"]


def test_cli_draws_the_timeline(sample_index: Path) -> None:
    out = (
        CliRunner()
        .invoke(
            app, ["query", "covid", "--index", str(sample_index), "--histogram", "month", "-n", "1"]
        )
        .stdout
    )
    assert "Timeline\n2020-03  1\n2020-04  2\n" in out
    assert "2021-01  0\n" in out


def test_a_bad_unit_is_a_usage_error(sample_index: Path) -> None:
    result = CliRunner().invoke(
        app, ["query", "covid", "--index", str(sample_index), "--histogram", "week"]
    )
    assert result.exit_code == 2
