"""RunData over a real run directory: measurements in order, values and best-so-far in user
units and direction, raw arrays from disk, strategy labels, and a log that is not a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.rundata import RunData, strategy_label
from explorer.errors import InputFileError


def test_measurements_values_and_positions_agree(so_run: Path) -> None:
    run = RunData.load(so_run)
    assert run.objective_names == ["loop_height"] and run.directions == {"loop_height": "maximize"}
    assert len(run.measured) == 10 and run.location_ids.shape == (10,)
    assert run.positions_mm.shape == (10, 2)
    values = run.values("loop_height")
    np.testing.assert_array_equal(values, [m.objectives["loop_height"] for m in run.measured])
    np.testing.assert_array_equal(run.best_so_far("loop_height"), np.maximum.accumulate(values))
    assert run.stopped is not None and run.strategy_label == "sobol→gp_bo(ucb)"


def test_minimised_best_so_far_goes_down(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    best = run.best_so_far("coercive_bias")
    np.testing.assert_array_equal(best, np.minimum.accumulate(run.values("coercive_bias")))


def test_raw_arrays_come_from_the_run_directory(so_run: Path) -> None:
    run = RunData.load(so_run)
    raw = run.raw(0)
    assert "sspfm.bias_v" in raw and raw["sspfm.bias_v"].ndim == 1


def test_time_budget_and_hours_are_the_logged_durations(so_run: Path) -> None:
    run = RunData.load(so_run)
    budget = run.time_budget_s()
    total = sum(sum(m.durations_s.values()) for m in run.measured)
    assert sum(v for k, v in budget.items() if k != "decide") == pytest.approx(total)
    assert budget["decide"] >= 0 and run.instrument_hours.shape == (10,)


def test_an_empty_log_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("")
    with pytest.raises(InputFileError, match="does not start with run_started"):
        _ = RunData.load(tmp_path).started


def test_strategy_labels() -> None:
    assert strategy_label({"kind": "gp_bo", "acquisition": "ucb"}) == "gp_bo(ucb)"
    assert strategy_label({"kind": "skopt", "acq_func": "EI"}) == "skopt(EI)"
    assert strategy_label({"kind": "exclude", "wrapped": {"kind": "random"}}) == "exclude(random)"
    assert strategy_label({}) == "?"
