"""The safety section: cross-checks name the key and the fix, the policy carries every rule
from the config to the hardware layer, and a partial block says which limits it changes."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.safety_config import (
    SafetyConfig,
    SoftLimitsConfig,
    check_safety,
    omitted_safety_problems,
)
from explorer.library import Rect
from hardware.safety import SoftFence

TRAVEL = ((0.0, 50.0), (0.0, 50.0))


def test_defaults_pass_the_cross_checks() -> None:
    assert check_safety(SafetyConfig(), TRAVEL, v_max=8.0, amplifier_v=10.0) == []


def test_each_cross_check_names_its_key_and_the_fix() -> None:
    safety = SafetyConfig(
        spot_offset_um=5.0,
        spot_pitch_um=3.0,
        soft_limits=SoftLimitsConfig(x_mm=(-1.0, 20.0), y_mm=(0.0, 60.0)),
        bias_limit_v=30.0,
    )
    problems = check_safety(safety, TRAVEL, v_max=40.0, amplifier_v=20.0)
    assert [p.split(":")[0] for p in problems] == [
        "safety.spot_pitch_um",
        "safety.soft_limits.x_mm",
        "safety.soft_limits.y_mm",
        "safety.bias_limit_v",
        "sspfm.v_max",
    ]
    assert "shrink the soft limits to the travel" in problems[1]
    assert "lower v_max or raise the limit" in problems[4]


def test_soft_limits_must_be_ordered_and_rules_bounded() -> None:
    with pytest.raises(pydantic.ValidationError, match="x_mm must be"):
        SoftLimitsConfig(x_mm=(5.0, 1.0), y_mm=(0.0, 1.0))
    with pytest.raises(pydantic.ValidationError):
        SafetyConfig(max_approach_attempts=3)


def test_policy_carries_every_rule_value() -> None:
    safety = SafetyConfig(max_step_mm=4.0, bias_limit_v=7.5, spot_pitch_um=4.0)
    fence = SoftFence(Rect((0.0, 10.0), (0.0, 5.0)))
    policy = safety.policy(TRAVEL, fence, settle_s=12.0)
    assert policy.max_step_mm == 4.0 and policy.bias_limit_v == 7.5
    assert policy.spot_pitch_um == 4.0 and policy.settle_s == 12.0
    assert policy.controller_limits_mm == TRAVEL and policy.fence is fence


def test_a_partial_block_names_each_limit_it_silently_changes() -> None:
    usual = SafetyConfig(bias_limit_v=12.0)
    assert omitted_safety_problems(None, usual) == []
    assert omitted_safety_problems(SafetyConfig(bias_limit_v=12.0), usual) == []
    partial = SafetyConfig.model_validate({"max_step_mm": 5.0})
    (problem,) = omitted_safety_problems(partial, usual)
    assert problem.startswith("safety.bias_limit_v: not given")
    assert "write bias_limit_v: 12.0" in problem
