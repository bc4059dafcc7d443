"""What `pip install .` puts on a machine: one `pressearch` namespace, nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest


def _editable() -> bool:
    files = metadata.files("pressearch") or []
    return any("__editable__" in str(f) for f in files)


def test_ci_imports_the_installed_package() -> None:
    if not os.environ.get("PRESSEARCH_TEST_INSTALLED"):
        pytest.skip("set by .ci/run, which installs the project (not editable)")
    purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
    for module in ("pressearch", "pressearch.index.writer", "pressearch.search.engine"):
        __import__(module)
        assert Path(sys.modules[module].__file__ or "").resolve().is_relative_to(purelib)


def test_only_the_pressearch_namespace_is_installed() -> None:
    if _editable():
        pytest.skip("an editable install records a path hook, not the package's files")
    files = metadata.files("pressearch") or []
    top = {f.parts[0] for f in files if f.parts[0] != ".."}  # `..` is the bin/ script
    assert top == {"pressearch", f"pressearch-{metadata.version('pressearch')}.dist-info"}
    shipped = {str(f) for f in files}
    assert "pressearch/py.typed" in shipped
    assert any(s.startswith("pressearch/sample_docs/2020/") for s in shipped)


def test_generic_names_stay_free(tmp_path: Path) -> None:
    # An `index.py` and a `search.py` in the working folder shadow nothing.
    (tmp_path / "index.py").write_text("raise SystemExit('shadowed index')\n")
    (tmp_path / "search.py").write_text("raise SystemExit('shadowed search')\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pressearch, pressearch.index.writer, pressearch.search.engine, sys;"
            "print(pressearch.Archive.__name__, 'index' in sys.modules, 'search' in sys.modules)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "Archive False False\n", "")
