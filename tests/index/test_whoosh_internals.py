"""index.whoosh_internals: the one module that touches Whoosh's internals checks its version."""

from __future__ import annotations

import importlib.metadata

import pytest

from pressearch.errors import WhooshVersionError
from pressearch.index import whoosh_internals


def test_the_installed_whoosh_is_the_one_the_internals_were_written_for() -> None:
    assert importlib.metadata.version("whoosh3") == whoosh_internals.WHOOSH_VERSION


@pytest.mark.parametrize(("installed", "named"), [("3.55.0", "3.55.0"), (None, "no whoosh3")])
def test_another_whoosh_is_refused_naming_both_versions(
    monkeypatch: pytest.MonkeyPatch, installed: str | None, named: str
) -> None:
    def version(distribution: str) -> str:
        assert distribution == "whoosh3"
        if installed is None:
            raise importlib.metadata.PackageNotFoundError(distribution)
        return installed

    monkeypatch.setattr(importlib.metadata, "version", version)
    with pytest.raises(WhooshVersionError) as caught:
        whoosh_internals._check_version()
    assert str(caught.value) == (
        "pressearch needs whoosh3 3.54.0 exactly (it reads Whoosh's internals),"
        f" but {named} is installed — run `pip install whoosh3==3.54.0`"
    )
