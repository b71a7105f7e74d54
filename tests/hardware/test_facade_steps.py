"""The measurement steps under the facade: homing only when referenced and retracted, read-back
retries, approach and tip faults, resonance jumps, fresh spots and tip health."""

from __future__ import annotations

import dataclasses

import pytest

from hardware.errors import (
    ApproachError,
    SafetyError,
)
from hardware.instrument import State
from hardware.protocols import ProbeState, Resonance
from hardware.sim import SimFaultPlan
from tests.hardware.simkit import assert_refused, commands, make_sim, refusals

TIMEOUT = 600.0


def test_referenced_refuses_moves_after_a_power_cycle() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.stage.referenced = False  # controller lost its reference
    with pytest.raises(SafetyError) as exc:
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "referenced", exc)
    assert "power-cycled or never homed" in str(exc.value)


def test_homing_refused_unless_fully_retracted() -> None:
    inst = make_sim(policy={"home_clearance_um": 500.0})
    probe = inst.probe
    probe.clearance_um = 0.0

    def short_retract(*, clearance_um: float, timeout_s: float) -> None:
        probe.state, probe.clearance_um = ProbeState.RETRACTED, 100.0

    probe.retract = short_retract
    with pytest.raises(SafetyError) as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "homing_retracted", exc)
    assert not commands(inst, "home")


def test_readback_retries_once_then_faults() -> None:
    inst = make_sim()
    inst.stage.repeatability_um = 200.0  # a slipping stage
    with pytest.raises(SafetyError, match="after 2 attempts") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "readback", exc)
    assert len(commands(inst, "move_to")) == 2


def test_two_failed_approaches_are_a_location_fault() -> None:
    """Two failed approaches (no surface, false engage) condemn the location, not the
    instrument: safe (0 V, retracted), journaled as a refusal, and able to go on."""
    inst = make_sim(timing={"approach_failure_p": 1.0})
    with pytest.raises(ApproachError, match="2 approaches failed") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert isinstance(exc.value, SafetyError) and not exc.value.needs_human
    assert [r["rule"] for r in refusals(inst)] == ["approach"]
    assert len(commands(inst, "approach")) == 2
    assert inst.state is State.RETRACTED
    assert inst.probe.bias_v == 0.0 and inst.probe.state is ProbeState.RETRACTED
    fault = [r for r in inst.journal.records if r["kind"] == "fault"][-1]
    assert fault["needs_human"] is False and fault["safe"]["stage_stopped"] is True
    inst.probe.timing = dataclasses.replace(inst.probe.timing, approach_failure_p=0.0)
    m = inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)  # the next location is measured
    assert m.location_id == 4 and inst.state is State.ENGAGED


def test_a_tip_crash_on_approach_needs_a_human() -> None:
    inst = make_sim()
    inst.probe.world.faults = SimFaultPlan(["crash@1"])
    with pytest.raises(SafetyError, match="the probe reports a fault") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert not isinstance(exc.value, ApproachError) and exc.value.needs_human
    assert_refused(inst, "approach", exc)
    assert len(commands(inst, "approach")) == 1


def test_resonance_jump_is_a_tip_problem() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.probe.tune = lambda **kw: Resonance(290e3, 100.0, 1.0)
    with pytest.raises(SafetyError, match="tip problem") as exc:
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "resonance", exc)


def test_fresh_spot_never_reuses_a_spot(tmp_path) -> None:
    inst = make_sim(tmp_path)
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    first = inst.spots.used[3][0]
    inst.close()
    again = make_sim(tmp_path)  # a resumed session reads the journal
    m = again.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert (m.meta["spot_dx_um"], m.meta["spot_dy_um"]) != first
    assert again.spots.used[3][0] == first and len(again.spots.used[3]) == 2
    again.spots.is_fresh = lambda *a: False  # every spot already switched
    with pytest.raises(SafetyError, match="no unused spot") as exc:
        again.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    assert refusals(again)[-1]["rule"] == "fresh_spot"
    assert exc.value.args
    again.close()


def test_tip_health_flags_a_worn_tip() -> None:
    inst = make_sim(policy={"tip_check_every": 2})
    inst.measure_at(1, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.measure_at(2, 1.5, 1.0, timeout_s=TIMEOUT)
    world = inst.probe.world
    world.loops_done = 5000  # the tip is blunt now (sensitivity 0.19)
    world.f0_wear_per_loop = 0.0
    with pytest.raises(SafetyError, match="TIP_CHANGED") as exc:
        inst.measure_at(3, 2.0, 1.0, timeout_s=TIMEOUT)
    assert_refused(inst, "tip_health", exc)
