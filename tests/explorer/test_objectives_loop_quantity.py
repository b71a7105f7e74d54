"""Loop objectives may name the loop array (`quantity:`), e.g. a replayed `beps.piezoresponse`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.objectives import Objective, evaluate
from hardware.errors import MeasurementError
from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform
from hardware.protocols import Measurement


def _measurement() -> Measurement:
    bias = triangle_waveform(8.0, 64, 1)
    rising = branch_directions(bias)
    big = loop_model(LoopParams(0.0, 3.0, 2.0, -2.0, 0.5), bias, rising)
    small = loop_model(LoopParams(0.0, 1.0, 2.0, -2.0, 0.5), bias, rising)
    return Measurement(
        0, 0.0, 0.0, {"beps.bias_v": bias, "beps.piezoresponse": big, "beps.pr_off": small}
    )


def test_quantity_selects_the_loop_array_and_fits_are_not_shared() -> None:
    objs = [
        Objective("named", "beps", "loop_height", quantity="piezoresponse"),
        Objective("default", "beps", "loop_height"),
    ]
    values = evaluate(objs, _measurement())
    assert values["named"] == pytest.approx(3 * values["default"], rel=1e-3)
    assert math.isclose(values["default"], 2 * np.tanh(2.0 / 0.5), rel_tol=1e-3)


def test_missing_named_loop_is_a_structural_error() -> None:
    with pytest.raises(MeasurementError, match=r"beps\.amplitude"):
        evaluate([Objective("x", "beps", "loop_area", quantity="amplitude")], _measurement())
