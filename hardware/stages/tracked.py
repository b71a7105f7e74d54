"""A real (or emulated) stage carrying a simulated sample: the SimWorld follows the read-back.

Used when `instrument: {kind: lab, pfm: {kind: sim}}`: the Zaber/Prior driver really moves (an
emulator or a stage on the bench) and the simulated probe/PFM measure the simulated sample at
the position the stage reports.
"""

from __future__ import annotations

from hardware.protocols import Range, Site, Stage, StageStatus
from hardware.sim import SimWorld


class TrackedStage:
    """Delegates to `stage`; every status updates `world.xy_mm`."""

    def __init__(self, stage: Stage, world: SimWorld) -> None:
        self.inner = stage
        self.world = world
        self.travel_mm = stage.travel_mm
        self.simulated = stage.simulated

    def _track(self, status: StageStatus) -> StageStatus:
        self.world.xy_mm = (status.x_mm, status.y_mm)
        return status

    def connect(self, *, timeout_s: float) -> StageStatus:
        return self._track(self.inner.connect(timeout_s=timeout_s))

    def home(self, *, timeout_s: float) -> StageStatus:
        return self._track(self.inner.home(timeout_s=timeout_s))

    def set_limits(self, x_mm: Range, y_mm: Range, *, timeout_s: float) -> None:
        self.inner.set_limits(x_mm, y_mm, timeout_s=timeout_s)

    def move_to(self, x_mm: float, y_mm: float, *, timeout_s: float) -> StageStatus:
        return self._track(self.inner.move_to(x_mm, y_mm, timeout_s=timeout_s))

    def status(self, *, timeout_s: float) -> StageStatus:
        return self._track(self.inner.status(timeout_s=timeout_s))

    def stop(self) -> None:
        self.inner.stop()

    def enter_site(self, site: Site) -> None:
        self.world.enter_site(site)

    def close(self) -> None:
        self.inner.close()
