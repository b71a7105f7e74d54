"""A Nanonis emulator beside a stage emulator: the tip is where the stage is."""

from __future__ import annotations

import pytest

from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.clock import SimClock
from hardware.emulators.nanonis_lab import serve_beside, stage_position
from hardware.emulators.prior import PriorEmulator
from hardware.emulators.zaber import ZaberEmulator


def test_the_tip_follows_the_stage_emulators() -> None:
    clock = SimClock()
    zaber = ZaberEmulator(clock, microstep_um=0.1)
    for ax in zaber.axes:
        ax.pos = 25000.0  # 2.5 mm
    assert stage_position(zaber)() == pytest.approx((2.5, 2.5))
    prior = PriorEmulator(clock, um_per_count=1.0)
    prior.pos = [1000.0, 4000.0]
    assert stage_position(prior)() == pytest.approx((1.0, 4.0))
    server = serve_beside(
        zaber, build_sample(SampleSpec("smbfo", "none"), 1), lambda x, y: {"Sm": 0.1}
    )
    try:
        assert server.server_address[0] == "127.0.0.1" and server.emulator.clock is clock
        zaber.axes[0].pos = 50000.0
        assert server.emulator.tip_mm() == pytest.approx((5.0, 2.5))
    finally:
        server.stop()
