"""Time-budget data add up to the logged phase durations."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.budget_figure_data import time_budget_data
from explorer.analysis.rundata import RunData


# ---- time budget ------------------------------------------------------------------------------
def test_time_budget_adds_up(so_run: Path, replay_run: Path) -> None:
    run = RunData.load(so_run)
    d = time_budget_data(run)
    expected = run.time_budget_s()
    assert d.categories == ("move", "approach", "tune", "settle", "measure", "overhead", "decide")
    assert np.allclose(d.total_s, [expected[c] for c in d.categories])
    assert np.allclose(
        d.per_measurement_s[:, :-1].sum(axis=1), [m.duration_s for m in run.measured]
    )
    assert d.total_s[-1] > 0 and d.unit[0] == "min"
    replay = time_budget_data(RunData.load(replay_run))
    assert replay.categories == ("measure", "decide") and replay.unit == ("s", 1.0)
