"""Regenerate docs/query.svg, the README's picture of `pressearch query`.

Indexes the bundled sample archive into a temporary directory, runs the
README's example query through the library, and lets Rich export what it
drew as SVG (`Console(record=True)` + `save_svg`), so the picture is always
the real output. Run: `python scripts/screenshot.py [--output FILE]`;
tests/test_readme.py checks that docs/query.svg is what it draws today.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from pressearch import Archive
from pressearch.cli.render import render_search
from pressearch.locations import sample_archive_dir

QUERY = "COVID cybercrime"
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "query.svg"


def main(argv: list[str]) -> int:
    output = Path(argv[argv.index("--output") + 1]) if "--output" in argv else OUTPUT
    with tempfile.TemporaryDirectory() as tmp, Archive.create(Path(tmp) / "index") as archive:
        archive.index([sample_archive_dir()])
        result = archive.search(QUERY, facets=["target_group", "year"], limit=5)
    console = Console(
        record=True,
        width=110,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        markup=False,
        emoji=False,
        file=io.StringIO(),
    )
    console.print(f'$ pressearch query "{QUERY}" --facet target_group --facet year --limit 5\n')
    render_search(result, console)
    output.parent.mkdir(exist_ok=True)
    console.save_svg(str(output), title="pressearch")
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
