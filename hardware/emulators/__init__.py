"""Controller emulators (Zaber ASCII, Prior ProScan) and the ways they are served: the in-process
`emu://` pyserial URL handler, a TCP server (`socket://host:port`) and a pty.

In-process emulators live in a registry keyed by name, so closing and reopening `emu://zaber?
name=bench` reaches the same controller (closing a serial port does not power-cycle a device).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hardware.clock import SimClock
from hardware.emulators.prior import PriorEmulator
from hardware.emulators.zaber import ZaberEmulator

_REGISTRY: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()
HANDLER_PACKAGE = "hardware.emulators.serial_handlers"


def register_url_handler() -> None:
    """Make `serial.serial_for_url` understand `emu://` (idempotent)."""
    import serial  # noqa: PLC0415

    if HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(HANDLER_PACKAGE)


def parse_emu_url(url: str) -> tuple[str, dict[str, list[str]]]:
    """`emu://zaber?name=a&fault=stall@3` -> ("zaber", {"name": ["a"], "fault": ["stall@3"]})."""
    parts = urlsplit(url)
    if parts.scheme != "emu" or parts.netloc not in ("zaber", "prior"):
        raise ValueError(f"{url!r} is not an emulator URL; use emu://zaber?... or emu://prior?...")
    return parts.netloc, parse_qs(parts.query)


def _float(q: dict[str, list[str]], key: str, default: float) -> float:
    return float(q[key][-1]) if key in q else default


def emulator_for(url: str) -> Any:
    """The registered emulator a URL names (created on first use, with a SimClock)."""
    kind, q = parse_emu_url(url)
    name = q.get("name", ["default"])[-1]
    with _LOCK:
        key = (kind, name)
        if key not in _REGISTRY:
            _REGISTRY[key] = _create(kind, q)
        return _REGISTRY[key]


def _create(kind: str, q: dict[str, list[str]]) -> Any:
    clock = SimClock()
    faults = q.get("fault", [])
    if kind == "zaber":
        return ZaberEmulator(
            clock,
            device=int(_float(q, "device", 1)),
            microstep_um=_float(q, "microstep_um", 0.1),
            travel_mm=_float(q, "travel_mm", 100.0),
            speed_mm_per_s=_float(q, "speed_mm_per_s", 4.0),
            latency_s=_float(q, "latency_ms", 0.0) / 1000.0,
            delay_s=_float(q, "delay_ms", 1000.0) / 1000.0,
            faults=faults,
        )

    return PriorEmulator(
        clock,
        travel_mm=_float(q, "travel_mm", 100.0),
        speed_mm_per_s=_float(q, "speed_mm_per_s", 4.0),
        faults=faults,
    )


def get_emulator(kind: str, name: str) -> Any:
    """An already-registered emulator (tests and the operator backdoor); KeyError if absent."""
    with _LOCK:
        return _REGISTRY[(kind, name)]


def forget_emulators() -> None:
    """Drop every registered emulator (tests)."""
    with _LOCK:
        _REGISTRY.clear()
