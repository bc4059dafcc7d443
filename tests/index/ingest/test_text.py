"""Plain-text articles."""

from __future__ import annotations

import pytest

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.text import parse_text
from pressearch.models import Article
from tests.index.ingest.articles import (
    fixture_path,
    read_one,
)


def test_plain_text_file() -> None:
    assert read_one("plain.txt") == Article(
        id="plain.txt",
        path=fixture_path("plain.txt"),
        headline="POLICE ARREST 12 IN TELEPHONE SCAM",
        body=(
            "Officers arrested twelve people who posed as bank staff on the telephone to steal"
            " savings.\n\nThe suspects are held in custody."
        ),
    )


def test_plain_text_headline_only_and_empty() -> None:
    article = parse_text("\n  Just a headline  \n", path="/a.txt", rel_path="a.txt")
    assert (article.headline, article.body) == ("Just a headline", "")
    with pytest.raises(ArticleParseError, match="empty file"):
        parse_text(" \n", path="/a.txt", rel_path="a.txt")
