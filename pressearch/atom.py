"""An Atom feed (RFC 4287) of search hits, so any feed reader can follow a saved search.

Model: one `<feed>` with an id, a title and the time it was made, and one
`<entry>` per hit: its headline, its address (an entry without one gets a
`urn:` from its article id), its date (else the feed's time), its source as
author and its snippets as the summary. Built with ElementTree, which
escapes every piece of text; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from pressearch.models import Hit

ATOM_NS = "http://www.w3.org/2005/Atom"
# What XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINKABLE = re.compile(r"https?://\S+", re.IGNORECASE)


def atom_feed(*, feed_id: str, title: str, hits: Sequence[Hit], updated: dt.datetime) -> str:
    """The feed as an XML document (a str, declaration included)."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", _stamp(updated))
    _add(feed, "generator", "pressearch")
    for hit in hits:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _add(
            entry,
            "id",
            hit.url
            if hit.url and _LINKABLE.fullmatch(hit.url)
            else f"urn:pressearch:article:{hit.id}",
        )
        _add(entry, "title", hit.headline or hit.id)
        when = dt.datetime.combine(hit.date, dt.time(), dt.timezone.utc) if hit.date else updated
        _add(entry, "updated", _stamp(when))
        if hit.url and _LINKABLE.fullmatch(hit.url):
            ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": _xml(hit.url)})
        if hit.source:
            author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
            _add(author, "name", hit.source)
        summary = " … ".join(s.text for s in hit.snippets)
        if summary:
            _add(entry, "summary", summary)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _add(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}").text = _xml(text)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )
