"""Decoded event-log fields are checked against the event dataclass: finite numbers, exact
ints and bools, null only inside containers, and one message naming the field and the type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pytest

from explorer.engine.event_fields import conforms, field_problem, field_types


@dataclass(frozen=True)
class _Ev:
    kind: ClassVar[str] = "ev"
    location_id: int
    x_mm: float
    label: str
    ok: bool
    mode: Literal["a", "b"]
    values: dict[str, float]
    ids: list[int]
    note: str | None = None
    extra: Any = None


GOOD = {
    "location_id": 3,
    "x_mm": 1.5,
    "label": "p",
    "ok": True,
    "mode": "a",
    "values": {"h": 2.0, "nan": None},
    "ids": [1, 2],
    "note": None,
    "extra": {"anything": [1, "x"]},
}


def test_a_line_emit_would_write_passes() -> None:
    assert field_problem(_Ev, GOOD) is None
    assert "kind" not in field_types(_Ev)  # ClassVars are not fields


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("x_mm", "abc", "field 'x_mm' is 'abc', expected a finite number"),
        ("x_mm", None, "field 'x_mm' is None, expected a finite number"),
        ("location_id", [1], "field 'location_id' is [1], expected an integer"),
        ("location_id", True, "field 'location_id' is True, expected an integer"),
        ("ok", 1, "field 'ok' is 1, expected true/false"),
        ("label", 7, "field 'label' is 7, expected a string"),
    ],
)
def test_a_bad_field_is_named_with_its_value_and_type(field, value, expected) -> None:
    assert field_problem(_Ev, {**GOOD, field: value}) == expected


def test_long_values_are_shortened_in_the_message() -> None:
    msg = field_problem(_Ev, {**GOOD, "label": list(range(100))})
    assert msg is not None and "..." in msg and len(msg) < 100


def test_numbers_must_be_finite_and_null_only_inside_containers() -> None:
    assert not conforms(float("nan"), float)
    assert not conforms(float("inf"), float)
    assert conforms(2, float)  # JSON integers are valid floats
    assert conforms(None, float, nested=True)
    assert not conforms({"h": "x"}, dict[str, float])
    assert not conforms({1: 2.0}, dict[str, float])
    assert not conforms([1, 2.5], list[int])
    assert conforms([None, 1.0], list[float])


def test_literals_unions_and_unknown_annotations() -> None:
    assert conforms("b", Literal["a", "b"]) and not conforms("c", Literal["a", "b"])
    assert conforms(None, str | None) and conforms("x", str | None)
    assert not conforms(3, str | None)
    assert conforms(object(), tuple[int, ...])  # unknown to the checker: accepted
