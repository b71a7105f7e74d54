"""Ternary-plot data: compositions and their triangle coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.geometry import library_geometry
from explorer.analysis.posterior import PlotUnavailableError
from explorer.analysis.rundata import RunData
from explorer.analysis.ternary_figure_data import barycentric_lattice, ternary_data, ternary_xy


# ---- ternary ----------------------------------------------------------------------------------
def test_ternary_data_compositions(ternary_run: Path, so_run: Path) -> None:
    run = RunData.load(ternary_run)
    d = ternary_data(run)
    assert d.elements == ("Al", "Sc", "B")
    assert np.allclose(d.measured.sum(axis=1), 1.0) and np.all(d.measured >= -1e-9)
    geom = library_geometry(run)
    rows = [int(np.flatnonzero(geom.ids == lid)[0]) for lid in run.location_ids]
    assert np.allclose(d.measured, geom.fractions[rows])
    corners = ternary_xy(np.eye(3))
    assert np.allclose(corners, [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])
    with pytest.raises(PlotUnavailableError, match="ternary"):
        ternary_data(RunData.load(so_run))


def test_the_barycentric_lattice_tiles_the_triangle() -> None:
    fractions, triangles = barycentric_lattice(6)
    assert len(fractions) == 28 and len(triangles) == 36  # (n+1)(n+2)/2 points, n² triangles
    assert np.allclose(fractions.sum(axis=1), 1.0) and fractions.min() >= 0
    xy = ternary_xy(fractions)
    a, b, c = (xy[triangles[:, k]] for k in range(3))
    area = 0.5 * np.abs((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])
    assert np.allclose(area, area[0]) and area.sum() == pytest.approx(np.sqrt(3) / 4)
