"""Every §6.5 safety rule: try to break it, expect a refusal with a clear message, the refusal
in the journal, the instrument in FAULT and the hardware safe (bias 0 V, retracted)."""

from __future__ import annotations

import threading

import pytest

from hardware.errors import AbortedError, HardwareError, HardwareTimeoutError, SafetyError
from hardware.instrument import State
from hardware.protocols import ProbeState, Resonance, SSParams
from tests.hardware.simkit import commands, make_sim, refusals

TIMEOUT = 600.0


def _refused(inst, rule: str, exc: pytest.ExceptionInfo) -> None:
    assert f"safety rule {rule!r} refused" in str(exc.value)
    assert [r["rule"] for r in refusals(inst)] == [rule]
    assert inst.state is State.FAULT
    assert inst.probe.bias_v == 0.0 and inst.probe.state is ProbeState.RETRACTED
    safe = [r for r in inst.journal.records if r["kind"] == "safe_state"][-1]
    assert safe["stage_stopped"] is True and safe["bias_zero"] is True
    assert inst.journal.records[-1]["kind"] == "state" and inst.journal.records[-1]["to"] == "FAULT"


def test_normal_measurement_allows_every_rule_and_journals_it() -> None:
    inst = make_sim()
    m = inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert m.arrays["sspfm.pr_off"].shape == (128,)
    rules = {r["rule"] for r in inst.journal.records if r["kind"] == "safety"}
    assert rules >= {
        "armed",
        "bias_limit",
        "homing_retracted",
        "referenced",
        "soft_fence",
        "controller_fence",
        "max_step",
        "z_interlock",
        "readback",
        "fresh_spot",
        "tip_health",
    }
    assert not refusals(inst)
    assert inst.state is State.ENGAGED


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


def test_referenced_refuses_moves_after_a_power_cycle() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.stage.referenced = False  # controller lost its reference
    with pytest.raises(SafetyError) as exc:
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "referenced", exc)
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
    _refused(inst, "homing_retracted", exc)
    assert not commands(inst, "home")


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
    _refused(inst, rule, exc)
    assert not commands(inst, "move_to")


def test_controller_fence_refuses_beyond_axis_limits() -> None:
    from hardware.safety import SoftFence

    inst = make_sim()
    object.__setattr__(inst.policy, "fence", SoftFence())  # software fence off: second fence
    with pytest.raises(SafetyError, match="controller limits") as exc:
        inst.measure_at(99, 9.5, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "controller_fence", exc)


def test_max_step_refuses_long_moves() -> None:
    inst = make_sim(policy={"max_step_mm": 3.0})
    inst.measure_at(1, 1.0, 1.0, timeout_s=TIMEOUT)
    with pytest.raises(SafetyError, match=r"exceeds max_step_mm = 3\.0") as exc:
        inst.measure_at(2, 7.5, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "max_step", exc)


def test_readback_retries_once_then_faults() -> None:
    inst = make_sim()
    inst.stage.repeatability_um = 200.0  # a slipping stage
    with pytest.raises(SafetyError, match="after 2 attempts") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "readback", exc)
    assert len(commands(inst, "move_to")) == 2


def test_two_failed_approaches_fault() -> None:
    inst = make_sim(timing={"approach_failure_p": 1.0})
    with pytest.raises(SafetyError, match="2 approaches failed") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "approach", exc)
    assert len(commands(inst, "approach")) == 2


def test_resonance_jump_is_a_tip_problem() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    inst.probe.tune = lambda **kw: Resonance(290e3, 100.0, 1.0)
    with pytest.raises(SafetyError, match="tip problem") as exc:
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "resonance", exc)


def test_bias_limit_refuses_the_recipe_before_anything_moves() -> None:
    inst = make_sim(policy={"bias_limit_v": 10.0}, recipe=SSParams(v_max=12.0))
    with pytest.raises(SafetyError, match=r"\|12\| V exceeds the bias limit 10 V") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    _refused(inst, "bias_limit", exc)
    assert not commands(inst, "home") and not commands(inst, "move_to")


def test_bias_limit_follows_the_amplifier() -> None:
    inst = make_sim(policy={"bias_limit_v": 50.0}, recipe=SSParams(v_max=20.0), bias_limit_v=10.0)
    with pytest.raises(SafetyError, match="hardware 10 V"):
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)


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
    _refused(inst, "tip_health", exc)


def test_real_hardware_needs_arming() -> None:
    inst = make_sim()
    inst.stage.simulated = False
    with pytest.raises(SafetyError, match="--arm-hardware") as exc:
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert [r["rule"] for r in refusals(inst)] == ["armed"]
    assert not commands(inst, "connect")
    assert exc.value.args
    armed = make_sim(armed=True)
    armed.stage.simulated = False
    armed.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)


def test_timeout_stops_and_faults() -> None:
    inst = make_sim()
    with pytest.raises(HardwareTimeoutError, match="timeout_s"):
        inst.measure_at(3, 1.0, 1.0, timeout_s=60.0)
    assert inst.state is State.FAULT and inst.probe.bias_v == 0.0
    assert [r for r in inst.journal.records if r["kind"] == "fault"]


def test_fault_needs_a_human() -> None:
    inst = make_sim(timing={"approach_failure_p": 1.0})
    with pytest.raises(SafetyError):
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    with pytest.raises(HardwareError, match="FAULT"):
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)


def test_single_owner_lock(tmp_path) -> None:
    a = make_sim(tmp_path, lock=True)
    a.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    b = make_sim(None, lock=False)
    b.lock = type(a.lock)(tmp_path / "hw.lock", "sim")
    with pytest.raises(HardwareError, match="owned by another process"):
        b.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    a.close()
    c = make_sim(None, lock=False)
    c.lock = type(a.lock)(tmp_path / "hw.lock", "sim")
    c.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    c.close()


def test_abort_is_idempotent_and_works_from_another_thread() -> None:
    inst = make_sim()
    inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert inst.probe.state is ProbeState.ENGAGED
    threads = [threading.Thread(target=inst.abort) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inst.abort()
    assert inst.probe.state is ProbeState.RETRACTED and inst.probe.bias_v == 0.0
    assert len([r for r in inst.journal.records if r["kind"] == "abort"]) == 1
    assert inst.state is State.RETRACTED
    with pytest.raises(AbortedError):
        inst.measure_at(4, 1.5, 1.0, timeout_s=TIMEOUT)


def test_abort_during_a_measurement_stops_at_the_next_checkpoint() -> None:
    inst = make_sim()
    real_approach = inst.probe.approach

    def approach_then_ctrl_c(**kw):
        result = real_approach(**kw)
        inst.abort()  # the signal handler runs while the facade is busy
        return result

    inst.probe.approach = approach_then_ctrl_c
    with pytest.raises(AbortedError):
        inst.measure_at(3, 1.0, 1.0, timeout_s=TIMEOUT)
    assert inst.probe.bias_v == 0.0 and inst.probe.state is ProbeState.RETRACTED
    assert not commands(inst, "switching_spectroscopy")
    assert inst.state is State.RETRACTED
