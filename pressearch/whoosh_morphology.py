"""Whoosh's English morphology modules, imported when one of their functions is first called.

Model: importing `whoosh.query` imports `whoosh.lang.morph_en` (for the
`Variations` query) and `whoosh.analysis` imports `whoosh.lang.porter` and
`whoosh.lang.dmetaphone` (for its stemming and metaphone filters). pressearch
uses none of them (it stems with PyStemmer), yet their module bodies, which
compile hundreds of regular expressions, cost ~10.6 ms of every process that
searches or indexes (measured: 7.5, 2.2 and 0.9 ms), a one-off query's
included. `defer()` imports their package, `whoosh.lang` (0.6 ms), and puts
a stand-in for each in `sys.modules` and in the package before the rest of
Whoosh is imported; Whoosh takes the stand-in's function by name (`from …
import variations`), and its first call imports the real module in place
of the stand-in and hands the call on; anything else asked of a stand-in
(not a dunder name) comes from the real module the same way. Nothing
changes for code that uses them, and a process that imported Whoosh first
keeps the real modules.
"""

from __future__ import annotations

import _thread
import importlib
import sys
import types
from collections.abc import Callable
from functools import partial
from typing import Any

# Module → the functions other Whoosh modules import from it by name.
_DEFERRED = {
    "whoosh.lang.morph_en": ("variations",),
    "whoosh.lang.porter": ("stem",),
    "whoosh.lang.dmetaphone": ("double_metaphone",),
}
# One first call imports at a time: without it, a second thread could take the
# stand-in out of `sys.modules` while the first imports the real module, or be
# handed the real module before its body has run. (`_thread`: built in and
# always loaded, where `threading` would cost ~4 ms.)
_IMPORTING = _thread.RLock()
_STAND_INS: dict[str, types.ModuleType] = {}
# The real modules once imported whole: later calls take them without the lock.
_REAL: dict[str, types.ModuleType] = {}


def defer() -> None:
    """Stand in for each deferred module not imported yet (none once Whoosh is imported)."""
    if "whoosh.query" in sys.modules or "whoosh.analysis" in sys.modules:
        return
    try:
        # The modules' package (0.6 ms), so that `import whoosh.lang.porter` finds them in it.
        parent = importlib.import_module("whoosh.lang")
    except ImportError:
        return  # no Whoosh: nothing to defer (it is reported where it is used)
    for name, functions in _DEFERRED.items():
        if name not in sys.modules:
            stand_in = types.ModuleType(name, f"{name}, imported when first used")
            for function in functions:
                setattr(stand_in, function, _forwarder(name, function))
            # Anything else asked of it (PEP 562) comes from the real module.
            setattr(stand_in, "__getattr__", partial(_attribute, name))  # noqa: B010
            sys.modules[name] = _STAND_INS[name] = stand_in
            setattr(parent, name.rpartition(".")[2], stand_in)


def _forwarder(module: str, function: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(module), function)(*args, **kwargs)

    call.__name__ = call.__qualname__ = function
    return call


def _attribute(module: str, attribute: str) -> Any:
    # Not for dunder names: tools look for `__file__` and the like on every module.
    if attribute.startswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {attribute!r}")
    return getattr(_real(module), attribute)


def _real(name: str) -> types.ModuleType:
    """Module `name` itself, imported now in place of its stand-in if that is still there."""
    real = _REAL.get(name)
    if real is not None:
        return real
    with _IMPORTING:
        current = sys.modules.get(name)
        if current is not None and current is not _STAND_INS.get(name):
            real = current
        else:
            sys.modules.pop(name, None)
            try:
                real = importlib.import_module(name)
            except BaseException:
                if current is not None:
                    sys.modules[name] = current
                raise
        _REAL[name] = real
        return real
