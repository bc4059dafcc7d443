"""Newsroom web pages: three newsroom layouts, the furniture left out, a browser-saved page."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pressearch import Archive
from pressearch.index.ingest import read_file
from pressearch.index.ingest.html import html_paragraphs, parse_html, read_html
from pressearch.models import Article, Quote, Speaker

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"


def page(name: str) -> Article:
    parsed = read_file(PAGES / name, PAGES)
    assert parsed.errors == ()
    (article,) = parsed.articles
    return article


def html(markup: str) -> Article:
    return parse_html(markup, path="/archive/p.html", rel_path="p.html")


def test_eu_press_room() -> None:
    article = page("eu_press_room.html")
    assert article.headline == "Commission proposes stronger rules against online fraud"
    # The canonical link wins over og:url; the id is the URL's, so a re-saved page keeps it.
    assert article.url == "https://commission.example.eu/presscorner/detail/en/ip_23_1234"
    assert article.source == "commission.example.eu"
    assert article.date == dt.date(2023, 3, 14)
    assert article.type == "Press release"
    assert article.body.split("\n\n") == [
        "Today, the Commission has proposed new rules to protect consumers against payment fraud,"
        " which cost Europeans 1.8 billion euro in 2022.",
        "The proposal obliges payment service providers to share information on fraud and to"
        " check that the name of a payee matches the account number.",
        "Commissioner for Financial Services Mairead Pearson said:",
        "Background",
        "The proposal revises the Payment Services Directive of 2015.",
        "For More Information",
        "Questions and answers",
        "Factsheet",
    ]
    assert article.quotes == (
        Quote(
            "Fraudsters move fast, and our rules must move faster. Today we close the gaps they"
            " exploit.",
            "Valdis Dombrowski",
        ),
        # No attribution in the block: the paragraph before it, ending with a colon, names her.
        Quote(
            "Consumers should never pay for a fraud they could not see coming.", "Mairead Pearson"
        ),
    )


def test_police_newsroom_speaker_cards_quotes_and_taxonomy() -> None:
    article = page("police_newsroom.html")
    assert article.headline == "Joint action day takes down phishing-as-a-service platform"
    assert article.url == (
        "https://newsroom.policecoop.example.eu/media-press/newsroom/news/"
        "joint-action-day-takes-down-phishing-platform"
    )
    assert article.source == "newsroom.policecoop.example.eu"
    assert article.date == dt.date(2023, 3, 14)
    assert article.type == "Press Release"
    assert article.speakers == (
        Speaker("Marta Kovač", "Head of the Financial Crime Unit"),
        Speaker("Tomás Ruiz", "Prosecutor, Eurojust"),
    )
    assert article.body.split("\n\n") == [
        "Investigators from nine countries dismantled a platform that rented phishing kits to"
        " more than 2 000 criminals, following a two-year investigation coordinated by Policecoop.",
        "The platform’s administrators were arrested in two countries during the action day on"
        " 12 March.",
    ]
    # The same attribution as Markdown: a name, then "the prosecutor" as the card's role.
    assert article.quotes == (
        Quote(
            "Crime-as-a-service lowers the bar for anyone who wants to steal from the public",
            "Marta Kovač",
        ),
        Quote("Cooperation across borders is now routine, not the exception", "Tomás Ruiz"),
    )
    assert article.taxonomy == {
        "crime_area": ("Cybercrime", "Fraud"),
        "target_group": ("General Public", "Law Enforcement"),
        "entity": ("European Cybercrime Centre (EC3)",),
    }


def test_ministry_page() -> None:
    article = page("ministry.html")
    assert article.headline == "Minister presents national strategy against money laundering"
    assert article.source == "www.interior-ministry.example.de"
    assert article.date == dt.date(2022, 11, 3)
    assert article.type == "Press release"
    assert article.body.split("\n\n") == [
        "Cash limits, a central register and 300 new investigators",
        "Federal Minister of the Interior Anna Weber today presented the national strategy"
        " against money laundering and terrorist financing to the cabinet.",
        "The strategy sets out 14 measures, among them:",
        "a cash payment limit of 10 000 euro,",
        "a central register of real estate owners,",
        "300 additional posts for financial investigators.",
    ]
    assert article.quotes == (
        Quote("Criminal money must have no safe harbour in our country", "Anna Weber"),
        Quote("We follow the money, wherever it goes", "Anna Weber"),  # "she added"
    )
    assert article.taxonomy == {"keywords": ("Money laundering", "Terrorist financing")}


@pytest.mark.parametrize("name", ["eu_press_room.html", "police_newsroom.html", "ministry.html"])
def test_no_page_furniture_in_any_text(name: str) -> None:
    article = page(name)
    text = "\n".join(
        [article.headline, article.body, *(q.text for q in article.quotes)]
        + [v for values in article.taxonomy.values() for v in values]
    ).lower()
    for furniture in (
        "cookie",
        "skip to",
        "share this page",
        "share on",
        "press office",
        "press contacts",
        "related",
        "priorities",  # the site menu
        "homepage",
        "home",
        "privacy",
        "phone",
        "analytics",
        "datalayer",
        "facebook",
        "linkedin",
        "phishing gang arrested",  # a related article's teaser
    ):
        assert furniture not in text, furniture


def test_browser_saved_page_indexes_as_one_article(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(PAGES / "saved", archive)
    with Archive.create(tmp_path / "ix") as index:
        report = index.index([archive])
        assert (report.added, report.failed) == (1, ())
        assert index.stats().documents == 1
        (hit,) = index.search("money laundering").hits
    # No canonical link: the address the browser noted when saving the page.
    assert (
        hit.url
        == "https://www.interior-ministry.example.de/SharedDocs/press/EN/2022/11/strategy.html"
    )
    assert hit.headline == "Minister presents national strategy against money laundering"


def test_a_saved_pages_parts_yield_nothing_but_a_lone_files_folder_is_read(tmp_path: Path) -> None:
    part = PAGES / "saved" / "Money laundering strategy_files" / "saved_resource.html"
    assert read_file(part, PAGES).articles == ()
    # Without the page beside it, `x_files` is just a folder name.
    lone = tmp_path / "x_files" / "page.html"
    lone.parent.mkdir()
    lone.write_text("<h1>Title</h1><p>Text.</p>", encoding="utf-8")
    assert [a.headline for a in read_file(lone, tmp_path).articles] == ["Title"]


def test_headline_falls_back_to_og_title_then_title() -> None:
    assert (
        html(
            '<meta property="og:title" content="OG headline"><title>T</title><p>Body.</p>'
        ).headline
        == "OG headline"
    )
    assert html("<title>Page title</title><p>Body.</p>").headline == "Page title"


def test_page_without_headline_or_body_is_an_error() -> None:
    parsed = read_html("<p>Just text.</p>", path="/a/x.html", rel_path="x.html")
    assert [e.reason for e in parsed.errors] == ["no headline (no <h1>, og:title or <title>)"]
    parsed = read_html("<h1>Title</h1><nav><p>Menu</p></nav>", path="/a/x.html", rel_path="x.html")
    assert [e.reason for e in parsed.errors] == [
        "no body text (no paragraphs outside the page's furniture)"
    ]


def test_without_an_absolute_url_the_id_is_the_path() -> None:
    article = html('<link rel="canonical" href="/news/x"><h1>T</h1><p>Body.</p>')
    assert (article.id, article.url, article.source) == ("p.html", None, None)


def test_text_from_the_page_is_data() -> None:
    article = html(
        "<h1>A &lt;b&gt;bold&lt;/b&gt; claim\x1b[31m</h1>"
        "<p>[red]markup[/red] &#27;]8;;http://evil&#7; and <em>emphasis</em>&nbsp;here</p>"
    )
    assert article.headline == "A <b>bold</b> claim[31m"
    assert article.body == "[red]markup[/red] ]8;;http://evil and emphasis here"


def test_inline_runs_and_breaks() -> None:
    article = html("<h1>T</h1><div>First line<br>second <b>bold</b><p>Block</p>tail</div>")
    assert article.body.split("\n\n") == ["First line second bold", "Block", "tail"]


def test_json_ld_date_and_time_element() -> None:
    ld = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2021-05-04"}</script>'
    )
    assert html(ld + "<h1>T</h1><p>Body.</p>").date == dt.date(2021, 5, 4)
    article = html(
        '<article><h1>T</h1><time datetime="2020-10-06">6 Oct</time><p>Body.</p></article>'
    )
    assert (article.date, article.body) == (dt.date(2020, 10, 6), "Body.")


def test_html_paragraphs_of_a_feed_entry() -> None:
    assert html_paragraphs(
        "<p>One <a href='x'>link</a>.</p><script>evil()</script><ul><li>two</li></ul>"
    ) == ["One link.", "two"]
    assert html_paragraphs("plain text &amp; more") == ["plain text & more"]


def test_deeply_nested_pages_are_read_without_recursion() -> None:
    deep = 5000  # far past Python's recursion limit
    article = html(
        "<h1>T</h1>"
        + "<div>" * deep
        + "<p>Deep text.</p>"
        + "</div>" * deep
        + '<div class="share">' * deep
        + "Share"
        + "</div>" * deep
        + '<div class="tags">' * 2000
        + "<a>Value</a>"
        + "</div>" * 2000
        + '<div class="person">' * 2000
        + "<b>Ann Lee</b> Director"
        + "</div>" * 2000
    )
    assert article.body == "Deep text."
    assert article.taxonomy == {"tags": ("Value",)}
    assert article.speakers == (Speaker("Ann Lee", "Director"),)
