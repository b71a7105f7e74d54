"""The hand-off instrument (measurements made by the caller's code) passes the Instrument
contract, and refuses to invent a measurement it was not given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hardware.errors import MeasurementError
from hardware.handoff import HandoffInstrument
from hardware.protocols import Instrument, Measurement
from tests.contracts.instrument_contract import InstrumentContract


def spectrum(lid: int, x_mm: float, y_mm: float) -> Measurement:
    """What the caller's own code measured: a deterministic spectrum of the location."""
    bias_v = np.linspace(-5.0, 5.0, 32)
    return Measurement(
        lid,
        x_mm,
        y_mm,
        {"spec.bias": bias_v, "spec.signal": np.sin(bias_v + x_mm) * (1.0 + y_mm)},
        durations_s={"measure": 2.0},
        t_start_s=10.0 * lid,
        t_end_s=10.0 * lid + 2.0,
    )


class TestHandoffInstrument(InstrumentContract):
    def make_instrument(self, tmp_path: Path) -> Instrument:
        return HandoffInstrument(("spec",))

    def _measure(self, inst: Instrument, k: int = 0) -> Measurement:
        lid, x, y = self.locations[k]
        assert isinstance(inst, HandoffInstrument)
        inst.hand_in(spectrum(lid, x, y))
        return inst.measure_at(lid, x, y, timeout_s=self.timeout_s)


def test_nothing_handed_in_is_a_measurement_error() -> None:
    inst = HandoffInstrument(("spec",))
    with pytest.raises(MeasurementError, match="no measurement was handed in"):
        inst.measure_at(3, 1.0, 1.0, timeout_s=1.0)
    inst.hand_in(spectrum(3, 1.0, 1.0))
    with pytest.raises(MeasurementError, match="location 7"):
        inst.measure_at(7, 2.5, 0.5, timeout_s=1.0)  # handed in for another location
    inst.close()
