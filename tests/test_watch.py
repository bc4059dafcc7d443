"""Saved searches: storage, and runs that report exactly the articles new since the last one."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pressearch import Archive
from pressearch.errors import UsageError, WatchError
from pressearch.models import SearchRequest
from pressearch.watch import WatchStore, run_json
from tests.conftest import write_article


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    write_article(folder, "a.md", headline="RANSOMWARE GANG ARRESTED", date="01 Feb 2023")
    write_article(folder, "b.md", headline="FRAUD RING DISMANTLED", body="Ransomware too.")
    write_article(folder, "c.md", headline="DRUG SEIZURE", body="Cocaine in a port.")
    return folder


def store(tmp_path: Path, index: str = "ix") -> WatchStore:
    return WatchStore(tmp_path / index, folder=tmp_path / "config")


def test_add_list_remove(tmp_path: Path) -> None:
    watches = store(tmp_path)
    watches.add("ransom", SearchRequest("ransomware", filters=(("year", "2023"),)))
    watches.add("drugs", SearchRequest("cocaine", match="any"))
    assert [w.name for w in watches.watches()] == ["drugs", "ransom"]
    assert watches.get("ransom").request.filters == (("year", "2023"),)
    # Another WatchStore of the same index reads the same file; another index has its own.
    assert [w.name for w in store(tmp_path).watches()] == ["drugs", "ransom"]
    assert store(tmp_path, "other-index").watches() == []
    with pytest.raises(UsageError, match="a watch named 'drugs' exists"):
        watches.add("drugs", SearchRequest("x"))
    assert watches.remove("drugs").name == "drugs"
    with pytest.raises(UsageError, match=r"no watch named 'drugs' \(watches: ransom\)"):
        watches.remove("drugs")
    # Written in one step: nothing but the file and its lock is left beside it.
    assert sorted(p.name for p in watches.path.parent.iterdir()) == sorted(
        [watches.path.name, watches.path.with_suffix(".lock").name]
    )


@pytest.mark.parametrize("name", ["", "-x", ".hidden", "a b", "a/b", "x" * 65])
def test_bad_names_are_usage_errors(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError):
        store(tmp_path).add(name, SearchRequest("x"))


def test_runs_report_only_new_matches(tmp_path: Path, archive: Path) -> None:
    watches = store(tmp_path)
    watches.add("ransom", SearchRequest("ransomware", sort="newest"))
    with Archive.create(tmp_path / "ix") as index:
        index.index([archive])
        (first,) = watches.run(index)
        assert first.since is None
        assert [h.headline for h in first.hits] == [
            "RANSOMWARE GANG ARRESTED",
            "FRAUD RING DISMANTLED",
        ]
        assert [h.rank for h in first.hits] == [1, 2]
        first_run = watches.get("ransom").last_run
        (second,) = watches.run(index)
        assert (second.hits, second.total, second.since) == ((), 2, first_run)
        # A new matching article and a new article that does not match.
        write_article(archive, "d.md", headline="RANSOMWARE ON HOSPITALS", date="02 Feb 2023")
        write_article(archive, "e.md", headline="CUSTOMS REPORT", body="Tobacco.")
        index.index([archive])
        (third,) = watches.run(index)
        assert [h.headline for h in third.hits] == ["RANSOMWARE ON HOSPITALS"]
        assert third.since is not None and third.total == 3
        # Re-indexing from scratch keeps the ids, so nothing is new again.
        index.index([archive], rebuild=True)
        assert watches.run(index)[0].hits == ()
    record = run_json(third)
    assert list(record) == ["name", "query", "since", "hits"]
    assert record["query"] == "ransomware" and record["since"].endswith("Z")
    assert list(record["hits"][0]) == [
        "id", "path", "url", "headline", "date", "type", "source", "score", "snippets",
        "duplicates",
    ]  # fmt: skip


def test_each_watch_keeps_its_own_last_run(tmp_path: Path, archive: Path) -> None:
    watches = store(tmp_path)
    watches.add("ransom", SearchRequest("ransomware"))
    watches.add("cocaine", SearchRequest("cocaine"))
    with Archive.create(tmp_path / "ix") as index:
        index.index([archive])
        assert [len(r.hits) for r in watches.run(index, ["ransom"])] == [2]
        runs = watches.run(index)
        assert [(r.name, len(r.hits)) for r in runs] == [("cocaine", 1), ("ransom", 0)]
        with pytest.raises(UsageError, match="no watch named 'nope'"):
            watches.run(index, ["nope"])


def test_overlapping_runs_report_each_article_once(tmp_path: Path, archive: Path) -> None:
    store(tmp_path).add("ransom", SearchRequest("ransomware"))
    with Archive.create(tmp_path / "ix") as index:
        index.index([archive])
    reported: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with Archive.open(tmp_path / "ix") as own:
                for result in store(tmp_path).run(own):
                    reported.extend(h.id for h in result.hits)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(reported) == ["a.md", "b.md"]


def test_a_held_lock_is_waited_for_then_an_error(tmp_path: Path) -> None:
    watches = store(tmp_path)
    watches.add("x", SearchRequest("x"))
    with (
        watches.locked(),
        pytest.raises(WatchError, match="locked by another run"),
        store(tmp_path).locked(wait=0.1),
    ):
        pass


def test_a_damaged_file_is_an_error_not_a_reset(tmp_path: Path) -> None:
    watches = store(tmp_path)
    watches.add("x", SearchRequest("x"))
    watches.path.write_text('{"format": 1, "watches": [{"name": "x"}]}')
    with pytest.raises(WatchError, match="is damaged"):
        watches.watches()
    watches.path.write_text(json.dumps({"format": 99, "watches": []}))
    with pytest.raises(WatchError, match="another version"):
        watches.add("y", SearchRequest("y"))
    assert json.loads(watches.path.read_text())["format"] == 99  # left as it was
