"""The Prior ProScan emulator speaks the controller's line protocol: moves need homing, take
time on the clock, report motion and limits, refuse bad values with the vendor's error codes,
and inject the scripted faults."""

from __future__ import annotations

from hardware.clock import SimClock
from hardware.emulators.prior import PriorEmulator


def _ask(emu: PriorEmulator, line: str) -> str:
    (reply,) = emu.handle_line(line + "\r")
    return reply.rstrip("\r")


def _homed(**kw) -> tuple[PriorEmulator, SimClock]:  # type: ignore[no-untyped-def]
    clock = SimClock()
    emu = PriorEmulator(clock, travel_mm=50.0, **kw)
    assert _ask(emu, "SIS") == "R"
    clock.sleep(60.0)
    return emu, clock


def test_moves_are_refused_until_homed() -> None:
    emu = PriorEmulator(SimClock())
    assert _ask(emu, "G,1000,1000") == "E,16"
    assert _ask(emu, "M") == "E,16"


def test_a_move_takes_time_then_reads_back_the_target() -> None:
    emu, clock = _homed()
    assert _ask(emu, "G 2000,3000") == "R"  # any of the accepted delimiters
    assert _ask(emu, "$") == "3"  # both axes moving
    assert _ask(emu, "G,10,10") == "E,2"  # not idle: stop first
    clock.sleep(10.0)
    assert _ask(emu, "$") == "0"
    assert _ask(emu, "P") == "2000,3000,0" and _ask(emu, "PX") == "2000"
    assert _ask(emu, "GR,-500,0") == "R"
    clock.sleep(10.0)
    assert _ask(emu, "PS") == "1500,3000"


def test_out_of_range_unknown_and_malformed_commands() -> None:
    emu, _ = _homed()
    assert _ask(emu, "G,60000,0") == "E,8"  # beyond 50 mm of travel
    assert _ask(emu, "FLY") == "E,5"
    assert _ask(emu, "G,a,b") == "E,4"
    assert _ask(emu, "SMS,0") == "E,8"
    assert _ask(emu, "SMS,40") == "0" and _ask(emu, "SMS") == "40"


def test_a_stall_stops_halfway_and_sets_the_limit_bits_once() -> None:
    emu, clock = _homed(faults=["stall@1"])
    assert _ask(emu, "G,4000,0") == "R"
    clock.sleep(20.0)
    assert _ask(emu, "PX") == "2000"
    assert _ask(emu, "=") == "1"  # X forward limit
    assert _ask(emu, "=") == "0"  # cleared by reading


def test_a_power_cycle_sends_nul_and_forgets_the_reference() -> None:
    emu, _ = _homed(faults=["powercycle@3"])
    assert _ask(emu, "P") == "0,0,0"
    assert emu.handle_line("P\r") == ["\x00"]
    assert _ask(emu, "G,10,10") == "E,16"


def test_dropped_and_corrupted_replies() -> None:
    emu, _ = _homed(faults=["drop@2", "corrupt@3"])  # command 1 is the homing
    assert emu.handle_line("VERSION\r") == []
    assert _ask(emu, "VERSION") == "#00"
    assert _ask(emu, "SERIAL") == "12345"
