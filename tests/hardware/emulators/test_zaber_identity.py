"""Zaber's own client library (zaber-motion) against the Zaber emulator: over TCP and over a
real tty (pty), the offline route `detect_devices(identify_devices=False)` and the Axis API
move the emulated stage; the default `detect_devices()` gets through every identification
query and stops only where it asks Zaber's online Device Database, which is unreachable here."""

from __future__ import annotations

import sys

import pytest

from hardware.clock import RealClock
from hardware.emulators.server import EmulatorPty, EmulatorTCPServer
from hardware.emulators.zaber import ZaberEmulator

zaber_motion = pytest.importorskip(
    "zaber_motion", reason="zaber-motion (Zaber's client) is in the dev extra"
)
from zaber_motion import DeviceDbFailedException  # noqa: E402
from zaber_motion.ascii import Connection  # noqa: E402

IDENTIFICATION = {
    "comm.packet.size.max", "deviceid", "system.serial", "version", "version.build",
    "device.hw.modified", "comm.command.packets.max", "comm.word.size.max", "get.settings.max",
    "system.axiscount", "resolution", "peripheralid", "peripheral.serial",
    "peripheral.hw.modified",
}  # fmt: skip


def _served() -> tuple[ZaberEmulator, EmulatorTCPServer]:
    emulator = ZaberEmulator(RealClock(), microstep_um=0.1, speed_mm_per_s=20.0)
    return emulator, EmulatorTCPServer(emulator, ("127.0.0.1", 0)).start()


def _gets(emulator: ZaberEmulator) -> list[tuple[str, str]]:
    """(setting, reply flag) of every `get` the client sent."""
    out = []
    for line, replies in emulator.log:
        words = line.split(":")[0].split()
        if "get" in words:
            out.append((words[words.index("get") + 1], replies[0].split()[3]))
    return out


def test_offline_route_detects_the_device_and_moves_an_axis_over_tcp() -> None:
    emulator, server = _served()
    try:
        with Connection.open_tcp("127.0.0.1", server.port) as conn:
            (device,) = conn.detect_devices(identify_devices=False)
            axis = device.get_axis(1)
            axis.home()
            axis.move_absolute(25000)  # native units: microsteps (no device database offline)
            assert axis.get_position() == 25000.0
            axis.move_relative(-5000)
            assert axis.get_position() == 20000.0
        assert emulator.position_um()[0] == pytest.approx(2000.0)
    finally:
        server.stop()


def test_default_detect_gets_past_identification_to_the_device_database() -> None:
    emulator, server = _served()
    try:
        with (
            Connection.open_tcp("127.0.0.1", server.port) as conn,
            pytest.raises(DeviceDbFailedException, match="Device Database"),
        ):
            conn.detect_devices()
    finally:
        server.stop()
    gets = _gets(emulator)
    assert {name for name, _ in gets} == IDENTIFICATION
    assert all(flag == "OK" for _, flag in gets), gets  # nothing rejected on the way
    axis_queries = [name for name, _ in gets if name == "peripheralid"]
    assert len(axis_queries) == 2  # both axes identified (system.axiscount = 2)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_offline_route_over_a_real_tty() -> None:
    emulator = ZaberEmulator(RealClock(), microstep_um=0.1, speed_mm_per_s=20.0)
    pty = EmulatorPty(emulator).start()
    try:
        with Connection.open_serial_port(pty.port) as conn:
            (device,) = conn.detect_devices(identify_devices=False)
            axis = device.get_axis(2)
            axis.home()
            axis.move_absolute(10000)
            assert axis.get_position() == 10000.0
    finally:
        pty.stop()
