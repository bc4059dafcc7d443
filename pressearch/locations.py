"""Where pressearch keeps things: the default index directory and the sample archive.

Model: the index lives in `$PRESSEARCH_INDEX` when set, else in the user
data directory that platformdirs picks (`$XDG_DATA_HOME/pressearch/index` on
Linux). The sample archive is installed as `pressearch/sample_docs` (mapped
from the repository's top-level `sample_docs/`); a source checkout or an
editable install has it next to the `pressearch/` folder instead. Kept apart
from the indexer so that read-only commands find the index without importing it.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_index_dir() -> Path:
    """The index directory used when no `--index` is given."""
    configured = os.environ.get("PRESSEARCH_INDEX")
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only needed when the variable is unset

    return Path(platformdirs.user_data_dir("pressearch", appauthor=False)) / "index"


def sample_archive_dir() -> Path:
    """The bundled sample archive: inside the installed package, else in the checkout."""
    bundled = _PACKAGE_DIR / "sample_docs"
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / "sample_docs"
