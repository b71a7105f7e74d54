"""The Prior ProScan driver against its emulator: polling, limits, stops, errors, faults."""

from __future__ import annotations

import itertools

import pytest

from hardware.emulators import emulator_for, register_url_handler
from hardware.emulators.zaber import FaultPlan
from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.journal import Journal
from hardware.stages.prior_proscan import PriorError, PriorProScanStage, parse_error
from hardware.transport import PowerCycleError, SerialTransport

_names = itertools.count()


def make(query: str = ""):
    register_url_handler()
    url = f"emu://prior?name=prior{next(_names)}{query}"
    emu = emulator_for(url)
    t = SerialTransport(url, Journal(None, emu.clock.now_s), source="stage", eol=b"\r")
    stage = PriorProScanStage(t, emu.clock, um_per_count=1.0, travel_mm=((0, 100), (0, 100)))
    return stage, emu


def _sent(stage) -> list[str]:
    return [r["line"] for r in stage.transport.journal.records if r.get("dir") == "tx"]


def test_error_codes_are_decoded() -> None:
    assert "NOT IDLE" in str(parse_error("E,2"))
    assert parse_error("R") is None
    stage, _ = make()
    with pytest.raises(PriorError, match="INCORRECT STATE"):
        stage.query("G,100,100", idempotent=False)  # not indexed yet
    with pytest.raises(PriorError, match="COMMAND NOT FOUND"):
        stage.query("DANCE")


def test_home_then_move_sends_stop_before_retargeting() -> None:
    stage, _ = make()
    stage.connect(timeout_s=5)
    assert stage.home(timeout_s=60).referenced
    st = stage.move_to(10.0, 20.0, timeout_s=60)
    assert (st.x_mm, st.y_mm) == (10.0, 20.0)
    sent = _sent(stage)
    g = sent.index("G,10000,20000")
    assert sent[g - 1] == "I"


def test_stall_reports_the_limit_bit() -> None:
    stage, _ = make("&fault=stall@1")  # the x axis of the first G
    stage.home(timeout_s=60)
    st = stage.move_to(10.0, 0.0, timeout_s=60)
    assert "LIMIT+X" in st.faults and st.x_mm == pytest.approx(5.0)


def test_stuck_motion_times_out_and_stops() -> None:
    stage, _ = make("&fault=busy@1")
    stage.home(timeout_s=60)
    with pytest.raises(HardwareTimeoutError, match="stop sent"):
        stage.move_to(10.0, 0.0, timeout_s=10)
    assert _sent(stage)[-1] == "I"


def test_lost_and_corrupt_replies() -> None:
    stage, emu = make()
    emu.plan = FaultPlan(["drop@1", "corrupt@3"])
    stage.connect(timeout_s=5)  # VERSION dropped then retried; a corrupt reply retried
    notes = [r for r in stage.transport.journal.records if r["kind"] == "note"]
    assert len([n for n in notes if "no valid reply" in n["message"]]) == 2
    emu.plan = FaultPlan([f"drop@{emu.commands_seen + 1}x2"])
    with pytest.raises(HardwareTimeoutError):
        stage.status(timeout_s=5)


def test_power_cycle_loses_the_reference() -> None:
    stage, emu = make()
    stage.home(timeout_s=60)
    emu.plan = FaultPlan([f"powercycle@{emu.commands_seen + 1}"])
    with pytest.raises(PowerCycleError):
        stage.move_to(5.0, 5.0, timeout_s=60)
    assert not stage.status(timeout_s=5).referenced


def test_driver_limits_refuse_before_sending() -> None:
    stage, _ = make()
    stage.home(timeout_s=60)
    stage.set_limits((0.0, 10.0), (0.0, 10.0), timeout_s=5)
    n = len(_sent(stage))
    with pytest.raises(HardwareError, match="limits refuse"):
        stage.move_to(20.0, 1.0, timeout_s=60)
    assert len(_sent(stage)) == n
