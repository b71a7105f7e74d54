"""draw_ternary: the measured compositions at their triangle coordinates, coloured by value,
over the candidate compositions, with the element names at the corners and a colour bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.rundata import RunData
from explorer.analysis.ternary_figure_data import ternary_data, ternary_xy
from explorer.plots.style import figure, save
from explorer.plots.ternary import draw_ternary


def test_ternary_of_a_ternary_library(ternary_run: Path, tmp_path: Path) -> None:
    d = ternary_data(RunData.load(ternary_run))
    fig = figure(3.5, 3.2)
    ax = draw_ternary(d, fig.add_subplot())
    pts = ternary_xy(d.measured)
    path = next(line for line in ax.get_lines() if len(line.get_xdata()) == len(pts))
    np.testing.assert_allclose(path.get_xdata(), pts[:, 0])
    ok = np.isfinite(d.values)
    coloured = [c for c in ax.collections if len(c.get_offsets()) == int(ok.sum())]
    assert coloured and np.allclose(coloured[0].get_offsets(), pts[ok])
    corner_labels = {t.get_text() for t in ax.texts}
    assert all(any(t.startswith(e) for t in corner_labels) for e in d.elements)
    assert len(fig.axes) == 2 and f"dots: {len(pts)} measured" in ax.get_title()
    assert save(fig, tmp_path / "ternary.png").stat().st_size > 10_000
