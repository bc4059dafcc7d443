"""Article ids."""

from __future__ import annotations

from pressearch.index.ingest.identity import article_id


def test_article_id() -> None:
    url = "https://newsroom.example.org/news/joint-action-day-phishing-platform"
    assert article_id(url, "a.md") == "u2cd69f8298b"
    assert article_id(f" {url}/ ", "a.md") == "u2cd69f8298b"
    assert article_id(None, "2020/a.md") == "2020/a.md"
    assert article_id("  ", "2020/a.md") == "2020/a.md"
