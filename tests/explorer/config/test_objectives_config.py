"""Objective, outcome and constraint configs: known metrics only (unless scalar or a function),
`from:` maps to the source, directions and bounds reach the built values."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.objectives_config import ConstraintConfig, ObjectiveConfig, OutcomeConfig


def test_an_objective_builds_with_its_source_direction_and_field() -> None:
    cfg = ObjectiveConfig.model_validate(
        {"name": "area", "from": "sspfm", "metric": "loop_area", "direction": "minimize"}
    )
    obj = cfg.build()
    assert (obj.name, obj.source, obj.metric, obj.direction) == (
        "area",
        "sspfm",
        "loop_area",
        "minimize",
    )
    assert obj.loop_field == "off"


def test_an_unknown_metric_lists_the_known_ones_and_the_ways_out() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        ObjectiveConfig.model_validate({"name": "a", "from": "sspfm", "metric": "loop_aera"})
    msg = str(info.value)
    assert "unknown metric 'loop_aera'" in msg and "loop_area" in msg and "`function:`" in msg


def test_scalars_and_functions_take_any_metric_name() -> None:
    scalar = ObjectiveConfig.model_validate({"name": "h", "from": "scalar", "metric": "height"})
    assert scalar.build().source == "scalar"
    fn = OutcomeConfig.model_validate(
        {"name": "f", "from": "sspfm", "metric": "custom", "function": "pkg.mod:f"}
    )
    assert fn.build().function == "pkg.mod:f"


def test_constraints_need_a_bound_in_order() -> None:
    built = ConstraintConfig(name="coercive", max=3.0).build()
    assert (built.name, built.min_value, built.max_value) == ("coercive", None, 3.0)
    with pytest.raises(pydantic.ValidationError, match="needs `min:`, `max:` or both"):
        ConstraintConfig(name="coercive")
    with pytest.raises(pydantic.ValidationError, match=r"min 3\.0 must be < max 1\.0"):
        ConstraintConfig(name="coercive", min=3.0, max=1.0)
