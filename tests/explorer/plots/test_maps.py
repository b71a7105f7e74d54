"""draw_library_map: the library outline, a colour per usable value (robust range, clipped
values as triangles) with its colour bar, the best location starred and the composition axis;
draw_visit_order: markers graded by measurement number, numbered, joined by a faint path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from explorer.analysis.colour_range import robust_range
from explorer.analysis.map_figure_data import library_map_data
from explorer.analysis.rundata import RunData
from explorer.plots.maps import draw_library_map, draw_visit_order
from explorer.plots.style import figure, save


def test_map_of_a_simulated_run(so_run: Path, tmp_path: Path) -> None:
    d = library_map_data(RunData.load(so_run))
    fig = figure()
    ax = draw_library_map(d, fig.add_subplot())
    (values,) = [c for c in ax.collections if c.get_array() is not None]
    assert len(values.get_offsets()) == int((np.isfinite(d.values) & d.feasible).sum())
    (rec,) = [c for c in ax.collections if str(c.get_label()).startswith("recommended")]
    assert d.recommended_xy_mm is not None and len(d.recommended_xy_mm) == 1
    np.testing.assert_allclose(rec.get_offsets(), d.recommended_xy_mm)
    assert len(fig.axes) == 2  # the map and its colour bar
    assert f"({len(d.x_mm)} locations)" in ax.get_title()
    (top,) = [c for c in ax.child_axes]  # the secondary axis of the linear Sm gradient
    assert top.get_xlabel() == "Sm fraction"
    save(fig, tmp_path / "map.png")


def test_clipped_values_are_triangles_in_the_legend(so_run: Path) -> None:
    d = library_map_data(RunData.load(so_run))
    values = d.values.copy()
    values[0] = 100 * np.nanmax(np.abs(values))  # one wild outlier
    outlier = dataclasses.replace(d, values=values, colour=robust_range(values), best=None)
    ax = draw_library_map(outlier, figure().add_subplot())
    (tri,) = [c for c in ax.collections if str(c.get_label()).startswith("above colour range")]
    np.testing.assert_allclose(tri.get_offsets(), [[d.x_mm[0], d.y_mm[0]]])
    (values_art,) = [c for c in ax.collections if c.get_array() is not None]
    assert values_art.norm.vmax < values[0]


def test_visit_order_is_graded_and_numbered(so_run: Path) -> None:
    d = library_map_data(RunData.load(so_run))
    fig = figure()
    ax = draw_visit_order(d, fig.add_subplot())
    path = next(line for line in ax.get_lines() if line.get_label() == "visit path")
    np.testing.assert_array_equal(path.get_xdata(), d.x_mm)
    assert path.get_alpha() is not None and path.get_alpha() < 0.5  # faint
    (graded,) = [c for c in ax.collections if c.get_array() is not None]
    np.testing.assert_array_equal(graded.get_array(), np.arange(1, len(d.x_mm) + 1))
    numbers = [t.get_text() for t in ax.texts]
    assert numbers[0] == "1" and numbers[-1] == str(len(d.x_mm))
    assert fig.axes[-1].get_ylabel() == "measurement number"
