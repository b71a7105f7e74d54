"""Library geometry rebuilt from the logged config, and the grid raster used by field maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.analysis.geometry import grid_raster, library_geometry
from explorer.analysis.rundata import RunData
from explorer.engine.events import EventLog, RunStarted


def _run_with_library(tmp_path: Path, library: dict) -> RunData:
    with EventLog(tmp_path / "events.jsonl", fsync=False) as log:
        log.emit(
            RunStarted(
                run_id="r",
                name="r",
                seed=0,
                config={"library": library},
                versions={},
                channels=[],
                objectives=[],
                n_candidates=0,
                feature_names=[],
            )
        )
    return RunData.load(tmp_path)


def test_circle_outline_keep_outs_and_binary_composition(tmp_path: Path) -> None:
    lib = {
        "kind": "grid",
        "x_mm": [0, 10],
        "y_mm": [0, 10],
        "shape": [11, 11],
        "composition": {"kind": "linear", "element": "Sm", "range": [0.0, 0.2]},
        "outline": {"kind": "circle", "center_mm": [5, 5], "radius_mm": 5},
        "keep_out": [{"kind": "rect", "x_mm": [4, 6], "y_mm": [4, 6]}],
    }
    g = library_geometry(_run_with_library(tmp_path, lib))
    assert g.note == "" and g.elements == ("Sm",) and not g.is_ternary
    r = np.hypot(g.outline_mm[:, 0] - 5, g.outline_mm[:, 1] - 5)
    assert np.allclose(r, 5.0)
    assert len(g.keep_outs_mm) == 1
    inside_keep_out = (np.abs(g.positions_mm - 5) <= 1).all(axis=1)
    assert not inside_keep_out.any()
    assert np.allclose(g.fractions[:, 0], 0.02 * g.positions_mm[:, 0])
    c = g.composition_axis  # the Sm scale beside stage x
    assert c is not None and (c.element, c.axis) == ("Sm", 0)
    assert np.allclose(c.to_fraction(np.array([0.0, 5.0, 10.0])), [0.0, 0.1, 0.2])
    assert np.allclose(c.to_mm(np.array([0.05, 0.15])), [2.5, 7.5])


def test_ternary_outline_is_the_triangle(tmp_path: Path) -> None:
    corners = [[0, 0], [10, 0], [5, 8.66]]
    lib = {
        "kind": "grid",
        "x_mm": [0, 10],
        "y_mm": [0, 8.66],
        "shape": [6, 6],
        "composition": {"kind": "ternary", "elements": ["A", "B", "C"], "corners_mm": corners},
    }
    g = library_geometry(_run_with_library(tmp_path, lib))
    assert g.is_ternary and np.allclose(g.fractions.sum(axis=1), 1.0)
    assert np.allclose(g.outline_mm[:3], corners) and np.allclose(g.outline_mm[-1], corners[0])


def test_unknown_library_kind_falls_back_to_measured_positions(tmp_path: Path) -> None:
    g = library_geometry(_run_with_library(tmp_path, {"kind": "dataset", "path": "x.h5"}))
    assert g.note.startswith("approximate") and len(g.positions_mm) == 0


def test_grid_raster() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    xe, ye, grid = grid_raster(xy, np.arange(5.0))  # type: ignore[misc]
    assert np.allclose(xe, [-0.5, 0.5, 1.5, 2.5]) and np.allclose(ye, [-0.5, 0.5, 1.5])
    assert grid[0].tolist() == [0, 1, 2] and grid[1, 0] == 3 and np.isnan(grid[1, 1])
    assert grid_raster(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), np.zeros(3)) is None


def test_composition_scale_stays_one_to_one_over_the_plot_margins() -> None:
    from explorer.analysis.geometry import CompositionAxis

    mm = np.linspace(0.0, 8.0, 201)
    c = CompositionAxis("Sm", 0, mm, 0.025 * mm)
    margin = np.array([-0.4, 0.0, 8.0, 8.4])
    np.testing.assert_allclose(c.to_fraction(margin), [-0.01, 0.0, 0.2, 0.21])
    np.testing.assert_allclose(c.to_mm(c.to_fraction(margin)), margin)
    # a profile that is flat at its ends (the spread is shorter than the stage extent)
    flat = CompositionAxis("Sm", 0, mm, np.clip(0.05 * (mm - 2.0), 0.0, 0.2))
    np.testing.assert_allclose(flat.to_fraction(np.array([4.0])), [0.1])
    assert np.all(np.diff(flat.to_fraction(np.array([-1.0, -0.5]))) > 0)
