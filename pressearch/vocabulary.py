"""The names a user types and the index holds: fields, weights, facets, aliases.

Model: one table for every place a name is read, so that a query's `field:`,
`--facet`, `--filter`, `facets NAME`, the JSON output and the web page all
accept and show the same names. A name is normalised once (`normalize_name`:
case, spaces and hyphens fold to lower_snake, then aliases apply); what is
left is either a query field (`QUERY_FIELDS`) or a facet name. Taxonomy labels
in articles (`TARGET GROUPS`) become facet names by `facet_name`.
"""

from __future__ import annotations

from collections.abc import Mapping

# Text fields searched by a bare query word, with their weights in scoring:
# a headline match counts most, then quotes, then the body.
TEXT_FIELDS: Mapping[str, float] = {
    "headline": 3.0,
    "quotes": 1.5,
    "body": 1.0,
    "speaker": 1.0,
    "role": 0.5,
}
DEFAULT_SEARCH_FIELDS = ("headline", "body", "quotes", "speaker")

DATE_FIELD = "date"
URL_FIELD = "url"
# Names a query may use for the text fields, url and date, in display order.
QUERY_FIELDS = ("headline", "body", "quote", "speaker", "role", URL_FIELD, DATE_FIELD)
# The user's name "quote" is the index field "quotes"; the others are equal.
_INDEX_FIELD: Mapping[str, str] = {"quote": "quotes"}
_USER_FIELD: Mapping[str, str] = {index: user for user, index in _INDEX_FIELD.items()}

# Facets every article may have besides its taxonomy labels.
BUILTIN_FACETS = ("year", "month", "type", "source")
STANDARD_FACETS = ("target_group", "crime_area", "entity", "organisation")
# Standard taxonomy labels of docs/FORMAT.md and the facet each one feeds. Any
# other label becomes a facet named after it in lower_snake case.
STANDARD_LABELS: Mapping[str, str] = {
    "CRIME AREAS": "crime_area",
    "TARGET GROUPS": "target_group",
    "ENTITIES": "entity",
    "ORGANISATIONS": "organisation",
}

# Short and alternative names users may type, wherever a field or facet is named.
ALIASES: Mapping[str, str] = {
    "title": "headline",
    "quotes": "quote",
    "org": "organisation",
    "target": "target_group",
    "crime": "crime_area",
}


def normalize_name(text: str) -> str:
    """The canonical spelling of a field or facet name a user typed.

    Case is ignored and spaces or hyphens count as underscores, so
    `Target Group`, `target-group` and `target` all give `target_group`.
    """
    key = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    return ALIASES.get(key, key)


def index_field(name: str) -> str:
    """The index field behind a query field name (`quote` → `quotes`)."""
    return _INDEX_FIELD.get(name, name)


def user_field(fieldname: str) -> str:
    """The query field name for an index text field (`quotes` → `quote`)."""
    return _USER_FIELD.get(fieldname, fieldname)


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


def display_name(name: str) -> str:
    """A facet or field name as a heading (`target_group` → `Target group`)."""
    return name.replace("_", " ").capitalize()
