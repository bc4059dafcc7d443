"""RSS and Atom feeds: each entry an article; a file that is no feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pressearch.index.ingest import read_file
from pressearch.index.ingest.feed import read_feed
from pressearch.index.ingest.html import parse_html

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
PAGES = FEEDS.parent / "pages"


def test_rss_entries() -> None:
    parsed = read_file(FEEDS / "policecoop.rss", FEEDS)
    assert (parsed.errors, parsed.warnings) == ((), ())
    first, second, third = parsed.articles
    assert first.headline == "Joint action day takes down phishing-as-a-service platform"
    assert first.date == dt.date(2023, 3, 14)
    # content:encoded (HTML) wins over the description; its script is gone.
    assert first.body == (
        "Investigators from nine countries dismantled a platform that rented phishing kits to"
        " more than 2 000 criminals.\n\nThe administrators were arrested in two countries."
    )
    assert first.taxonomy == {"category": ("Cybercrime", "Fraud")}
    assert first.source == "newsroom.policecoop.example.eu"
    # The link is the URL and the id: the same as the page saved from that address.
    page = parse_html(
        (PAGES / "police_newsroom.html").read_text(encoding="utf-8"), path="p", rel_path="p"
    )
    assert (first.url, first.id) == (page.url, page.id)
    assert second.body == "Police forces in 25 countries identified 8 000 money mules."
    assert second.date == dt.date(2022, 12, 7)
    # No link: no URL, an id from the entry id, and the feed's host as source.
    assert third.url is None
    assert third.id.startswith("u") and third.id not in (first.id, second.id)
    assert third.source == "newsroom.policecoop.example.eu"
    assert read_file(FEEDS / "policecoop.rss", FEEDS).articles[2].id == third.id


def test_atom_entries() -> None:
    first, second = read_file(FEEDS / "commission.atom", FEEDS).articles
    assert first.headline == "Commission proposes stronger rules against online fraud"
    assert first.date == dt.date(2023, 3, 14)  # published, not updated
    assert first.body == (
        "Today, the Commission has proposed new rules to protect consumers against payment"
        " fraud.\n\n“Fraudsters move fast,” said Valdis Dombrowski."
    )
    assert first.taxonomy == {"category": ("Payments", "consumers")}
    assert first.source == "commission.example.eu"
    assert second.date == dt.date(2023, 3, 13)  # only updated
    assert second.body == "Commission approves a scheme to support farmers.\n\nA second paragraph."


def test_xml_that_is_a_feed_or_not(tmp_path: Path) -> None:
    feed = tmp_path / "news.xml"
    feed.write_bytes((FEEDS / "commission.atom").read_bytes())
    assert len(read_file(feed, tmp_path).articles) == 2
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text('<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>\n')
    parsed = read_file(sitemap, tmp_path)
    assert (parsed.articles, parsed.errors) == ((), ())
    assert parsed.warnings == ("not an RSS or Atom feed: skipped",)


def test_rss_file_that_is_no_feed_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.rss"
    path.write_text("this is not XML at all\n")
    (error,) = read_file(path, tmp_path).errors
    assert error.reason.startswith("not an RSS or Atom feed")
    # Nothing at all (as no file gives, but a fetched answer may).
    (error,) = read_feed("", path="/f.rss", rel_path="f.rss").errors
    assert error.reason.startswith("not an RSS or Atom feed")


def test_entry_without_title_or_text_is_an_error_and_the_others_are_read() -> None:
    text = (
        '<rss version="2.0"><channel><link>https://n.example.org/</link>'
        "<item><guid>a</guid></item>"
        "<item><title>Kept</title><link>https://n.example.org/k</link></item>"
        "</channel></rss>"
    )
    parsed = read_feed(text, path="/f.rss", rel_path="f.rss")
    assert [a.headline for a in parsed.articles] == ["Kept"]
    assert [e.reason for e in parsed.errors] == ["entry 1: no title and no content"]


def test_a_feed_naming_a_local_file_opens_nothing(tmp_path: Path) -> None:
    # feedparser opens a str that names a file; the reader never hands it one.
    secret = tmp_path / "secret.rss"
    secret.write_text((FEEDS / "policecoop.rss").read_text(encoding="utf-8"))
    parsed = read_feed(str(secret), path="/f.rss", rel_path="f.rss")
    assert parsed.articles == ()
