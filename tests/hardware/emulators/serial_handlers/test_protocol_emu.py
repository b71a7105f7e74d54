"""The emu:// pyserial port: pyserial's own serial_for_url opens it, written lines reach the
emulator, replies are read back, and silence costs virtual (not wall-clock) time."""

from __future__ import annotations

import itertools

import pytest
import serial

from hardware.emulators import emulator_for, register_url_handler

_names = itertools.count()


def _port(timeout_s: float = 0.5):  # type: ignore[no-untyped-def]
    register_url_handler()
    url = f"emu://prior?name=protocol-emu-{next(_names)}&travel_mm=50"
    return serial.serial_for_url(url, timeout=timeout_s), emulator_for(url)


def test_lines_in_replies_out() -> None:
    port, _ = _port()
    port.write(b"VERSION\rSERIAL\r")
    assert port.read_until(b"\r") == b"100\r"
    assert port.read_until(b"\r") == b"12345\r"
    assert port.in_waiting == 0
    port.close()


def test_a_partial_line_waits_for_its_terminator() -> None:
    port, emu = _port()
    port.write(b"VERS")
    assert emu.commands_seen == 0
    port.write(b"ION\r")
    assert emu.commands_seen == 1 and port.read_until(b"\r") == b"100\r"


def test_silence_waits_on_the_virtual_clock() -> None:
    port, emu = _port(timeout_s=2.5)
    before = emu.clock.now_s()
    assert port.read(1) == b""
    assert emu.clock.now_s() - before == pytest.approx(2.5)


def test_input_reset_and_closed_port() -> None:
    port, _ = _port()
    port.write(b"VERSION\r")
    port.reset_input_buffer()
    assert port.in_waiting == 0
    port.close()
    with pytest.raises(serial.PortNotOpenError):
        port.write(b"VERSION\r")
