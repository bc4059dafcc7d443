"""The `Article` record: the one shape every reader produces and every consumer reads.

An article is immutable. Its JSON form (`to_dict` / `from_dict`) is the public
contract of `pressearch show --json` and of the JSON Lines input format, so the
two stay the same by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Standard taxonomy labels of FORMAT.md and the facet each one feeds. Any other
# label becomes a facet named after it in lower_snake case (see `facet_name`).
STANDARD_LABELS: Mapping[str, str] = {
    "CRIME AREAS": "crime_area",
    "TARGET GROUPS": "target_group",
    "ENTITIES": "entity",
    "ORGANISATIONS": "organisation",
}


def facet_name(label: str) -> str:
    """Map a taxonomy label (`TARGET GROUPS`, `REGIONS`) to its facet name."""
    key = " ".join(label.split()).upper()
    if key in STANDARD_LABELS:
        return STANDARD_LABELS[key]
    out = []
    for ch in key.lower():
        out.append(ch if ch.isalnum() else "_")
    name = "_".join(part for part in "".join(out).split("_") if part)
    return name or "label"


@dataclass(frozen=True)
class Speaker:
    """A person on a speaker card: name and role line (role may be empty)."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class Quote:
    """A quote block's text and the person it is attributed to, when known."""

    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Article:
    """One newsroom article.

    `id` is stable: derived from the source URL when there is one, else the
    file path relative to the indexed root. `path` is the file it came from.
    `taxonomy` maps facet names (`crime_area`, `regions`, ...) to values in the
    order and spelling the article gives them.
    """

    id: str
    path: str
    headline: str
    body: str
    url: str | None = None
    source: str | None = None
    date: dt.date | None = None
    type: str | None = None
    speakers: tuple[Speaker, ...] = ()
    quotes: tuple[Quote, ...] = ()
    taxonomy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `show --json` (key order included)."""
        return {
            "id": self.id,
            "path": self.path,
            "url": self.url,
            "source": self.source,
            "headline": self.headline,
            "date": self.date.isoformat() if self.date else None,
            "type": self.type,
            "speakers": [{"name": s.name, "role": s.role} for s in self.speakers],
            "body": self.body,
            "quotes": [{"text": q.text, "speaker": q.speaker} for q in self.quotes],
            "taxonomy": {name: list(values) for name, values in self.taxonomy.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        """Rebuild an article from `to_dict` output (trusted: our own records)."""
        date = data.get("date")
        return cls(
            id=data["id"],
            path=data["path"],
            url=data.get("url"),
            source=data.get("source"),
            headline=data.get("headline") or "",
            date=dt.date.fromisoformat(date) if date else None,
            type=data.get("type"),
            speakers=tuple(
                Speaker(s["name"], s.get("role") or "") for s in data.get("speakers") or ()
            ),
            body=data.get("body") or "",
            quotes=tuple(Quote(q["text"], q.get("speaker")) for q in data.get("quotes") or ()),
            taxonomy={k: tuple(v) for k, v in (data.get("taxonomy") or {}).items()},
        )

    def facets(self) -> dict[str, tuple[str, ...]]:
        """Every facet value of this article: taxonomy plus year, month, type, source."""
        out: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in self.taxonomy.items() if v}
        if self.date:
            out["year"] = (f"{self.date.year:04d}",)
            out["month"] = (f"{self.date.year:04d}-{self.date.month:02d}",)
        if self.type:
            out["type"] = (self.type,)
        if self.source:
            out["source"] = (self.source,)
        return out
