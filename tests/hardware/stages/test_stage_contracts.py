"""Every stage back end passes the Stage contract."""

from __future__ import annotations

from hardware.emulators import emulator_for, register_url_handler
from hardware.journal import Journal
from hardware.stages.prior_proscan import PriorProScanStage
from hardware.transport import SerialTransport
from tests.contracts.stage_contract import StageContract
from tests.hardware.stages.stage_kit import NAMES, TRAVEL, zaber_stage


class TestZaberStage(StageContract):
    def make_stage(self):
        return zaber_stage()


class TestPriorStage(StageContract):
    def make_stage(self):
        register_url_handler()
        url = f"emu://prior?name=contract{next(NAMES)}&travel_mm=50"
        emu = emulator_for(url)
        t = SerialTransport(url, Journal(None, emu.clock.now_s), source="stage", eol=b"\r")
        return PriorProScanStage(t, emu.clock, um_per_count=1.0, travel_mm=TRAVEL), emu.clock
