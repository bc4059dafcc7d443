"""Regenerate docs/serve.png, the README's picture of `pressearch serve`, with the tests' browser.

Indexes the bundled sample archive into a temporary folder, serves it as
the tests do, and lets Debian's chromium (through Playwright) photograph the
search page for the README's example query, once warm, at a fixed size and
in the light scheme, so the picture is the real page. The time the search
took differs from run to run: `took_box` is where it is drawn, which
tests/web/test_screenshot.py leaves out when it checks that docs/serve.png
is what this draws today. Run: `python -m tests.web.screenshot [--output FILE]`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from pressearch import Archive
from pressearch.locations import sample_archive_dir

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "serve.png"
PAGE = "/?q=COVID+cybercrime"
VIEWPORT = {"width": 1280, "height": 820}


def take(browser: Any, base: str) -> tuple[bytes, dict[str, float]]:
    """The PNG of the README's page on the server at `base`, and the box of its timing."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(base + PAGE)  # the first search of a process warms the searcher up
        page.goto(base + PAGE)
        page.locator("#total").wait_for()
        box: dict[str, float] = page.locator(".took").bounding_box()
        png: bytes = page.screenshot(animations="disabled", caret="hide")
    finally:
        context.close()
    return png, box


def sample_index(folder: Path) -> Path:
    with Archive.create(folder / "index") as archive:
        archive.index([sample_archive_dir()])
    return folder / "index"


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from tests.web.conftest import CHROMIUM_ARGS, chromium_path, serving

    output = Path(argv[argv.index("--output") + 1]) if "--output" in argv else OUTPUT
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(sample_index(Path(tmp))) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            png, _ = take(browser, base)
        finally:
            browser.close()
    output.write_bytes(png)
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
