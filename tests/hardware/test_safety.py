"""Every §6.5 safety rule: try to break it, expect a refusal with a clear message, the refusal
in the journal, the instrument in FAULT and the hardware safe (bias 0 V, retracted)."""

from __future__ import annotations

import pytest

from hardware.errors import (
    SafetyError,
)
from hardware.instrument import State
from hardware.protocols import ProbeState, SSParams
from tests.hardware.simkit import assert_refused, commands, make_sim, refusals

TIMEOUT = 600.0


def test_z_interlock_refuses_a_move_while_engaged() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.probe.retract = lambda **kw: None  # a broken Z motor: the tip stays in contact
    with pytest.raises(SafetyError) as exc:
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    assert "retracted" in str(exc.value)
    assert [r["rule"] for r in refusals(inst)] == ["z_interlock"]
    assert not commands(inst, "move_to")[1:]  # the second move was never sent
    assert inst.state is State.FAULT


def test_z_interlock_refuses_piezo_only_clearance() -> None:
    inst = make_sim(policy={"min_clearance_um": 50.0})
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    probe = inst.probe

    def piezo_retract(*, clearance_um: float, timeout_s: float) -> None:
        probe.state, probe.clearance_um = ProbeState.RETRACTED, 5.0

    probe.retract = piezo_retract
    with pytest.raises(SafetyError, match="≥ 72 µm") as exc:
        inst.measure_at(4, 7.0, 1.0, timeout_s=TIMEOUT)  # 6 mm: 52 + 20 µm needed
    assert [r["rule"] for r in refusals(inst)] == ["z_interlock"]
    assert exc.value.args


def test_z_interlock_refuses_a_move_with_bias_on() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    probe = inst.probe
    probe.bias_v = 3.0
    probe.set_bias = lambda volts, **kw: None  # the amplifier ignores the 0 V command
    with pytest.raises(SafetyError, match="bias 3 V"):
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    assert [r["rule"] for r in refusals(inst)] == ["z_interlock"]


@pytest.mark.parametrize(
    ("xy", "rule", "words"),
    [
        ((6.0, 1.0), "soft_fence", "keep-out"),
        ((8.5, 1.0), "soft_fence", "outside the library outline"),
    ],
)
def test_soft_fence_refuses_targets_outside_the_library(xy, rule, words) -> None:
    inst = make_sim()
    with pytest.raises(SafetyError, match=words) as exc:
        inst.measure_at(99, *xy, timeout_s=TIMEOUT)
    assert_refused(inst, rule, exc)
    assert not commands(inst, "move_to")


def test_controller_fence_refuses_beyond_axis_limits() -> None:
    from hardware.safety import SoftFence

    inst = make_sim()
    object.__setattr__(inst.policy, "fence", SoftFence())  # software fence off: second fence
    with pytest.raises(SafetyError, match="controller limits") as exc:
        inst.measure_at(99, 9.5, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "controller_fence", exc)


def test_max_step_refuses_long_moves() -> None:
    inst = make_sim(policy={"max_step_mm": 3.0})
    inst.measure_at(1, 1.0, 1.0, timeout_s=TIMEOUT)
    with pytest.raises(SafetyError, match=r"exceeds max_step_mm = 3\.0") as exc:
        inst.measure_at(2, 7.5, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "max_step", exc)


def test_bias_limit_refuses_the_recipe_before_anything_moves() -> None:
    inst = make_sim(policy={"bias_limit_v": 10.0}, recipe=SSParams(v_max=12.0))
    with pytest.raises(SafetyError, match=r"\|12\| V exceeds the bias limit 10 V") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "bias_limit", exc)
    assert not commands(inst, "home") and not commands(inst, "move_to")


def test_bias_limit_follows_the_amplifier() -> None:
    inst = make_sim(policy={"bias_limit_v": 50.0}, recipe=SSParams(v_max=20.0), bias_limit_v=10.0)
    with pytest.raises(SafetyError, match="hardware 10 V"):
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
