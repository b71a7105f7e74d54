"""Simulated coarse stage: trapezoid-free constant-speed moves with enable/disable overhead (the
Jupiter sequence of reference §1.2), homing, repeatability noise and an optional stall."""

from __future__ import annotations

import math
import threading

from hardware.errors import HardwareError
from hardware.move_plan import HOME_XY_MM
from hardware.protocols import Range, Site, StageStatus
from hardware.sim import SimTiming, SimWorld


class SimStage:
    """Stage over the SimWorld. Read-back differs from the target by the repeatability noise."""

    simulated = True

    def __init__(
        self,
        world: SimWorld,
        timing: SimTiming,
        *,
        travel_mm: tuple[Range, Range] = ((-50.0, 50.0), (-50.0, 50.0)),
        repeatability_um: float = 1.0,
    ) -> None:
        self.world = world
        self.timing = timing
        self.travel_mm = travel_mm
        self.repeatability_um = repeatability_um
        self.referenced = False
        self.limits_mm = travel_mm
        self._stop = threading.Event()

    def _status(self) -> StageStatus:
        x, y = self.world.xy_mm
        return StageStatus(self.referenced, False, x, y)

    def connect(self, *, timeout_s: float) -> StageStatus:
        return self._status()

    def home(self, *, timeout_s: float) -> StageStatus:
        seconds = math.dist(self.world.xy_mm, HOME_XY_MM) / self.timing.home_speed_mm_per_s
        self.world.clock.sleep(min(seconds, timeout_s))
        self.world.xy_mm = HOME_XY_MM
        self.referenced = True
        return self._status()

    def set_limits(self, x_mm: Range, y_mm: Range, *, timeout_s: float) -> None:
        self.limits_mm = (x_mm, y_mm)

    def move_to(self, x_mm: float, y_mm: float, *, timeout_s: float) -> StageStatus:
        (x0, x1), (y0, y1) = self.limits_mm
        if not (x0 <= x_mm <= x1 and y0 <= y_mm <= y1):
            raise HardwareError(f"stage controller rejected ({x_mm}, {y_mm}) mm: beyond limits")
        t = self.timing
        travel = math.dist(self.world.xy_mm, (x_mm, y_mm))
        self._stop.clear()
        self.world.clock.sleep(t.stage_enable_s + travel / t.stage_speed_mm_per_s)
        rng = self.world.rng("stage")
        jitter = rng.normal(0.0, self.repeatability_um / 1000.0, 2)
        self.world.xy_mm = (x_mm + float(jitter[0]), y_mm + float(jitter[1]))
        self.world.clock.sleep(t.stage_disable_s)
        return self._status()

    def status(self, *, timeout_s: float) -> StageStatus:
        return self._status()

    def stop(self) -> None:
        self._stop.set()

    def enter_site(self, site: Site) -> None:
        self.world.enter_site(site)

    def close(self) -> None:
        return None
