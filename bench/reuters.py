"""Reuters-21578 (SGML, latin-1) → pressearch JSON Lines, one `Article.to_dict()` per line.

Model: each `<REUTERS NEWID=n>` element becomes one article with id
`reuters-<n>`: `<TITLE>` → headline, `<BODY>` → body (its indented lines
start paragraphs), the day of `<DATE>` → date, and the category lists
TOPICS, PLACES, PEOPLE, ORGS, EXCHANGES → taxonomy facets of those names
(empty lists left out). Character references (`&#5;`, `&lt;`) are decoded
and control characters dropped. Articles of `TYPE="UNPROC"` have neither
title nor body, only raw text: its first line becomes the headline and the
rest the body. One UNPROC article (NEWID 12793) holds no text at all and is
left out, so 21,577 of the 21,578 articles are written.
Output is split into files of `per_file` articles, so that "1% of files
changed" means something for re-indexing benchmarks.

    python -m bench.reuters OUT_DIR [--data ../shared/data] [--per-file 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pressearch.models import Article


def _words(text: str) -> list[str]:
    """The words of a whitespace-separated list: keeps long word lists readable."""
    return text.split()


CATEGORY_TAGS = ("TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES")
MONTHS = {
    m: i for i, m in enumerate(_words("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC"), start=1)
}

_DOC = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_DATE = re.compile(r"<DATE>\s*(\d{1,2})-([A-Z]{3})-(\d{4})")
_D = re.compile(r"<D>(.*?)</D>", re.S)
# C0 controls except newline and tab (Reuters uses ^B, ^C, ^E... as markers).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _tag(name: str, text: str) -> str | None:
    match = re.search(rf"<{name}>(.*?)</{name}>", text, re.S)
    return match.group(1) if match else None


def _clean(raw: str) -> str:
    return _CONTROL.sub("", html.unescape(raw))


def _paragraphs(raw: str) -> str:
    """Reflow hard-wrapped lines; an indented line starts a new paragraph."""
    paragraphs: list[list[str]] = []
    for line in _clean(raw).splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(p) for p in paragraphs)


def _date(doc: str) -> dt.date | None:
    # Some dates are malformed after the day ("605:12:19.12"): read only the day.
    match = _DATE.search(doc)
    if not match or match.group(2) not in MONTHS:
        return None
    day, month, year = int(match.group(1)), MONTHS[match.group(2)], int(match.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class ReutersDoc:
    """One converted article and how it was read (for the conversion counts)."""

    article: Article
    source_file: str
    has_title: bool
    has_body: bool
    unprocessed: bool


def iter_reuters(data_dir: Path) -> Iterator[ReutersDoc]:
    """Every article of `reut2-*.sgm` under `data_dir`, in file and NEWID order."""
    files = sorted(data_dir.glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files in {data_dir}: pass the reuters21578 folder")
    for sgm in files:
        text = sgm.read_text(encoding="latin-1")
        for match in _DOC.finditer(text):
            attrs, doc = match.groups()
            newid = _NEWID.search(attrs)
            if newid is None:
                continue
            text_match = _TEXT.search(doc)
            text_attrs, inner = text_match.groups() if text_match else ("", "")
            title_raw, body_raw = _tag("TITLE", inner), _tag("BODY", inner)
            unprocessed = 'TYPE="UNPROC"' in text_attrs
            headline = " ".join(_clean(title_raw).split()) if title_raw is not None else ""
            body = _paragraphs(body_raw) if body_raw is not None else ""
            if unprocessed and not headline and not body:
                lines = [ln.strip() for ln in _clean(inner).splitlines() if ln.strip()]
                headline = lines[0] if lines else ""
                body = "\n".join(lines[1:])
            taxonomy: dict[str, tuple[str, ...]] = {}
            for tag in CATEGORY_TAGS:
                values = tuple(_clean(v).strip() for v in _D.findall(_tag(tag, doc) or ""))
                if values:
                    taxonomy[tag.lower()] = values
            article = Article(
                id=f"reuters-{newid.group(1)}",
                path="",
                headline=headline,
                body=body,
                date=_date(doc),
                taxonomy=taxonomy,
            )
            yield ReutersDoc(
                article, sgm.name, title_raw is not None, body_raw is not None, unprocessed
            )


@dataclass(frozen=True)
class ConversionReport:
    """Counts of a conversion; `written` = articles with a title or body (UNPROC text counts)."""

    articles: int
    with_title: int
    with_body: int
    unprocessed: int
    written: int
    files: int
    bytes: int


def convert(data_dir: Path, out_dir: Path, per_file: int = 100) -> ConversionReport:
    """Write the collection as `reuters-NNNN.jsonl` files of `per_file` articles each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("reuters-*.jsonl"):
        old.unlink()
    articles = with_title = with_body = unprocessed = written = files = size = 0
    batch: list[str] = []

    def flush() -> None:
        nonlocal files, size
        path = out_dir / f"reuters-{files:04d}.jsonl"
        data = "".join(batch).encode("utf-8")
        path.write_bytes(data)
        files += 1
        size += len(data)
        batch.clear()

    for doc in iter_reuters(data_dir):
        articles += 1
        with_title += doc.has_title
        with_body += doc.has_body
        unprocessed += doc.unprocessed
        if not (doc.article.headline or doc.article.body):
            continue
        written += 1
        path = (out_dir / f"reuters-{files:04d}.jsonl").resolve()
        record = doc.article.to_dict() | {"path": str(path)}
        batch.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(batch) == per_file:
            flush()
    if batch:
        flush()
    return ConversionReport(articles, with_title, with_body, unprocessed, written, files, size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reuters", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("out_dir", type=Path, help="folder for the .jsonl files")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data",
        help="the shared data folder holding reuters21578/ (default ../shared/data)",
    )
    parser.add_argument("--per-file", type=int, default=100, help="articles per file")
    args = parser.parse_args(argv)
    try:
        report = convert(args.data / "reuters21578", args.out_dir, args.per_file)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{report.articles} articles ({report.with_title} with a title, {report.with_body} "
        f"with a body, {report.unprocessed} unprocessed text only); {report.written} "
        f"with a title or body written in {report.files} files, {report.bytes / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
