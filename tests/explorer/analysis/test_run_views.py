"""Run views: objective units and labels, where every measurement came from (design picks of a
two-phase run versus model picks), the first model step and the best finite value."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from explorer.analysis.run_views import (
    best_index,
    first_model_step,
    objective_label,
    objective_unit,
    origins,
    suggestion_of_each_measurement,
    with_unit,
)
from explorer.analysis.rundata import RunData


def test_units_come_from_the_yaml_then_the_metric() -> None:
    assert objective_unit({"metric": "coercive_bias"}) == "V"
    assert objective_unit({"metric": "coercive_bias", "unit": "mV"}) == "mV"
    assert objective_unit({"metric": "something_else"}) == ""
    assert with_unit("loop_height", "a.u.") == "loop height (a.u.)"
    assert with_unit("score", "") == "score"


def test_two_phase_run_starts_with_design_then_the_model(so_run: Path) -> None:
    run = RunData.load(so_run)
    kinds = origins(run)
    assert len(kinds) == len(run.measured) == 10
    assert kinds[:4] == ["design"] * 4 and set(kinds[4:]) == {"strategy"}
    assert first_model_step(run) == 5
    suggestions = suggestion_of_each_measurement(run)
    assert [s.location_id for s in suggestions] == [m.location_id for m in run.measured]


def test_a_model_free_run_has_no_model_step(mo_run: Path) -> None:
    assert first_model_step(RunData.load(mo_run)) is None


def test_labels_carry_the_metric_unit(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    assert objective_label(run, "coercive_bias").endswith("(V)")


def test_best_index_respects_direction_and_skips_nan() -> None:
    values = np.array([2.0, math.nan, 5.0, -1.0])
    assert best_index(values, "maximize") == 2
    assert best_index(values, "minimize") == 3
    assert best_index(np.array([math.nan]), "maximize") is None
