"""docs/serve.png, the README's picture, is the page as it is drawn today."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from tests.web.conftest import serving
from tests.web.screenshot import OUTPUT, sample_index, take

# Counts the pixels that differ between two PNGs, leaving out the line from
# the timing to the right edge (its digits vary from run to run).
_DIFFERING_PIXELS = """async ([first, second, box]) => {
  const load = (src) => new Promise((done, fail) => {
    const image = new Image();
    image.onload = () => done(image);
    image.onerror = fail;
    image.src = src;
  });
  const pixels = (image) => {
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const [a, b] = await Promise.all([load(first), load(second)]);
  if (a.width !== b.width || a.height !== b.height) return -1;
  const p = pixels(a), q = pixels(b);
  let differing = 0;
  for (let i = 0; i < p.length; i += 4) {
    const x = (i / 4) % a.width, y = Math.floor(i / 4 / a.width);
    if (x >= box.x && y >= box.y && y < box.y + box.height) continue;
    if (p[i] !== q[i] || p[i + 1] !== q[i + 1] || p[i + 2] !== q[i + 2]) differing++;
  }
  return differing;
}"""


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def test_the_readme_picture_is_todays_page(browser: Any, tmp_path: Path) -> None:
    with serving(sample_index(tmp_path)) as base:
        drawn, box = take(browser, base)
    context = browser.new_context()
    try:
        differing = context.new_page().evaluate(
            _DIFFERING_PIXELS, [_data_url(drawn), _data_url(OUTPUT.read_bytes()), box]
        )
    finally:
        context.close()
    assert differing == 0, (
        f"docs/serve.png is out of date ({differing} pixels differ): "
        "run `python -m tests.web.screenshot`"
    )
