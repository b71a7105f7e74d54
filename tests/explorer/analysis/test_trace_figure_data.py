"""Trace data: best-so-far per step and the step the model took over."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.analysis.trace_figure_data import trace_data


def test_trace_data_best_so_far_and_model_start(so_run: Path, synthetic_run: Path) -> None:
    d = trace_data(RunData.load(so_run))
    assert np.all(np.diff(d.best) >= 0)
    assert d.best[-1] == np.nanmax(d.values)
    assert d.model_from == 5  # sobol n=4, then gp_bo
    syn = trace_data(RunData.load(synthetic_run), "coercive_bias")
    assert syn.direction == "minimize" and np.all(np.diff(syn.best) <= 0)
    assert "queue" in syn.origins and syn.label == "coercive bias (V)"
