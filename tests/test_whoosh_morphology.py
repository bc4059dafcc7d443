"""Whoosh's morphology modules: not imported by searching or indexing, imported when called."""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = ("whoosh.lang.morph_en", "whoosh.lang.porter", "whoosh.lang.dmetaphone")
# Binds out["files"]: whether each deferred module is the real one (it has a file).
REAL = f"out['files'] = [hasattr(sys.modules[m], '__file__') for m in {DEFERRED!r}]"


def _run(code: str) -> dict[str, object]:
    """What `code` (which binds `out`) leaves in `out`, run in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", f"import json, sys\nout = {{}}\n{code}\nprint(json.dumps(out))"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_searching_and_indexing_leave_the_modules_unread() -> None:
    out = _run(
        "import pressearch.search.engine, pressearch.index.writer, whoosh.query, whoosh.analysis\n"
        + REAL
    )
    assert out["files"] == [False, False, False]


def test_a_first_call_imports_the_module_and_answers_as_it_does() -> None:
    # The names Whoosh's modules bound at import, called as Whoosh calls them.
    out = _run(
        "import pressearch.search.engine\n"
        "import whoosh.query.terms as terms, whoosh.analysis.morph as morph\n"
        "out['variations'] = sorted(terms.variations('arrest'))\n"
        "out['stem'] = [morph.stem('running'), morph.stem('arrests')]\n"
        "out['metaphone'] = list(morph.double_metaphone('Smith'))\n" + REAL
    )
    real = _run(
        "import whoosh.lang.morph_en as m, whoosh.lang.porter as p, whoosh.lang.dmetaphone as d\n"
        "out['variations'] = sorted(m.variations('arrest'))\n"
        "out['stem'] = [p.stem('running'), p.stem('arrests')]\n"
        "out['metaphone'] = list(d.double_metaphone('Smith'))"
    )
    assert out["files"] == [True, True, True]
    assert out["variations"] == real["variations"]
    assert "arrests" in out["variations"]
    assert out["stem"] == real["stem"]
    assert out["stem"][1] == "arrest"
    assert out["metaphone"] == real["metaphone"]


def test_the_rest_of_a_module_comes_from_the_real_one() -> None:
    out = _run(
        "import pressearch.search.engine\n"
        "import whoosh.lang.morph_en as stand_in\n"
        "from whoosh.lang.porter import stem\n"
        "out['rules'] = len(stand_in.rules)\n"
        "out['stem'] = stem('arrests')\n" + REAL
    )
    real = _run("import whoosh.lang.morph_en as m\nout['rules'] = len(m.rules)")
    assert out["rules"] == real["rules"] > 0
    assert out["stem"] == "arrest"
    assert out["files"] == [True, True, False]


def test_a_process_that_imported_whoosh_first_keeps_the_real_modules() -> None:
    out = _run("import whoosh.query\nimport pressearch.search.engine\n" + REAL)
    assert out["files"] == [True, True, True]
