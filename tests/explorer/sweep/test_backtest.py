"""Backtests on a small lookup table: one row per step, deterministic, the same in worker
processes and on a Dask cluster as inline."""

from __future__ import annotations

import numpy as np

from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.sweep.backtest import LookupTable, Problem, simulate_scenarios, summarize
from explorer.sweep.executors import dask_executor


def _problem() -> Problem:
    gx, gy = np.meshgrid(np.linspace(0.0, 1.0, 6), np.linspace(0.0, 1.0, 5))
    pos = np.column_stack([gx.ravel(), gy.ravel()])
    library = CandidateSet(np.arange(len(pos)), pos, pos.copy(), ("x_mm", "y_mm"))
    values = {"a": pos[:, 0] - (pos[:, 1] - 0.5) ** 2, "b": 1.0 - pos[:, 0] * pos[:, 1]}
    objectives = (Objective("a", "scalar", "a"), Objective("b", "scalar", "b"))
    return Problem(LookupTable(library, values), objectives, {"a": -1.0, "b": 0.0})


SCENARIOS = {"random": {"kind": "random"}, "sobol": {"kind": "sobol", "n": 8}}


def test_every_scenario_and_seed_gives_a_row_per_step() -> None:
    df = simulate_scenarios(_problem(), SCENARIOS, seeds=[0, 1], n_steps=8)
    assert len(df) == 2 * 2 * 8
    for _, run in df.groupby(["scenario", "seed"]):
        frac = run["hv_fraction"].to_numpy()
        assert run["location_id"].nunique() == 8
        assert np.all(np.diff(frac) >= -1e-12) and 0.0 < frac[-1] <= 1.0 + 1e-12
    table = summarize(df, (4, 8))
    assert table.loc["random", ("n_seeds", 8)] == 2


def test_worker_processes_and_a_dask_cluster_give_the_inline_result() -> None:
    inline = simulate_scenarios(_problem(), SCENARIOS, seeds=[3], n_steps=6)
    spawned = simulate_scenarios(_problem(), SCENARIOS, seeds=[3], n_steps=6, n_jobs=2)
    with dask_executor(None, 1) as executor:
        on_dask = simulate_scenarios(_problem(), SCENARIOS, seeds=[3], n_steps=6, executor=executor)
    columns = ["scenario", "seed", "step", "location_id", "hv_fraction"]
    assert inline[columns].equals(spawned[columns])
    assert inline[columns].equals(on_dask[columns])
