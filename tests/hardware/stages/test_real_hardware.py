"""Hardware-in-the-loop checks, skipped unless a real controller is named in the environment:

    COMBI_ZABER_PORT=/dev/ttyUSB0 COMBI_ZABER_MICROSTEP_UM=0.047625 pytest -m hardware -s

They only query the controller (identity, position, warnings) and never move it.
"""

from __future__ import annotations

import os

import pytest

from hardware.clock import RealClock
from hardware.journal import Journal
from hardware.stages.prior_proscan import PriorProScanStage
from hardware.stages.zaber_ascii import ZaberAsciiStage
from hardware.transport import SerialTransport

pytestmark = pytest.mark.hardware
TRAVEL = ((0.0, 1.0), (0.0, 1.0))


def _port(var: str) -> str:
    port = os.environ.get(var)
    if not port:
        pytest.skip(f"set {var} to run against a real controller")
    return port


def test_zaber_identity_position_and_flags() -> None:
    port = _port("COMBI_ZABER_PORT")
    clock = RealClock()
    transport = SerialTransport(port, Journal(None, clock.now_s), source="stage")
    um = float(os.environ.get("COMBI_ZABER_MICROSTEP_UM", "0.1"))
    stage = ZaberAsciiStage(transport, clock, microstep_um=um, travel_mm=TRAVEL)
    try:
        status = stage.connect(timeout_s=5)
        print(f"\nZaber at {port}: {status}")
        assert not status.moving
    finally:
        stage.close()


def test_prior_identity_and_position() -> None:
    port = _port("COMBI_PRIOR_PORT")
    clock = RealClock()
    transport = SerialTransport(
        port, Journal(None, clock.now_s), source="stage", baudrate=9600, eol=b"\r"
    )
    stage = PriorProScanStage(transport, clock, um_per_count=1.0, travel_mm=TRAVEL)
    try:
        print(f"\nProScan at {port}: {stage.connect(timeout_s=5)}")
    finally:
        stage.close()
