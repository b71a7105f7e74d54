"""Time-budget figures: one bar per category labelled with its share, and a cumulative stack
whose top is the total time per measurement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.budget_figure_data import time_budget_data
from explorer.analysis.rundata import RunData
from explorer.plots.budget import draw_time_budget, draw_time_cumulative
from explorer.plots.style import figure


def test_bars_and_their_share_labels(so_run: Path) -> None:
    d = time_budget_data(RunData.load(so_run))
    ax = draw_time_budget(d, figure().add_subplot())
    assert len(ax.patches) == len(d.categories)
    shares = [t.get_text() for t in ax.texts]
    assert len(shares) == len(d.categories) and all(s.endswith("%)") for s in shares)
    assert f"{len(d.per_measurement_s)} measurements" in ax.get_title()


def test_cumulative_stack_reaches_the_total(so_run: Path) -> None:
    d = time_budget_data(RunData.load(so_run))
    ax = draw_time_cumulative(d, figure().add_subplot())
    assert len(ax.collections) == len(d.categories)
    _, scale = d.unit
    top = np.cumsum(d.per_measurement_s, axis=0).sum(axis=1)[-1] / scale
    assert top == pytest.approx(d.total_s.sum() / scale)
    assert ax.get_ylim()[1] >= top
