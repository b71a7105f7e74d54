"""Every stage back end passes the Stage contract."""

from __future__ import annotations

import itertools

from hardware.clock import SimClock
from hardware.emulators import emulator_for, register_url_handler
from hardware.journal import Journal
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.sim import SimTiming, SimWorld
from hardware.stages.prior_proscan import PriorProScanStage
from hardware.stages.sim import SimStage
from hardware.stages.tracked import TrackedStage
from hardware.stages.zaber_ascii import ZaberAsciiStage
from hardware.transport import SerialTransport
from tests.contracts.stage_contract import StageContract

_names = itertools.count()
TRAVEL = ((0.0, 50.0), (0.0, 50.0))


def _world(clock) -> SimWorld:
    return SimWorld(SmBFOSample(SmBFOParams(), 1), lambda x, y: {"Sm": 0.1}, 1, clock)


def _zaber() -> tuple[ZaberAsciiStage, SimClock]:
    register_url_handler()
    url = f"emu://zaber?name=contract{next(_names)}&travel_mm=50"
    emu = emulator_for(url)
    t = SerialTransport(url, Journal(None, emu.clock.now_s), source="stage")
    return ZaberAsciiStage(t, emu.clock, microstep_um=0.1, travel_mm=TRAVEL), emu.clock


class TestSimStage(StageContract):
    def make_stage(self):
        clock = SimClock()
        return SimStage(_world(clock), SimTiming(), travel_mm=TRAVEL), clock


class TestZaberStage(StageContract):
    def make_stage(self):
        return _zaber()


class TestPriorStage(StageContract):
    def make_stage(self):
        register_url_handler()
        url = f"emu://prior?name=contract{next(_names)}&travel_mm=50"
        emu = emulator_for(url)
        t = SerialTransport(url, Journal(None, emu.clock.now_s), source="stage", eol=b"\r")
        return PriorProScanStage(t, emu.clock, um_per_count=1.0, travel_mm=TRAVEL), emu.clock


class TestTrackedZaberStage(StageContract):
    def make_stage(self):
        stage, clock = _zaber()
        world = _world(clock)
        tracked = TrackedStage(stage, world)
        return tracked, clock

    def test_world_follows_the_read_back(self) -> None:
        tracked, _ = self.make_stage()
        tracked.connect(timeout_s=10)
        tracked.home(timeout_s=300)
        tracked.move_to(4.0, 2.0, timeout_s=60)
        assert tracked.world.xy_mm == (4.0, 2.0)
