"""Option values turned into Python values without Pydantic, as Typer would turn them.

Model: Typer 0.29 checks every parameter's value with a Pydantic
`TypeAdapter`, so any command paid for importing Pydantic and building one
adapter per parameter: ~60 ms of a one-off query that takes ~150 in all,
more than opening the index and searching it. The parameters pressearch
declares have a few plain types (text, whole and decimal numbers with
bounds, choices, paths, lists of text, flags); `QuickValue` turns the usual
values of those types into exactly what Typer's adapter returns, and hands
anything else, and any value it would refuse, to that adapter (built only
then), so that every message about a bad value is Typer's own. `quicken`
installs it on a command's parameters; a Typer without the internals it
relies on is left to its own coercion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from typer._click import Context
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path, routes_to_path
from typer.core import _TyperParameter

# Numbers written the one way whose value Python and Pydantic read alike.
_WHOLE = re.compile(r"[0-9]{1,18}")
_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")


class _Refer(Exception):
    """The value is not one `QuickValue` turns: Typer's adapter decides."""


@dataclass(frozen=True)
class QuickValue(RuntimeParam):
    """One parameter's coercion: the common values here, the rest by Typer's adapter."""

    descriptor: TypeDescriptor
    _full: list[RuntimeParam] = field(default_factory=list, repr=False, compare=False)

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        try:
            return self._quick(value, param, ctx)
        except Exception:
            # Including the refusals of the checks reused below: the message is the adapter's.
            pass
        if not self._full:
            self._full.append(build_runtime_param(self.descriptor))
        return self._full[0]._coerce_value(value, param=param, ctx=ctx)

    def _quick(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        info = self.parameter_info
        annotation = self.annotation
        if info.parser is not None or self.descriptor.file_annotation is not None:
            raise _Refer
        if annotation == list[str] and isinstance(value, (list, tuple)):
            if all(type(item) is str for item in value):
                return list(value)
            raise _Refer
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            return coerce_cli_choice(
                value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        if annotation is int or annotation is float:
            return self._number(value)
        if annotation is str or annotation is bool:
            # A flag's bool never gets here (Typer skips it); text is text.
            if annotation is str and type(value) is str:
                return value
            raise _Refer
        if routes_to_path(annotation, info):
            return self._path(value, param, ctx)
        raise _Refer

    def _number(self, value: Any) -> int | float:
        info = self.parameter_info
        if info.clamp:
            raise _Refer
        number: int | float
        if type(value) is self.annotation:
            number = value
        elif type(value) is str and (_WHOLE if self.annotation is int else _DECIMAL).fullmatch(
            value
        ):
            number = self.annotation(value)
        else:
            raise _Refer
        if (info.min is not None and number < info.min) or (
            info.max is not None and number > info.max
        ):
            raise _Refer
        return number

    def _path(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        info = self.parameter_info
        # A `Path` parameter, said so by its annotation alone: Typer's path type is then Path.
        if info.path_type is not None or self.annotation is not Path or type(value) is not str:
            raise _Refer
        path_type = Path
        # What Pydantic makes of text for a Path, then Typer's own checks.
        return coerce_cli_path(Path(value), info, path_type=path_type, param=param, ctx=ctx)


def quicken(params: list[Any]) -> None:
    """Give each Typer parameter of `params` a `QuickValue`, when this Typer allows it."""
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if (
            isinstance(param, _TyperParameter)
            and isinstance(descriptor, TypeDescriptor)
            and getattr(param, "_runtime_param", False) is None
        ):
            param._runtime_param = QuickValue(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
