"""draw_trace: one marker series per origin, the best-so-far step line, the initial-design band
and labels from the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.analysis.trace_figure_data import trace_data
from explorer.plots.style import figure, save
from explorer.plots.traces import draw_trace


def test_trace_of_a_two_phase_run(so_run: Path, tmp_path: Path) -> None:
    d = trace_data(RunData.load(so_run))
    fig = figure()
    ax = draw_trace(d, fig.add_subplot())
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[-1] == "best feasible so far" and set(labels[:-1]) == set(d.origins)
    np.testing.assert_array_equal(ax.get_lines()[-1].get_ydata(), d.best)
    assert len(ax.patches) == 1  # the initial-design band before the model's first pick
    assert ax.get_xlabel() == "measurement number" and ax.get_ylabel() == d.label
    assert "maximize" in ax.get_title()
    assert save(fig, tmp_path / "trace.png").stat().st_size > 5_000
