"""Whoosh's English morphology modules, imported when one of their functions is first called.

Model: importing `whoosh.query` imports `whoosh.lang.morph_en` (for the
`Variations` query) and `whoosh.analysis` imports `whoosh.lang.porter` and
`whoosh.lang.dmetaphone` (for its stemming and metaphone filters). pressearch
uses none of them (it stems with PyStemmer), yet their module bodies, which
compile hundreds of regular expressions, cost ~10.6 ms of every process that
searches or indexes (measured: 7.5, 2.2 and 0.9 ms), a one-off query's
included. `defer()` puts a stand-in for each in `sys.modules` before Whoosh
is imported; Whoosh takes the stand-in's function by name (`from … import
variations`), and its first call imports the real module in place of the
stand-in and hands the call on. Nothing changes for code that calls them,
and a process that imported Whoosh first keeps the real modules.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

# Module → the functions other Whoosh modules import from it by name.
_DEFERRED = {
    "whoosh.lang.morph_en": ("variations",),
    "whoosh.lang.porter": ("stem",),
    "whoosh.lang.dmetaphone": ("double_metaphone",),
}


def defer() -> None:
    """Stand in for each deferred module not imported yet (none once Whoosh is imported)."""
    if "whoosh.query" in sys.modules or "whoosh.analysis" in sys.modules:
        return
    for name, functions in _DEFERRED.items():
        if name not in sys.modules:
            stand_in = types.ModuleType(name, f"{name}, imported when first used")
            for function in functions:
                setattr(stand_in, function, _forwarder(name, function))
            sys.modules[name] = stand_in


def _forwarder(module: str, function: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(module), function)(*args, **kwargs)

    call.__name__ = call.__qualname__ = function
    return call


def _real(name: str) -> types.ModuleType:
    """Module `name` itself, imported now in place of its stand-in if that is still there."""
    current = sys.modules.get(name)
    if current is not None and getattr(current, "__file__", None) is not None:
        return current
    sys.modules.pop(name, None)
    try:
        return importlib.import_module(name)
    except BaseException:
        if current is not None:
            sys.modules[name] = current
        raise
