"""What reading one file yields.

Model: a file gives zero or more articles, the errors that stopped the
others (each naming its file, or `file:line`), and warnings about articles
that were read all the same. Readers return it; nothing is raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from pressearch.errors import ArticleParseError
from pressearch.models import Article


@dataclass(frozen=True)
class ParsedFile:
    """What one file yielded: its articles, the errors that stopped some, and warnings."""

    articles: tuple[Article, ...]
    errors: tuple[ArticleParseError, ...] = ()
    warnings: tuple[str, ...] = ()
