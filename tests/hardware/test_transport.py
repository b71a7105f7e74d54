"""SerialTransport over pyserial's loop:// port: every line sent and received is journaled,
silence is a journaled timeout, a NUL byte is a power cycle, and open failures are one line."""

from __future__ import annotations

import pytest

from hardware.clock import SimClock
from hardware.journal import Journal
from hardware.transport import PowerCycleError, SerialTransport, TransportError


def _loop(eol: bytes = b"\n") -> SerialTransport:
    journal = Journal(None, SimClock().now_s)
    return SerialTransport("loop://", journal, source="stage", read_timeout_s=0.05, eol=eol)


def _io(t: SerialTransport) -> list[dict]:
    return [
        {k: r[k] for k in ("dir", "line", "timeout") if k in r}
        for r in t.journal.records
        if r["kind"] == "io"
    ]


def test_lines_round_trip_and_are_journaled_both_ways() -> None:
    t = _loop()
    t.write_line("/1 move abs 100\n")
    assert t.read_line() == "/1 move abs 100"
    assert _io(t) == [
        {"dir": "tx", "line": "/1 move abs 100"},
        {"dir": "rx", "line": "/1 move abs 100"},
    ]
    t.close()


def test_silence_is_a_journaled_timeout() -> None:
    t = _loop()
    assert t.read_line() is None
    assert _io(t) == [{"dir": "rx", "timeout": True}]


def test_carriage_return_terminated_lines() -> None:
    t = _loop(eol=b"\r")
    t.write_line("R\r")
    assert t.read_line() == "R"


def test_clear_input_drops_unread_lines() -> None:
    t = _loop()
    t.write_line("stale\n")
    t.clear_input()
    assert t.read_line() is None


def test_a_nul_byte_is_a_power_cycle_after_it_is_journaled() -> None:
    t = _loop()
    t.port.write(b"\x00\n")
    with pytest.raises(PowerCycleError, match="power-cycled and lost its reference"):
        t.read_line()
    assert _io(t)[-1]["dir"] == "rx"


def test_a_port_that_cannot_open_is_one_clear_error() -> None:
    with pytest.raises(TransportError, match="cannot open 'nosuch://port'"):
        SerialTransport("nosuch://port", Journal(None, SimClock().now_s), source="stage")
