"""Contract every `hardware.protocols.Stage` back end passes (simulated, Zaber, Prior, ...).

Subclass `StageContract` and implement `make_stage()` returning (stage, clock); the stage must be
connected to a fresh (emulated or simulated) controller with at least 0..20 mm of travel.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hardware.errors import HardwareError
from hardware.protocols import Stage, StageStatus


class StageContract:
    tolerance_mm = 0.005

    def make_stage(self) -> tuple[Stage, Any]:
        raise NotImplementedError

    def test_is_a_stage(self) -> None:
        stage, _ = self.make_stage()
        assert isinstance(stage, Stage)
        (x0, x1), (y0, y1) = stage.travel_mm
        assert x0 < x1 and y0 < y1

    def test_connect_home_move_and_read_back(self) -> None:
        stage, clock = self.make_stage()
        assert isinstance(stage.connect(timeout_s=10), StageStatus)
        st = stage.home(timeout_s=300)
        assert st.referenced and not st.moving and not st.faults
        t0 = clock.now_s()
        st = stage.move_to(12.5, 7.25, timeout_s=120)
        assert clock.now_s() > t0  # moving costs (virtual) time
        assert abs(st.x_mm - 12.5) <= self.tolerance_mm and abs(st.y_mm - 7.25) <= self.tolerance_mm
        again = stage.status(timeout_s=10)
        assert (again.x_mm, again.y_mm) == (st.x_mm, st.y_mm) and again.referenced

    def test_moves_are_repeatable(self) -> None:
        stage, _ = self.make_stage()
        stage.connect(timeout_s=10)
        stage.home(timeout_s=300)
        for x, y in ((3.0, 4.0), (15.0, 1.0), (3.0, 4.0)):
            st = stage.move_to(x, y, timeout_s=120)
            assert abs(st.x_mm - x) <= self.tolerance_mm and abs(st.y_mm - y) <= self.tolerance_mm

    def test_controller_limits_refuse_targets_outside(self) -> None:
        stage, _ = self.make_stage()
        stage.connect(timeout_s=10)
        stage.home(timeout_s=300)
        stage.set_limits((0.0, 10.0), (0.0, 10.0), timeout_s=10)
        with pytest.raises(HardwareError):
            stage.move_to(15.0, 5.0, timeout_s=60)

    def test_stop_is_safe_from_another_thread_and_idempotent(self) -> None:
        stage, _ = self.make_stage()
        stage.connect(timeout_s=10)
        stage.home(timeout_s=300)
        threads = [threading.Thread(target=stage.stop) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stage.stop()
        assert not stage.status(timeout_s=10).moving
        stage.close()
