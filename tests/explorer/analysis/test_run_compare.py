"""Run comparison: group statistics equal numpy's over the per-run curves; one hypervolume
reference for all runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.metrics import objective_matrix, signs
from explorer.analysis.run_compare import compare_runs, final_table
from explorer.analysis.rundata import RunData
from explorer.pareto import hypervolume


def test_group_statistics_are_numpy_statistics(sim_runs: list[Path]) -> None:
    c = compare_runs(sim_runs)
    assert set(c.summary["group"]) == {"random", "sobol"}
    curves = {p: RunData.load(p).best_so_far("loop_height") for p in sim_runs}
    random = [curves[p] for p in sim_runs[:3]]
    s = c.summary.set_index(["group", "metric", "objective", "step"])
    for step in range(1, 9):
        at = np.array([r[step - 1] for r in random])
        row = s.loc[("random", "best_so_far", "loop_height", step)]
        assert row["n_runs"] == 3
        assert row["median"] == pytest.approx(np.median(at))
        assert row["q25"] == pytest.approx(np.quantile(at, 0.25))
        assert row["q75"] == pytest.approx(np.quantile(at, 0.75))
    travel = c.curves[
        (c.curves["metric"] == "stage_travel") & (c.curves["run"] == str(sim_runs[0]))
    ]
    xy = RunData.load(sim_runs[0]).positions_mm
    assert travel["value"].iloc[-1] == pytest.approx(np.hypot(*np.diff(xy, axis=0).T).sum())
    sobol = c.summary[c.summary["group"] == "sobol"]
    assert sobol["step"].max() == 6 and set(sobol["n_runs"]) == {2}  # shorter runs: own length
    assert c.reference is None  # one objective: no hypervolume
    table = final_table(c)
    assert list(table["n_runs"]) == [3, 3, 2, 2]
    assert set(table["metric"]) == {"best_so_far", "stage_travel"}


def test_hypervolume_uses_one_reference_for_all_runs(replay_runs: list[Path]) -> None:
    c = compare_runs(replay_runs)
    assert c.reference is not None and c.reference.source == "derived"
    names, dirs = ["kerr", "coercivity"], ["maximize", "minimize"]
    ref = c.reference.internal(names, dirs)
    pooled = np.vstack([objective_matrix(RunData.load(p), names) for p in replay_runs])
    assert np.all(pooled * signs(dirs) > ref)  # the reference is worse than every point
    hv = c.curves[c.curves["metric"] == "hypervolume"]
    for p in replay_runs:
        run = RunData.load(p)
        mine = hv[hv["run"] == str(p)].sort_values("step")["value"].to_numpy()
        assert np.all(np.diff(mine) >= -1e-12)
        assert mine[-1] == pytest.approx(
            hypervolume(objective_matrix(run, names) * signs(dirs), ref)
        )
    classes = c.curves[c.curves["metric"] == "classes_found"]
    assert not classes.empty and classes["value"].max() <= 3
    assert set(c.summary["metric"]) == {
        "best_so_far",
        "hypervolume",
        "classes_found",
        "stage_travel",
    }
