"""Library geometry: stable ids, composition maps, outlines, keep-outs."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.config.library_config import GridLibrary
from explorer.errors import CandidateError
from explorer.library import (
    Circle,
    LinearGradient,
    Polygon,
    TernarySources,
    TernaryTriangle,
    build_library,
    grid_positions,
)


def test_grid_ids_are_row_major_and_stable_under_keep_outs() -> None:
    lib = GridLibrary.model_validate(
        {"kind": "grid", "x_mm": [0, 4], "y_mm": [0, 2], "shape": [5, 3]}
    ).build()
    assert len(lib) == 15
    assert lib.position_of(7) == (2.0, 1.0)  # iy=1, ix=2
    cut = GridLibrary.model_validate(
        {
            "kind": "grid",
            "x_mm": [0, 4],
            "y_mm": [0, 2],
            "shape": [5, 3],
            "keep_out": [{"kind": "rect", "x_mm": [-1, 1.5], "y_mm": [-1, 3]}],
        }
    ).build()
    assert 7 in cut.ids and 0 not in cut.ids and cut.position_of(7) == (2.0, 1.0)


def test_linear_gradient_and_bounds() -> None:
    ids, pos = grid_positions((0, 10), (0, 1), (11, 2))
    lib = build_library(ids, pos, composition=LinearGradient("Sm", 0, (0, 10), (0.0, 0.2)))
    assert lib.feature_names == ("Sm",)
    np.testing.assert_allclose(lib.features[:11, 0], np.linspace(0, 0.2, 11))
    sub = lib.without([0, 1])
    np.testing.assert_allclose(sub.feature_bounds, lib.feature_bounds)  # normalisation is stable
    np.testing.assert_allclose(lib.unit_features()[:11, 0], np.linspace(0, 1, 11))


def test_ternary_triangle_barycentric() -> None:
    tri = TernaryTriangle(("Al", "Sc", "B"), ((0, 0), (10, 0), (5, 8.66)))
    comp = tri(np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 8.66], [5.0, 2.886]]))
    np.testing.assert_allclose(comp[:3], np.eye(3), atol=1e-9)
    np.testing.assert_allclose(comp[3], [1 / 3, 1 / 3, 1 / 3], atol=1e-3)
    ids, pos = grid_positions((0, 10), (0, 10), (11, 11))
    lib = build_library(ids, pos, composition=tri)
    assert lib.feature_names == ("Al", "Sc") and len(lib) < 121
    assert np.all(lib.features >= -1e-9) and np.all(lib.features.sum(1) <= 1 + 1e-9)


def test_ternary_sources_sum_to_one() -> None:
    src = TernarySources(("Al", "Sc", "B"), ((0, 0), (10, 0), (5, 9)), 5.0)
    comp = src(np.random.default_rng(0).random((20, 2)) * 10)
    np.testing.assert_allclose(comp.sum(1), 1.0)


def test_outline_margin_and_polygon() -> None:
    ids, pos = grid_positions((0, 10), (0, 10), (11, 11))
    lib = build_library(ids, pos, composition=None, outline=Circle((5, 5), 5), edge_margin_mm=1.0)
    assert np.all(np.hypot(lib.positions_mm[:, 0] - 5, lib.positions_mm[:, 1] - 5) <= 4.0 + 1e-9)
    tri = Polygon(((0, 0), (4, 0), (0, 4)))
    inside = tri.contains(np.array([[1.0, 1.0], [3.5, 3.5]]))
    assert inside.tolist() == [True, False]


def test_empty_library_is_an_error() -> None:
    ids, pos = grid_positions((0, 1), (0, 1), (2, 2))
    with pytest.raises(CandidateError, match="no locations left"):
        build_library(ids, pos, composition=None, outline=Circle((50, 50), 1))
