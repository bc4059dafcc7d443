"""pressearch: full-text search for press archives.

The public face of the library is `Archive` (open or create an index, then
index, search, get, similar, facets, stats, check, export) and the data shapes
it returns. The indexer lives in `pressearch.index`, the query layer in
`pressearch.search`, the command line in `pressearch.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressearch import whoosh_morphology

whoosh_morphology.defer()

if TYPE_CHECKING:
    from pressearch.archive import Archive
    from pressearch.errors import PressearchError, QueryError, UsageError
    from pressearch.models import (
        Article,
        FacetCount,
        Hit,
        IndexReport,
        SearchRequest,
        SearchResult,
    )

__all__ = [
    "Archive",
    "Article",
    "FacetCount",
    "Hit",
    "IndexReport",
    "PressearchError",
    "QueryError",
    "SearchRequest",
    "SearchResult",
    "UsageError",
]

# Where each public name lives; imported on first use, so that `pressearch
# --help` does not pay for the indexer and the query layer.
_HOMES = {
    "Archive": "pressearch.archive",
    "PressearchError": "pressearch.errors",
    "QueryError": "pressearch.errors",
    "UsageError": "pressearch.errors",
    **dict.fromkeys(
        ("Article", "FacetCount", "Hit", "IndexReport", "SearchRequest", "SearchResult"),
        "pressearch.models",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'pressearch' has no attribute {name!r}")


# A source checkout keeps the indexer and the query layer beside this folder
# (`index/`, `search/`), which setuptools maps into this namespace on install.
# Run from the checkout's top folder (`python -m`, `python -c`), Python finds
# this folder before the installed package: let it find those two there too.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "index" / "writer.py").is_file():
    __path__.append(str(_CHECKOUT))
