"""What a Zaber X-MCC2 controller answers to the identification queries (`get version`,
`get system.axiscount`, `get peripheralid`, the comm.* limits ...), so clients that identify
a device before talking to it (zaber-motion's `Connection.detect_devices()`) get past that
step. Values are device-scope (one value) or axis-scope (one per addressed axis)."""

from __future__ import annotations

#: device-scope settings: one value whatever axis is addressed
DEVICE_SETTINGS: dict[str, str] = {
    "deviceid": "30222",  # X-MCC2
    "system.serial": "55501",
    "version": "7.38",
    "version.build": "17405",
    "system.axiscount": "2",
    "comm.packet.size.max": "80",
    "comm.command.packets.max": "10",
    "comm.word.size.max": "50",
    "device.hw.modified": "0",
    "get.settings.max": "8",
    "comm.checksum": "0",
    "comm.protocol": "2",
    "comm.address": "1",
    "system.access": "1",
    "resolution": "64",
}

#: axis-scope settings: one value per axis (the axis of a generic linear peripheral)
AXIS_SETTINGS: dict[str, str] = {
    "peripheralid": "0",  # "no peripheral identified": a third-party or custom stage
    "peripheral.serial": "0",
    "peripheral.hw.modified": "0",
    "limit.cycle.dist": "0",
    "motion.accelonly": "0",
    "driver.current.run": "25",
}


def identity_value(name: str, n_axes: int) -> str | None:
    """The reply data for `get NAME` (axis-scope: one value per axis), or None if unknown."""
    if name in DEVICE_SETTINGS:
        return DEVICE_SETTINGS[name]
    if name in AXIS_SETTINGS:
        return " ".join([AXIS_SETTINGS[name]] * n_axes)
    return None
