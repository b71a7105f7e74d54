"""draw_curve: a loop is drawn as its rising and falling branches with the fitted branches and
coercive-bias markers, titled with why it was chosen and where it was measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.analysis.spectra_figure_data import spectra_data
from explorer.plots.spectra import draw_curve
from explorer.plots.style import figure
from hardware.pfm.loops import branch_directions


def test_a_loop_with_its_fit(so_run: Path) -> None:
    curve = spectra_data(RunData.load(so_run)).curves[0]
    ax = draw_curve(curve, figure().add_subplot())
    rising, falling, fit_fwd, fit_rev, *markers = ax.get_lines()
    up = branch_directions(curve.x)
    np.testing.assert_array_equal(rising.get_xdata(), curve.x[up])
    np.testing.assert_array_equal(falling.get_ydata(), curve.y[~up])
    np.testing.assert_array_equal(fit_fwd.get_ydata(), curve.fit_forward)
    np.testing.assert_array_equal(fit_rev.get_ydata(), curve.fit_reverse)
    assert len(markers) == 2  # Vc+ and Vc-
    title = ax.get_title()
    assert curve.reasons[0] in title and f"location {curve.location_id}" in title and "R²" in title
    assert f"measurement {curve.index + 1} " in title  # the 1-based measurement number
