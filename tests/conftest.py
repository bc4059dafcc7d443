"""Shared fixtures: write articles in the archive format, build a small index.

`write_article(folder, name, **parts)` writes one Markdown article laid out
as FORMAT.md describes and returns its path. `built_index` is an on-disk
index of the four hand-written articles in `SMALL_ARCHIVE`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import query

from pressearch.index.schema import build_schema
from pressearch.index.segments import document_fields
from pressearch.index.writer import build
from pressearch.models import Article, IndexReport


def article_markdown(
    *,
    headline: str,
    body: str | Sequence[str] = "The body of the article.",
    date: str | None = None,
    type: str | None = None,
    speakers: Sequence[tuple[str, str]] = (),
    quotes: Sequence[str] = (),
    taxonomy: Mapping[str, Sequence[str]] | None = None,
    url: str | None = None,
) -> str:
    """One article in the archive format (FORMAT.md), parts in their order."""
    lines = ["", "", f"# {headline}", ""]
    if date:
        lines += [date, ""]
    if type:
        lines += [f"[{type}](#)", "", ""]
    for name, role in speakers:
        lines += ["", f"**{name}**  ", role, ""]
    paragraphs = [body] if isinstance(body, str) else list(body)
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    for quote in quotes:
        lines += ["“", "", quote, "", "”", ""]
    if taxonomy:
        for label, values in taxonomy.items():
            escaped = [v.replace("(", r"\(").replace(")", r"\)") for v in values]
            lines.append(f"{label} " + " • ".join(f"[{v}](#)" for v in escaped) + "  ")
        lines.append("")
    if url:
        lines += ["---", "", f"**Source URL:** <{url}>"]
    return "\n".join(lines) + "\n"


def write_article(folder: Path, name: str, **parts: Any) -> Path:
    """Write `article_markdown(**parts)` to `folder/name` (folders created)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_markdown(**parts), encoding="utf-8")
    return path


def touch_later(path: Path, seconds: int = 10) -> None:
    """Move a file's mtime forward, so a rewrite is seen even on coarse clocks."""
    st = path.stat()
    later = st.st_mtime_ns + seconds * 1_000_000_000
    os.utime(path, ns=(later, later))


# Four articles, each showing something the index must keep apart.
SMALL_ARCHIVE: dict[str, dict[str, Any]] = {
    "phishing.md": {
        "headline": "JOINT ACTION DAY TAKES DOWN PHISHING-AS-A-SERVICE PLATFORM",
        "date": "14 Mar 2023",
        "type": "Press Release",
        "speakers": [
            ("Marta Kovač", "Head of the Financial Crime Unit"),
            ("Tomás Ruiz", "Prosecutor, Eurojust"),
        ],
        "body": [
            "Investigators from nine countries dismantled a platform that rented"
            " phishing kits to more than 2 000 criminals.",
            "The platform’s administrators were arrested in two countries.",
        ],
        "quotes": [
            "“Crime-as-a-service lowers the bar for anyone who wants to steal from"
            " the public,” said Marta Kovač.",
        ],
        "taxonomy": {
            "CRIME AREAS": ["Cybercrime", "Fraud"],
            "TARGET GROUPS": ["General Public", "Law Enforcement", "Industry"],
            "ENTITIES": ["European Cybercrime Centre (EC3)"],
            "ORGANISATIONS": ["Eurojust"],
        },
        "url": "https://newsroom.example.org/news/joint-action-day-phishing-platform",
    },
    "covid/vaccine-scams.md": {
        "headline": "FAKE COVID-19 VACCINES SOLD ONLINE",
        "date": "06 Oct 2020",
        "type": "News Article",
        "body": "Criminals sell fake COVID-19 vaccines to worried citizens.",
        "taxonomy": {
            "CRIME AREAS": ["Fraud", "Cybercrime"],
            "TARGET GROUPS": ["General Public", "Healthcare"],
            "REGIONS": ["Europe"],
        },
        "url": "https://press.example.com/covid-vaccine-scams",
    },
    "speech.md": {
        "headline": "DIRECTOR ADDRESSES DRUG TRAFFICKING CONFERENCE",
        "date": "2 May 2019",
        "type": "Speech",
        "body": "Synthetic drugs reach Europe through its ports.",
        "taxonomy": {
            "CRIME AREAS": ["Drug Trafficking"],
            "TARGET GROUPS": ["Law Enforcement"],
        },
        "url": "https://gov.example.net/speeches/drug-trafficking",
    },
    "notes/no-source.md": {
        "headline": "INTERNAL NOTE WITHOUT SOURCE",
        "body": "An article with a headline and a body only.",
    },
}


def write_small_archive(folder: Path) -> Path:
    """Write `SMALL_ARCHIVE` under `folder` and return it."""
    for name, parts in SMALL_ARCHIVE.items():
        write_article(folder, name, **parts)
    return folder


@dataclass(frozen=True)
class BuiltIndex:
    """An index built from `SMALL_ARCHIVE`: where, from what, and the run's report."""

    index_dir: Path
    archive: Path
    report: IndexReport


@pytest.fixture
def built_index(tmp_path: Path) -> BuiltIndex:
    archive = write_small_archive(tmp_path / "archive")
    index_dir = tmp_path / "index"
    report = build([archive], index_dir)
    return BuiltIndex(index_dir, archive, report)


def index_in_segments(root: Path, *segments: Sequence[Article]) -> Any:
    """A Whoosh index at `root` with one never-merged segment per group of articles.

    Articles are indexed exactly as `build` indexes them; the segments let
    tests reach code that must read per segment.
    """
    ix = whoosh_index.create_in(str(root), build_schema())
    for articles in segments:
        writer = ix.writer()
        for article in articles:
            writer.add_document(**document_fields(article, article.path, "0:0"))
        writer.commit(merge=False)
    return ix


def word_terms(text: str) -> list[query.Term]:
    """The terms a query word `text` is searched as in each text field, as the query side
    analyses it."""
    schema = build_schema()
    return [
        query.Term(field, next(schema[field].process_text(text, mode="query")))
        for field in ("headline", "body", "quotes", "speaker")
    ]


def matcher_postings(m: Any) -> list[tuple[int, float]]:
    """(docnum, score) of each match of Whoosh matcher `m`, stepped through to its end."""
    out = []
    while m.is_active():
        out.append((m.id(), m.score()))
        m.next()
    return out


def sums_in_arrays(
    patch: pytest.MonkeyPatch, on: bool, spied: Sequence[tuple[Any, str]] = ()
) -> list[str]:
    """Make searches sum in arrays however few the postings (`on`), or always in lists;
    the names of `spied` ((module, function) pairs) are listed as the arrays' calls."""
    from pressearch.search import arrays

    calls: list[str] = []
    if not on:
        patch.setattr(arrays, "ARRAY_POSTINGS", 10**12)
        return calls
    patch.setattr(arrays, "ARRAY_POSTINGS", 1)
    patch.setattr(arrays, "IMPORT_POSTINGS", 0)
    for module, name in spied:
        real = getattr(module, name)

        def spy(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls.append(_name)
            return _real(*args)

        patch.setattr(module, name, spy)
    return calls
