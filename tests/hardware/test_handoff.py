"""HandoffInstrument: serves the measurement handed in for the location asked for, once; any
other request is a clear error naming the API to use; abort and close drop what was handed in."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.errors import MeasurementError
from hardware.handoff import HandoffInstrument
from hardware.protocols import Instrument, Measurement


def _m(location_id: int) -> Measurement:
    return Measurement(location_id, 1.0, 2.0, {"beps.data": np.ones(3)}, scalars={"h": 2.0})


def test_the_handed_in_measurement_is_served_once() -> None:
    inst = HandoffInstrument(("beps",))
    assert isinstance(inst, Instrument) and inst.channels == ("beps",)
    m = _m(7)
    inst.hand_in(m)
    assert inst.measure_at(7, 1.0, 2.0, timeout_s=1.0) is m
    with pytest.raises(MeasurementError, match="no measurement was handed in"):
        inst.measure_at(7, 1.0, 2.0, timeout_s=1.0)


def test_another_location_is_refused_and_names_the_api() -> None:
    inst = HandoffInstrument()
    inst.hand_in(_m(7))
    with pytest.raises(MeasurementError, match=r"location 8: .*Experiment\.tell"):
        inst.measure_at(8, 0.0, 0.0, timeout_s=1.0)


@pytest.mark.parametrize("stop", ["abort", "close"])
def test_abort_and_close_drop_the_pending_measurement(stop: str) -> None:
    inst = HandoffInstrument()
    inst.hand_in(_m(3))
    getattr(inst, stop)()
    with pytest.raises(MeasurementError):
        inst.measure_at(3, 1.0, 2.0, timeout_s=1.0)
