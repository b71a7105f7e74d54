"""The simulated stage passes the Stage contract."""

from __future__ import annotations

from hardware.clock import SimClock
from hardware.sim import SimTiming
from hardware.stages.sim import SimStage
from tests.contracts.stage_contract import StageContract
from tests.hardware.stages.stage_kit import TRAVEL, sim_world


class TestSimStage(StageContract):
    def make_stage(self):
        clock = SimClock()
        return SimStage(sim_world(clock), SimTiming(), travel_mm=TRAVEL), clock
