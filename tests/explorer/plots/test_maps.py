"""draw_library_map: the library outline, the visit path through every measured location in
order, a colour per usable value with its colour bar, and the best location starred."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.map_figure_data import library_map_data
from explorer.analysis.rundata import RunData
from explorer.plots.maps import draw_library_map
from explorer.plots.style import figure


def test_map_of_a_simulated_run(so_run: Path) -> None:
    d = library_map_data(RunData.load(so_run))
    fig = figure()
    ax = draw_library_map(d, fig.add_subplot())
    path = next(line for line in ax.get_lines() if line.get_label() == "visit path")
    np.testing.assert_array_equal(path.get_xdata(), d.x_mm)
    (values,) = [c for c in ax.collections if c.get_array() is not None]
    assert len(values.get_offsets()) == int((np.isfinite(d.values) & d.feasible).sum())
    (rec,) = [c for c in ax.collections if str(c.get_label()).startswith("recommended")]
    assert d.recommended_xy_mm is not None and len(d.recommended_xy_mm) == 1
    np.testing.assert_allclose(rec.get_offsets(), d.recommended_xy_mm)
    assert len(fig.axes) == 2  # the map and its colour bar
    assert f"({len(d.x_mm)} locations)" in ax.get_title()
    assert [t.get_text() for t in ax.texts][-2:] == ["1", str(len(d.x_mm))]
