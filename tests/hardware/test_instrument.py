"""The PFM instrument facade: a journaled normal measurement, arming for real hardware, timeouts,
faults that need a human, the single-owner lock and abort from any thread."""

from __future__ import annotations

import threading

import pytest

from hardware.errors import (
    AbortedError,
    HardwareError,
    HardwareTimeoutError,
    SafetyError,
)
from hardware.instrument import State
from hardware.protocols import ProbeState
from hardware.sim import SimFaultPlan
from tests.hardware.simkit import commands, make_sim, refusals

TIMEOUT = 600.0


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
    inst = make_sim()
    inst.probe.world.faults = SimFaultPlan(["crash@1"])
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
