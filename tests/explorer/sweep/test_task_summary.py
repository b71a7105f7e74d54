"""Sweep summaries: the simulator's noise-free truth per location and its optimum, and one
results row plus long-format curves per run that agree with the run's own log."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.engine.restore import load_run_config
from explorer.sweep.task_summary import ground_truth, summarise


def test_truth_covers_the_library_and_bounds_every_measurement(so_run: Path) -> None:
    truth = ground_truth(load_run_config(so_run))["loop_height"]
    run = RunData.load(so_run)
    assert set(run.location_ids.tolist()) <= set(truth.by_location)
    assert truth.optimum == max(truth.by_location.values())


def test_row_and_curves_follow_the_log(so_run: Path) -> None:
    run = RunData.load(so_run)
    truth = ground_truth(load_run_config(so_run))
    result = summarise(run, {"task": "t"}, truth)
    row = result.row
    assert row["task"] == "t" and row["status"] == run.stopped.status and row["n_measured"] == 10
    assert row["best_loop_height"] == run.best_so_far("loop_height")[-1]
    true_values = [truth["loop_height"].by_location[int(i)] for i in run.location_ids]
    assert row["true_best_loop_height"] == max(true_values)
    assert row["true_optimum_loop_height"] <= truth["loop_height"].optimum
    steps = [c["step"] for c in result.curves]
    assert steps == list(range(1, 11))
    np.testing.assert_array_equal(
        [c["best_so_far"] for c in result.curves], run.best_so_far("loop_height")
    )


def test_without_truth_the_truth_columns_are_nan(so_run: Path) -> None:
    row = summarise(RunData.load(so_run), {}, {}).row
    assert math.isnan(row["true_best_loop_height"]) and math.isnan(row["true_optimum_loop_height"])
