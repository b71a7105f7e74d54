"""Front figures: every finite measurement in objective space coloured by step, and the
hypervolume as a step curve over the measurement number with its reference in the title."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.front_figure_data import hypervolume_data, pareto_data
from explorer.analysis.rundata import RunData
from explorer.plots.fronts import draw_hypervolume, draw_pareto
from explorer.plots.style import figure


def test_pareto_scatter_holds_every_finite_measurement(mo_run: Path) -> None:
    d = pareto_data(RunData.load(mo_run))
    ax = draw_pareto(d, figure().add_subplot())
    first = ax.collections[0]
    finite = np.all(np.isfinite(d.values), axis=1)
    np.testing.assert_array_equal(first.get_offsets(), d.values[finite])
    np.testing.assert_array_equal(first.get_array(), d.step[finite])


def test_hypervolume_curve_follows_the_data(mo_run: Path) -> None:
    d = hypervolume_data(RunData.load(mo_run))
    ax = draw_hypervolume(d, figure().add_subplot())
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), d.hypervolume)
    assert ax.get_xlabel() == "measurement number"
    assert d.ref.source in ax.get_title()
