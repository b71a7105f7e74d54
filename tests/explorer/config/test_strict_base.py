"""The strict base model and the ordered-range helper shared by every config model."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.strict_base import Name, PositiveFloat, Strict, ordered


class _Model(Strict):
    name: Name
    step_mm: PositiveFloat


def test_unknown_keys_nan_and_mutation_are_errors() -> None:
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        _Model(name="a", step_mm=1.0, stepp_mm=2.0)  # type: ignore[call-arg]
    with pytest.raises(pydantic.ValidationError, match="finite number"):
        _Model(name="a", step_mm=float("nan"))
    m = _Model(name="a", step_mm=1.0)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        m.step_mm = 2.0  # type: ignore[misc]


def test_names_start_with_a_letter() -> None:
    assert _Model(name="run-1.b_c", step_mm=0.5).name == "run-1.b_c"
    with pytest.raises(pydantic.ValidationError, match="pattern"):
        _Model(name="1run", step_mm=0.5)


def test_ordered_ranges_name_what_is_wrong() -> None:
    assert ordered((0.0, 1.0), "x_mm") == (0.0, 1.0)
    with pytest.raises(
        ValueError, match=r"x_mm must be \[low, high\] with low < high, got \[2.0, 2.0\]"
    ):
        ordered((2.0, 2.0), "x_mm")
