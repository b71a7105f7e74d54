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


def test_zaber_driver_drives_the_first_move_in_legs(tmp_path) -> None:
    """The real Zaber ASCII driver over the emulator: a library 30 mm from home, max_step_mm
    12 mm: validate passes, the first move is three `move abs` pairs, later moves are single."""
    import json

    import yaml

    from explorer.cli import main
    from tests.conftest import CAMPAIGNS

    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["library"].update(x_mm=[20.0, 24.0], y_mm=[20.0, 21.0], shape=[9, 3])
    cfg["instrument"]["stage"]["port"] = "emu://zaber?name=legs&microstep_um=0.1&travel_mm=50"
    cfg["instrument"]["safety"] = {
        "soft_limits": {"x_mm": [0.0, 30.0], "y_mm": [0.0, 30.0]},
        "bias_limit_v": 10.0,
        "max_step_mm": 12.0,
    }
    cfg["strategy"] = {"kind": "grid"}
    cfg["stop"] = {"max_points": 2}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    path = tmp_path / "legs.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "-q"]) == 0
    records = [
        json.loads(line)
        for line in next((tmp_path / "runs").glob("*/journal.jsonl")).read_text().splitlines()
    ]
    (plan,) = [r for r in records if r["kind"] == "plan"]
    assert len(plan["legs_mm"]) == 3 and plan["legs_mm"][-1] == [20.0, 20.0]
    moves = [r for r in records if r["kind"] == "command" and r["command"] == "move_to"]
    assert [m["args"] for m in moves[:3]] == plan["legs_mm"] and len(moves) == 4
    sent = [r for r in records if r["kind"] == "io" and "move abs" in str(r)]
    assert len(sent) >= 8  # two axes per leg and per later move, on the wire
