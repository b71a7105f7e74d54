"""Objectives: loop metrics (optionally of a named loop array), scalars, spectrum metrics and
user scalarizers, the sign convention, the last full bias cycle, and the errors of each."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.objectives import Objective, evaluate, last_cycle, load_function, unit_from_data
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


def test_minimised_objectives_are_negated_internally_and_back() -> None:
    obj = Objective("c", "sspfm", "coercive_bias", "minimize")
    assert obj.sign == -1.0 and obj.to_internal(2.5) == -2.5 and obj.from_internal(-2.5) == 2.5
    assert Objective("h", "sspfm", "loop_height").to_internal(2.5) == 2.5


def test_last_cycle_starts_where_the_bias_last_rises_above_zero() -> None:
    two = triangle_waveform(8.0, 32, 2)
    sl = last_cycle(two)
    assert sl.stop == len(two) and 0 < sl.start < len(two)
    assert len(two[sl]) == len(two) // 2
    short = np.array([0.0, 1.0, -1.0, 0.5])  # no full cycle of 8 points: the whole array
    assert last_cycle(short) == slice(0, 4)


def test_scalars_and_spectrum_metrics() -> None:
    m = Measurement(5, 0.0, 0.0, {"beps.data": np.array([1.0, 3.0, 2.0])}, scalars={"height": 4.0})
    objectives = [
        Objective("h", "scalar", "height"),
        Objective("peak", "beps", "max"),
        Objective("span", "beps", "peak_to_peak"),
    ]
    values = evaluate(objectives, m)
    assert values["h"] == 4.0
    assert values["peak"] == 3.0 and values["span"] == 2.0


def test_missing_scalar_and_channel_name_what_exists() -> None:
    m = Measurement(5, 0.0, 0.0, {"beps.data": np.ones(3)}, scalars={"height": 1.0})
    with pytest.raises(MeasurementError, match=r"no scalar 'width'; has \['height'\]"):
        evaluate([Objective("w", "scalar", "width")], m)
    with pytest.raises(MeasurementError, match="has no channel 'sspfm2'"):
        evaluate([Objective("p", "sspfm2", "max")], m)


def test_a_user_scalarizer_is_imported_and_its_failure_is_per_location(tmp_path, monkeypatch):
    (tmp_path / "my_scalar.py").write_text(
        "def total(arrays):\n    return float(arrays['data'].sum())\n\n"
        "def broken(arrays):\n    raise RuntimeError('bad spectrum')\n\nnot_callable = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    m = Measurement(2, 0.0, 0.0, {"beps.data": np.array([1.0, 2.0])})
    assert evaluate([Objective("t", "beps", "x", function="my_scalar:total")], m) == {"t": 3.0}
    with pytest.raises(MeasurementError, match="'my_scalar:broken' failed at location 2"):
        evaluate([Objective("b", "beps", "x", function="my_scalar:broken")], m)
    with pytest.raises(ConfigError, match="is not callable"):
        load_function("my_scalar:not_callable")
    with pytest.raises(ConfigError, match=r"must look like 'package\.module:callable'"):
        load_function("my_scalar")
    with pytest.raises(ConfigError, match="cannot import scalarizer 'nope_mod:f'"):
        load_function("nope_mod:f")


def test_units_an_objective_takes_from_its_data() -> None:
    units = {"beps.pr_off": "pm/V", "beps.bias_v": "V", "kerr": "mrad", "xrd.counts": "1/s"}
    loop = {m: Objective("o", "beps", m) for m in ("loop_height", "loop_area", "imprint")}
    assert unit_from_data(loop["loop_height"], units) == "pm/V"
    assert unit_from_data(loop["loop_area"], units) == "pm/V·V"
    assert unit_from_data(loop["imprint"], units) == "V"
    assert unit_from_data(Objective("r2", "beps", "fit_r2"), units) == ""
    assert unit_from_data(Objective("k", "scalar", "kerr"), units) == "mrad"
    assert unit_from_data(Objective("p", "xrd", "max"), units) == "1/s"
    assert unit_from_data(Objective("h", "other", "loop_height"), units) is None
    assert unit_from_data(Objective("f", "beps", "c", function="m:f"), units) is None
