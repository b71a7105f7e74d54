"""The first move of a session from home, planned in legs of at most max_step_mm, and the
facade driving it: every leg checked and verified, the plan journaled, later moves unsplit."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hardware.errors import SafetyError
from hardware.instrument import State
from hardware.move_plan import HOME_XY_MM, outside_limits, plan_legs
from tests.hardware.simkit import commands, make_sim, refusals

TIMEOUT = 900.0


def test_legs_are_equal_no_longer_than_the_step_and_end_exactly_at_the_target() -> None:
    legs = plan_legs((0.0, 0.0), (26.0, 25.4125), 15.0)
    assert len(legs) == 3 and legs[-1] == (26.0, 25.4125)
    starts = [(0.0, 0.0), *legs[:-1]]
    steps = [math.dist(a, b) for a, b in zip(starts, legs, strict=True)]
    assert max(steps) <= 15.0 and steps == pytest.approx([steps[0]] * 3)


def test_a_short_move_is_one_leg() -> None:
    assert plan_legs((1.0, 1.0), (2.0, 1.0), 15.0) == ((2.0, 1.0),)
    assert plan_legs((0.0, 0.0), (15.0, 0.0), 15.0) == ((15.0, 0.0),)  # exactly the limit


def test_outside_limits() -> None:
    limits = ((0.0, 10.0), (0.0, 5.0))
    assert not outside_limits((10.0, 5.0), limits)
    assert outside_limits((10.1, 1.0), limits) and outside_limits((1.0, -0.1), limits)


def test_first_move_from_home_is_driven_in_verified_legs() -> None:
    inst = make_sim(policy={"max_step_mm": 3.0})
    inst.measure_at(5, 7.5, 1.0, timeout_s=TIMEOUT)  # 7.57 mm from home: three legs
    plans = [r for r in inst.journal.records if r["kind"] == "plan"]
    assert len(plans) == 1 and plans[0]["from_xy_mm"] == list(HOME_XY_MM)
    assert plans[0]["legs_mm"][-1] == [7.5, 1.0] and len(plans[0]["legs_mm"]) == 3
    moves = [tuple(r["args"]) for r in commands(inst, "move_to")]
    assert moves == [tuple(leg) for leg in plans[0]["legs_mm"]]
    rules = [r["rule"] for r in inst.journal.records if r["kind"] == "safety"]
    assert rules.count("max_step") == 3 and rules.count("readback") == 3
    assert rules.count("soft_fence") == 1  # only the landing point must lie in the library
    interlock = next(r for r in inst.journal.records if r.get("rule") == "z_interlock")
    assert interlock["required_um"] == pytest.approx(
        inst.policy.required_clearance_um(math.dist(HOME_XY_MM, (7.5, 1.0)))
    )  # the clearance covers the tilt over the whole path, not one leg
    assert not refusals(inst) and inst.state is State.ENGAGED


def test_later_moves_are_never_split() -> None:
    inst = make_sim(policy={"max_step_mm": 3.0})
    inst.measure_at(5, 7.5, 1.0, timeout_s=TIMEOUT)
    with pytest.raises(SafetyError, match=r"exceeds max_step_mm = 3\.0"):
        inst.measure_at(1, 1.0, 1.0, timeout_s=TIMEOUT)
    assert len([r for r in inst.journal.records if r["kind"] == "plan"]) == 1
    assert inst.state is State.FAULT


def test_a_leg_outside_the_controller_limits_is_refused_before_any_move() -> None:
    inst = make_sim(policy={"max_step_mm": 3.0})
    inst.policy = inst.gate.policy = dataclasses.replace(
        inst.policy, controller_limits_mm=((4.0, 9.0), (0.0, 3.0))
    )  # home (0, 0) lies outside: the first leg would leave the controller limits
    with pytest.raises(SafetyError, match="outside the controller limits"):
        inst.measure_at(5, 7.5, 1.0, timeout_s=TIMEOUT)
    assert not commands(inst, "move_to")
    assert [r["rule"] for r in refusals(inst)] == ["controller_fence"]
