"""index.whoosh_internals: the one package that touches Whoosh's internals checks its version."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
import whoosh

from pressearch.errors import WhooshVersionError
from pressearch.index import whoosh_internals


def test_the_installed_whoosh_is_the_one_the_internals_were_written_for() -> None:
    assert importlib.metadata.version("whoosh3") == whoosh_internals.WHOOSH_VERSION


@pytest.mark.parametrize(("installed", "named"), [("3.55.0", "3.55.0"), (None, "no whoosh3")])
def test_another_whoosh_is_refused_naming_both_versions(
    monkeypatch: pytest.MonkeyPatch, installed: str | None, named: str
) -> None:
    # The check reads the version the importable package states.
    if installed is None:
        monkeypatch.setitem(sys.modules, "whoosh", None)  # `import whoosh` fails
    else:
        monkeypatch.setattr(whoosh, "versionstring", lambda: installed)
    with pytest.raises(WhooshVersionError) as caught:
        whoosh_internals._check_version()
    assert str(caught.value) == (
        "pressearch needs whoosh3 3.54.0 exactly (it reads Whoosh's internals),"
        f" but {named} is installed — run `pip install whoosh3==3.54.0`"
    )


# Whoosh's modules whose contents are internals (codec, file layouts, byte
# encodings, writer and reader machinery).
PRIVATE_MODULES = (
    "whoosh.codec",
    "whoosh.filedb.compound",
    "whoosh.filedb.structfile",
    "whoosh.legacy",
    "whoosh.system",
    "whoosh.util.filelock",
    "whoosh.util.numeric",
    "whoosh.util.varints",
    "whoosh.writing",
)
# Private names that are not Whoosh's: a worker's hard exit, namedtuple's API.
NOT_WHOOSH = {("os", "_exit"), *((None, name) for name in ("_make", "_replace", "_asdict"))}


def private_uses(path: Path) -> list[str]:
    """Where `path` reaches into a private name or module other than its own."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and re.fullmatch(r"_[a-z]\w*", node.attr):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if owner in ("self", "cls") or {(owner, node.attr), (None, node.attr)} & NOT_WHOOSH:
                continue
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            names = [alias.name for alias in node.names]
            if node.module.startswith(PRIVATE_MODULES) or any(n.startswith("_") for n in names):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name}"
                for a in node.names
                if a.name.startswith(PRIVATE_MODULES)
            ]
    return found


def test_no_module_but_whoosh_internals_touches_whoosh_internals() -> None:
    repo = Path(__file__).resolve().parents[2]
    modules = [*repo.glob("index/**/*.py"), *repo.glob("search/**/*.py")]
    found = {
        str(path.relative_to(repo)): uses
        for path in sorted(modules)
        if "whoosh_internals" not in path.parts and (uses := private_uses(path))
    }
    assert found == {}


def test_the_facade_and_the_cli_never_import_whoosh() -> None:
    repo = Path(__file__).resolve().parents[2]
    for path in sorted(repo.glob("pressearch/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        ]
        assert not [name for name in imported if name.split(".")[0] == "whoosh"], path
