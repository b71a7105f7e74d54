"""The real Zaber driver against the emulator (in-process emu://, TCP, pty) on a SimClock."""

from __future__ import annotations

import itertools
import sys

import pytest

from hardware.emulators import emulator_for, register_url_handler
from hardware.emulators.server import EmulatorPty, EmulatorTCPServer
from hardware.emulators.zaber import FaultPlan
from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.journal import Journal
from hardware.stages.zaber_ascii import ZaberAsciiStage, ZaberRejectedError
from hardware.transport import PowerCycleError, SerialTransport

_names = itertools.count()
TRAVEL = ((0.0, 100.0), (0.0, 100.0))


def make_stage(query: str = "", url: str | None = None) -> tuple[ZaberAsciiStage, object]:
    register_url_handler()
    emu_url = f"emu://zaber?name=drv{next(_names)}&microstep_um=0.1{query}"
    emu = emulator_for(emu_url)
    journal = Journal(None, emu.clock.now_s)
    transport = SerialTransport(url or emu_url, journal, source="stage")
    return ZaberAsciiStage(transport, emu.clock, microstep_um=0.1, travel_mm=TRAVEL), emu


def _records(stage: ZaberAsciiStage) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seq"} for r in stage.transport.journal.records]


def _records(stage: ZaberAsciiStage) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seq"} for r in stage.transport.journal.records]


def _sent(stage: ZaberAsciiStage) -> list[str]:
    return [r["line"] for r in stage.transport.journal.records if r.get("dir") == "tx"]


def test_home_move_verify_and_timing() -> None:
    stage, emu = make_stage()
    st = stage.connect(timeout_s=5)
    assert not st.referenced and "WR" in st.warnings
    assert stage.home(timeout_s=60).referenced
    t0 = emu.clock.now_s()
    st = stage.move_to(12.0, 3.5, timeout_s=60)
    assert (st.x_mm, st.y_mm) == (12.0, 3.5) and not st.faults
    # 12 mm at 4 mm/s with 40 mm/s² ramps: 3.1 s, polled every 0.1 s
    assert 3.1 <= emu.clock.now_s() - t0 <= 3.3


def test_unhomed_moves_are_rejected() -> None:
    stage, _ = make_stage()
    stage.connect(timeout_s=5)
    with pytest.raises(ZaberRejectedError, match="BADCOMMAND"):
        stage.query(1, "move abs 100", idempotent=False)


def test_controller_limits_reject_out_of_range_targets() -> None:
    stage, _ = make_stage()
    stage.home(timeout_s=60)
    stage.set_limits((0.0, 10.0), (0.0, 10.0), timeout_s=5)
    with pytest.raises(ZaberRejectedError, match="BADDATA"):
        stage.query(1, f"move abs {stage.to_steps(20.0)}", idempotent=False)


def test_retargeting_interrupts_the_previous_move() -> None:
    stage, emu = make_stage()
    stage.home(timeout_s=60)
    stage.query(1, "move abs 100000", idempotent=False)
    emu.clock.sleep(0.5)
    stage.query(1, "move abs 10000", idempotent=False)
    assert "NI" in stage.status(timeout_s=5).warnings


def test_stall_is_reported_as_a_fault() -> None:
    stage, _ = make_stage("&fault=stall@1")
    stage.home(timeout_s=60)
    st = stage.move_to(10.0, 0.0, timeout_s=60)
    assert "FS" in st.faults and st.x_mm == pytest.approx(5.0)


def test_limit_trip_is_reported() -> None:
    stage, _ = make_stage("&fault=limit@2")
    stage.home(timeout_s=60)
    st = stage.move_to(10.0, 10.0, timeout_s=60)
    assert "WL" in st.faults and st.y_mm == pytest.approx(5.0)


