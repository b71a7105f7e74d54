"""Checking the fields of a decoded event-log line against its event dataclass.

`json.loads` gives dicts, lists, strings and numbers whatever the line says; without this check
a hand-edited or damaged log (`"x_mm": "abc"`, `"location_id": [1]`, `NaN` literals) would
construct an event that fails somewhere deep inside resume or plotting. The rules follow what
`EventLog.emit` writes: numbers are finite (`allow_nan=False`), and non-finite floats inside
containers were written as `null` (`to_jsonable`), so `null` is accepted there and only there.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from typing import Any, ClassVar, Literal, Union, get_args, get_origin


@functools.cache
def field_types(cls: type) -> dict[str, Any]:
    """Resolved annotations of an event dataclass, without its ClassVars."""
    try:
        hints = typing.get_type_hints(cls)
    except NameError:  # an annotation only importable for type checkers: do not check
        return {}
    return {k: v for k, v in hints.items() if get_origin(v) is not ClassVar}


def conforms(value: Any, tp: Any, *, nested: bool = False) -> bool:
    """Whether a decoded JSON value fits the annotation `tp`."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(conforms(value, a, nested=nested) for a in args)
    if tp is type(None):
        return value is None
    if origin is Literal:
        return value in args
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        if value is None:
            return nested  # a non-finite value inside a container is written as null
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0], nested=True) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and conforms(v, args[1], nested=True) for k, v in value.items()
        )
    return True  # an annotation this checker does not know: accept


def field_problem(cls: type, values: dict[str, Any]) -> str | None:
    """The first field whose value does not fit its annotation, as a message; else None."""
    types_ = field_types(cls)
    for name, value in values.items():
        tp = types_.get(name)
        if tp is not None and not conforms(value, tp):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            return f"field {name!r} is {shown}, expected {_describe(tp)}"
    return None


_NAMES = {int: "an integer", float: "a finite number", str: "a string", bool: "true/false"}


def _describe(tp: Any) -> str:
    return _NAMES.get(tp) or str(tp).replace("typing.", "")
