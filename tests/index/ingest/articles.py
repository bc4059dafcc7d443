"""How the ingest tests read the hand-written fixture articles (tests/fixtures/articles/)."""

from __future__ import annotations

from pathlib import Path

from pressearch.index.ingest import read_file
from pressearch.models import Article

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "articles"


def fixture_path(name: str) -> str:
    return str(FIXTURES / name)


def read_one(name: str, root: Path = FIXTURES) -> Article:
    """The one article a fixture file holds, read the way the indexer reads it."""
    parsed = read_file(FIXTURES / name, root)
    assert parsed.errors == ()
    assert parsed.warnings == ()
    assert len(parsed.articles) == 1
    return parsed.articles[0]


def error_of(path: Path, root: Path = FIXTURES) -> str:
    """The one error reading `path` gives (no articles)."""
    parsed = read_file(path, root)
    assert parsed.articles == ()
    assert len(parsed.errors) == 1
    error = parsed.errors[0]
    assert error.path == str(path)
    assert str(error) == f"{path}: {error.reason}"
    return error.reason


def quotes_of(name: str) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in read_one(name).quotes]


def read_one_from(path: Path, root: Path) -> Article:
    parsed = read_file(path, root)
    assert (parsed.errors, parsed.warnings, len(parsed.articles)) == ((), (), 1)
    return parsed.articles[0]
