"""pressearch: full-text search for press archives.

The public face of the library is `Archive` (open or create an index, then
index, search, get, similar, facets, stats, check, export) and the data shapes
it returns. The indexer lives in `pressearch.index`, the query layer in
`pressearch.search`, the command line in `pressearch.cli`.
"""

from __future__ import annotations

from pathlib import Path

# A source checkout keeps the indexer and the query layer beside this folder
# (`index/`, `search/`), which setuptools maps into this namespace on install.
# Run from the checkout's top folder (`python -m`, `python -c`), Python finds
# this folder before the installed package: let it find those two there too.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "index" / "writer.py").is_file():
    __path__.append(str(_CHECKOUT))
