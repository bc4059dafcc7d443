"""RSS and Atom feeds (`.rss`, `.atom`, and `.xml` that is a feed): one article per entry.

Model: feedparser reads the feed, whatever its dialect (RSS 0.9x–2.0,
RSS 1.0, Atom). Each entry is an article: its title is the headline; its
published date (else its updated date) the date; its content (else its
summary) the body, HTML turned into paragraphs by the HTML reader's text
extraction; its link the URL, and so its id, as a page saved from the same
address has, so an entry keeps its id from run to run (an entry without a
link is identified by its entry id); its categories the `category` facet;
the feed's host (else the entry's) the source. An entry with neither title
nor text is an error naming it; the others are read. An `.xml` file that is
no feed (a sitemap, say) is skipped with a warning, not an error, since
archives hold such files.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pressearch.errors import ArticleParseError
from pressearch.index.ingest.cleaning import clean, tidy
from pressearch.index.ingest.dates import date_value
from pressearch.index.ingest.html import html_paragraphs
from pressearch.index.ingest.identity import article_id, is_absolute_url, source_host
from pressearch.index.ingest.parsed import ParsedFile
from pressearch.models import Article

CATEGORY_FACET = "category"
NOT_A_FEED = "not an RSS or Atom feed"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_feed(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """Every entry's article (`.rss`, `.atom`); a file that is no feed is an error."""
    return _read(text, path=path, rel_path=rel_path, strict=True)


def read_xml_feed(text: str, *, path: str, rel_path: str) -> ParsedFile:
    """Every entry's article when the `.xml` file is a feed; any other XML is skipped, warned."""
    return _read(text, path=path, rel_path=rel_path, strict=False)


def parse_feed(text: str) -> Any:
    """feedparser's reading of a feed's decoded text.

    The text goes in as UTF-8 bytes with a charset that says so (it was
    decoded already, whatever its XML declaration says), never as a str,
    which feedparser would take for a file name or an address to open.
    """
    # Imported here: it costs ~25 ms, which every `pressearch query` would
    # pay, since the ingest table is imported wherever suffixes are known.
    import feedparser

    return feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )


def _read(text: str, *, path: str, rel_path: str, strict: bool) -> ParsedFile:
    feed = parse_feed(text)
    if not feed.get("version") and not feed.get("entries"):
        reason = NOT_A_FEED
        if feed.get("bozo_exception") is not None:
            reason += f" ({tidy(str(feed['bozo_exception']))})"
        if strict:
            return ParsedFile((), (ArticleParseError(path, reason),))
        return ParsedFile((), (), (f"{reason}: skipped",))
    site = tidy(clean((feed.get("feed") or {}).get("link") or ""))
    articles: list[Article] = []
    errors: list[ArticleParseError] = []
    for n, entry in enumerate(feed.get("entries") or (), start=1):
        try:
            articles.append(_article(entry, n, site=site, path=path, rel_path=rel_path))
        except ArticleParseError as exc:
            errors.append(exc)
    return ParsedFile(tuple(articles), tuple(errors))


def _article(entry: Any, n: int, *, site: str, path: str, rel_path: str) -> Article:
    headline = _one_line(entry.get("title_detail") or {})
    body = _paragraphs(_body_detail(entry))
    if not headline and not body:
        raise ArticleParseError(path, f"entry {n}: no title and no content")
    link = tidy(clean(entry.get("link") or ""))
    url = link if is_absolute_url(link) else None
    entry_id = tidy(clean(entry.get("id") or ""))
    if url:
        key = article_id(url, rel_path)
    elif entry_id:
        key = article_id(entry_id, rel_path)  # a hash of the entry id: stable across runs
    else:
        key = f"{rel_path}:{n}"
    categories: list[str] = []
    for tag in entry.get("tags") or ():
        value = tidy(clean(tag.get("label") or tag.get("term") or ""))
        if value and value not in categories:
            categories.append(value)
    return Article(
        id=key,
        path=path,
        headline=headline or body[0][:120],
        body="\n\n".join(body),
        url=url,
        source=source_host(site if is_absolute_url(site) else url),
        date=_date(entry),
        taxonomy={CATEGORY_FACET: tuple(categories)} if categories else {},
    )


def _body_detail(entry: Any) -> Any:
    """The entry's fullest text: its (HTML, else longest) content, else its summary."""
    contents = [c for c in entry.get("content") or () if (c.get("value") or "").strip()]
    if contents:
        html = [c for c in contents if c.get("type") in _HTML_TYPES]
        return max(html or contents, key=lambda c: len(c.get("value") or ""))
    return entry.get("summary_detail") or {}


def _paragraphs(detail: Any) -> list[str]:
    value = detail.get("value") or ""
    if detail.get("type") in _HTML_TYPES:
        return html_paragraphs(value)
    paragraphs = (tidy(p) for p in clean(value).split("\n\n"))
    return [p for p in paragraphs if p]


def _one_line(detail: Any) -> str:
    return " ".join(_paragraphs(detail))


def _date(entry: Any) -> dt.date | None:
    """The published date, else the updated one: feedparser's UTC reading, else the raw text."""
    for key in ("published", "updated"):
        parsed = entry.get(f"{key}_parsed")
        if parsed is not None:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        raw = entry.get(key)
        if raw and (found := date_value(tidy(clean(raw)))):
            return found
    return None
