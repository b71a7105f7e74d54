"""Contract every `hardware.protocols.Instrument` back end passes (sim, lab with an emulated
stage, replay, ...).

Subclass `InstrumentContract` and implement `make_instrument(tmp_path)`; `locations` are
(location_id, x_mm, y_mm) the back end can measure. Set `deterministic = False` for back ends
whose data legitimately differ between two fresh instruments.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pytest

from hardware.errors import AbortedError
from hardware.protocols import TIME_CATEGORIES, Instrument, Measurement


class InstrumentContract:
    locations: tuple[tuple[int, float, float], ...] = ((3, 1.0, 1.0), (7, 2.5, 0.5))
    position_tolerance_mm = 0.01
    timeout_s = 900.0
    deterministic = True

    def make_instrument(self, tmp_path: Path) -> Instrument:
        raise NotImplementedError

    def _measure(self, inst: Instrument, k: int = 0) -> Measurement:
        lid, x, y = self.locations[k]
        return inst.measure_at(lid, x, y, timeout_s=self.timeout_s)

    def test_is_an_instrument_with_known_channels(self, tmp_path) -> None:
        inst = self.make_instrument(tmp_path)
        assert isinstance(inst, Instrument)
        assert inst.channels and all(isinstance(c, str) and c for c in inst.channels)
        inst.close()

    def test_measurement_shape_units_and_time(self, tmp_path) -> None:
        inst = self.make_instrument(tmp_path)
        for k, (lid, x, y) in enumerate(self.locations):
            m = self._measure(inst, k)
            assert m.location_id == lid
            assert abs(m.x_mm - x) <= self.position_tolerance_mm
            assert abs(m.y_mm - y) <= self.position_tolerance_mm
            assert m.arrays and {key.split(".")[0] for key in m.arrays} <= set(inst.channels)
            for key, arr in m.arrays.items():
                assert np.asarray(arr).dtype.kind in "fiu", key
            assert set(m.durations_s) <= set(TIME_CATEGORIES)
            assert all(v >= 0 and math.isfinite(v) for v in m.durations_s.values())
            assert m.duration_s > 0 and m.t_end_s >= m.t_start_s
            assert m.t_end_s - m.t_start_s == pytest.approx(m.duration_s, rel=1e-6, abs=1e-6)
        inst.close()

    def test_same_location_same_data_on_a_fresh_instrument(self, tmp_path) -> None:
        if not self.deterministic:
            pytest.skip("back end is not deterministic")
        a = self._measure(first := self.make_instrument(tmp_path / "a"))
        first.close()
        b = self._measure(second := self.make_instrument(tmp_path / "b"))
        second.close()
        assert a.arrays.keys() == b.arrays.keys()
        for key in a.arrays:
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key])

    def test_abort_is_idempotent_from_any_thread_and_stops_measuring(self, tmp_path) -> None:
        inst = self.make_instrument(tmp_path)
        self._measure(inst)
        threads = [threading.Thread(target=inst.abort) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        inst.abort()
        with pytest.raises(AbortedError):
            self._measure(inst, 1)
        inst.close()
