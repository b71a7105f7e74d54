"""A tracked stage (the world follows the read-back) passes the Stage contract."""

from __future__ import annotations

from hardware.stages.tracked import TrackedStage
from tests.contracts.stage_contract import StageContract
from tests.hardware.stages.stage_kit import sim_world, zaber_stage


class TestTrackedZaberStage(StageContract):
    def make_stage(self):
        stage, clock = zaber_stage()
        world = sim_world(clock)
        tracked = TrackedStage(stage, world)
        return tracked, clock

    def test_world_follows_the_read_back(self) -> None:
        tracked, _ = self.make_stage()
        tracked.connect(timeout_s=10)
        tracked.home(timeout_s=300)
        tracked.move_to(4.0, 2.0, timeout_s=60)
        assert tracked.world.xy_mm == (4.0, 2.0)