def test_stuck_busy_times_out_and_sends_stop() -> None:
    stage, emu = make_stage("&fault=busy@1")
    stage.home(timeout_s=60)
    t0 = emu.clock.now_s()
    with pytest.raises(HardwareTimeoutError, match="stop sent"):
        stage.move_to(10.0, 0.0, timeout_s=20)
    assert 20.0 <= emu.clock.now_s() - t0 <= 20.5
    assert _sent(stage)[-1].startswith("/1 0") and " stop" in _sent(stage)[-1]
    assert not stage.status(timeout_s=5).moving


def test_a_dropped_or_corrupt_reply_is_retried_once() -> None:
    for fault in ("drop", "corrupt"):
        stage, _ = make_stage(f"&fault={fault}@3")
        stage.connect(timeout_s=5)  # commands 1-3: deviceid, get pos, warnings (dropped)
        notes = [r["message"] for r in stage.transport.journal.records if r["kind"] == "note"]
        assert any("retrying 'warnings'" in n for n in notes), fault


def test_two_lost_replies_in_a_row_fail_the_query() -> None:
    stage, _ = make_stage("&fault=drop@1x2")
    with pytest.raises(HardwareTimeoutError, match="no valid reply"):
        stage.connect(timeout_s=5)


def test_lost_move_reply_is_not_resent_blindly() -> None:
    stage, emu = make_stage()
    stage.home(timeout_s=60)
    emu.plan = FaultPlan([f"drop@{emu.commands_seen + 1}"])  # the x move's reply
    st = stage.move_to(8.0, 2.0, timeout_s=60)
    assert (st.x_mm, st.y_mm) == (8.0, 2.0)
    moves = [line for line in _sent(stage) if "move abs 80000" in line]
    assert len(moves) == 1


def test_power_cycle_is_detected_and_loses_the_reference() -> None:
    stage, emu = make_stage()
    stage.home(timeout_s=60)
    emu.plan = FaultPlan([f"powercycle@{emu.commands_seen + 1}"])
    with pytest.raises(PowerCycleError, match="power-cycled"):
        stage.move_to(5.0, 5.0, timeout_s=60)
    st = stage.status(timeout_s=5)
    assert not st.referenced and (st.x_mm, st.y_mm) == (0.0, 0.0)


def test_rejects_bad_axis_and_unknown_command() -> None:
    stage, _ = make_stage()
    with pytest.raises(ZaberRejectedError, match="BADAXIS"):
        stage.query(3, "get pos")
    with pytest.raises(ZaberRejectedError, match="BADCOMMAND"):
        stage.query(1, "dance")


def test_other_devices_do_not_answer() -> None:
    _, emu = make_stage()
    assert emu.handle_line("/2 0 get pos\n") == []
    assert emu.handle_line("/0 0 get pos\n")[0].startswith("@01 0 OK")


def test_same_commands_same_replies_over_emu_and_tcp() -> None:
    a, _ = make_stage()
    _, emu_b = make_stage()
    with EmulatorTCPServer(emu_b, ("127.0.0.1", 0)) as server:
        server.start()
        journal = Journal(None, emu_b.clock.now_s)
        b = ZaberAsciiStage(
            SerialTransport(server.url, journal, source="stage"),
            emu_b.clock,
            microstep_um=0.1,
            travel_mm=TRAVEL,
        )
        for stage in (a, b):
            stage.connect(timeout_s=5)
            stage.home(timeout_s=60)
            stage.move_to(3.0, 4.0, timeout_s=60)
            stage.close()
        server.stop()
    assert _records(a) == _records(b)


@pytest.mark.skipif(sys.platform == "win32", reason="pty needs a POSIX system")
def test_pty_smoke() -> None:
    _, emu = make_stage()
    pty = EmulatorPty(emu).start()
    try:
        stage, _ = make_stage(url=pty.port)
        stage.clock = emu.clock
        assert stage.query(0, "get deviceid").data == "30222"
        assert stage.connect(timeout_s=5).warnings == frozenset({"WR"})
        stage.close()
    finally:
        pty.stop()


def test_fault_spec_errors() -> None:
    with pytest.raises(ValueError, match="KIND@N"):
        FaultPlan(["explode@3"])
    with pytest.raises(HardwareError):
        make_stage(url="emu://nothing")
