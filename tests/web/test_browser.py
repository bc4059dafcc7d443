"""The pages in a real browser: search, narrow, open, follow, export; hostile text stays text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import expect
from typer.testing import CliRunner

from pressearch.cli.app import app
from tests.web.conftest import HOSTILE_ID


def api_total(server: str, **params: Any) -> int:
    with httpx.Client(base_url=server) as client:
        total: int = client.get("/api/search", params=params).json()["total"]
    return total


def articles(n: int) -> str:
    return f"{n:,} article" + ("" if n == 1 else "s")


def state(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_type_narrow_widen(page: Any, server: str) -> None:
    page.goto(server + "/")
    assert page.evaluate("document.activeElement.id") == "q"  # the search box has the focus
    page.locator("#q").press_sequentially("europol")  # results come as you type
    total = api_total(server, q="europol")
    expect(page.locator("#total")).to_have_text(articles(total))
    expect(page.locator(".hit")).to_have_count(10)
    assert state(page) == {"q": ["europol"]}
    assert page.locator(".hit mark").first.inner_text().lower() == "europol"

    value = page.locator('.facet[data-facet="crime_area"] a.value').first
    name = value.locator(".name").inner_text()
    narrowed = int(value.locator(".count").inner_text())
    assert 0 < narrowed < total
    page.evaluate("window.sameDocument = true")
    value.click()
    expect(page.locator("#total")).to_have_text(articles(narrowed))
    assert page.evaluate("window.sameDocument") is True  # no full reload
    assert state(page) == {"q": ["europol"], "filter": [f"crime_area:{name}"]}
    selected = page.locator('.facet[data-facet="crime_area"] a.value.on')
    expect(selected).to_have_attribute("aria-checked", "true")
    assert api_total(server, q="europol", filter=f"crime_area:{name}") == narrowed

    # A second facet ANDs; its value's count is the new total.
    other = page.locator('.facet[data-facet="type"] a.value').last
    both = int(other.locator(".count").inner_text())
    other.click()
    expect(page.locator("#total")).to_have_text(articles(both))
    assert len(state(page)["filter"]) == 2

    page.locator(".chips a").first.click()  # removable again
    page.locator(".chips a").first.click()
    expect(page.locator("#total")).to_have_text(articles(total))
    assert state(page) == {"q": ["europol"]}
    page.go_back()  # every state is in the URL and in the history
    expect(page.locator("#total")).not_to_have_text(articles(total))


def test_sort_match_pages_and_timeline(page: Any, server: str) -> None:
    page.goto(server + "/?q=police+drugs+money")
    every = api_total(server, q="police drugs money")
    expect(page.locator("#total")).to_have_text(articles(every))
    page.locator("#match").check()
    anywords = api_total(server, q="police drugs money", match="any")
    expect(page.locator("#total")).to_have_text(articles(anywords))
    assert anywords > every
    page.locator("#sort").select_option("newest")
    expect(page).to_have_url(re.compile(r"sort=newest"))
    dates = page.locator(".hit time").evaluate_all("nodes => nodes.map(n => n.dateTime)")
    assert dates == sorted(dates, reverse=True)

    page.locator(".pages a", has_text="2").first.click()
    expect(page.locator(".pages .current")).to_have_text("2")
    expect(page.locator(".hits")).to_have_attribute("start", "11")

    last_bar = page.locator(".timeline a").last
    label = last_bar.locator("title").text_content() or ""
    count = int(re.search(r": (\d+) article", label)[1])  # type: ignore[index]
    last_bar.click()
    expect(page.locator("#total")).to_have_text(articles(count))
    query = state(page)
    assert query["since"] == query["until"] and query["match"] == ["any"]


def test_open_an_article_and_follow_a_taxonomy_link(page: Any, server: str) -> None:
    page.goto(server + "/?q=COVID+phishing")
    headline = page.locator(".hit h2 a").first
    title = headline.inner_text()
    headline.click()
    expect(page).to_have_url(re.compile(r"/article/u[0-9a-f]+$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".similar li")).not_to_have_count(0)
    assert page.locator("a.source").get_attribute("href", timeout=1000).startswith("https://")
    assert page.locator("blockquote cite").count() > 0  # quotes with their speakers

    tag = page.locator(".taxonomy dd a").first
    value = tag.inner_text()
    tag.click()
    expect(page).to_have_url(re.compile(r"filter="))
    (filter_,) = state(page)["filter"]
    assert filter_.endswith(f":{value}") and "q" not in state(page)
    expect(page.locator("#total")).to_have_text(articles(api_total(server, filter=filter_)))


def test_export_the_current_search(page: Any, server: str, web_index: Path) -> None:
    page.goto(server + "/?q=fraud&filter=crime_area:Cybercrime")
    with page.expect_download() as download:
        page.locator(".export a", has_text="CSV").click()
    saved = Path(download.value.path()).read_bytes()
    cli = CliRunner().invoke(
        app,
        ["export", "fraud", "--filter", "crime_area=Cybercrime", "--index", str(web_index)],
    )
    assert saved == cli.stdout_bytes
    assert download.value.suggested_filename == "pressearch-export.csv"
    assert saved.count(b"\r\n") == api_total(server, q="fraud", filter="crime_area:Cybercrime") + 1


def test_a_query_error_is_shown_where_it_is(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.locator("#q").fill("fraud AND (scam")
    page.locator("#q").press("Enter")
    expect(page.locator(".error .message")).to_contain_text("never closed")
    expect(page.locator(".query-at mark.at")).to_have_text("(")


def test_did_you_mean_is_a_link(page: Any, server: str) -> None:
    page.goto(server + "/?q=cybercrme+ransomwre")
    link = page.locator(".suggestion a")
    expect(link).to_have_text("cybercrime ransomware")
    link.click()
    expect(page.locator("#q")).to_have_value("cybercrime ransomware")
    expect(page.locator("#total")).not_to_have_text("0 articles")


def test_hostile_text_is_shown_and_never_run(page: Any, server: str) -> None:
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    page.goto(server + "/?q=lighthouse")
    hit = page.locator(".hit").first
    assert "<script>alert('headline')</script>" in hit.locator("h2").inner_text()
    assert "<img src=x onerror=alert('body')>" in hit.inner_text()
    page.goto(f"{server}/article/{HOSTILE_ID}")
    assert page.locator("h1").inner_text().startswith("<script>alert('headline')</script>")
    body = page.locator(".body").inner_text()
    assert "<img src=x onerror=alert('body')>" in body and "<script>alert('body2')</script>" in body
    assert page.locator("cite").inner_text() == "<script>alert('speaker')</script>"
    assert page.locator(".taxonomy a").inner_text() == "<img src=x onerror=alert('tax')>"
    assert page.locator("a.source").count() == 0  # javascript: is never a link
    page.locator("h1").hover()
    page.locator(".body").hover()
    # The only script is ours; no image, no SVG, no bold from the article.
    assert page.evaluate("[...document.scripts].map(s => new URL(s.src).pathname)") == [
        "/static/app.js"
    ]
    assert page.locator("main img, main svg, main b, main i").count() == 0
    page.wait_for_timeout(100)  # an onerror or onload would have fired by now
    assert dialogs == [] and console == []


def test_the_pages_work_without_javascript(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.locator("#q").fill("europol")
        page.locator("button[type=submit]").click()
        expect(page.locator("#total")).to_have_text(articles(api_total(server, q="europol")))
        value = page.locator('.facet[data-facet="crime_area"] a.value').first
        narrowed = int(value.locator(".count").inner_text())
        value.click()
        expect(page.locator("#total")).to_have_text(articles(narrowed))
    finally:
        context.close()
