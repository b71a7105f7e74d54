"""SpatialField: fixed by its seed, broadcasting over positions, smooth below its length scale
and with roughly the requested standard deviation."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.fields import SpatialField


def _field(seed: int = 3, **kw: float) -> SpatialField:
    return SpatialField(np.random.default_rng(seed), sigma=kw.get("sigma", 2.0), length_mm=1.0)


def test_same_seed_same_field_other_seed_other_field() -> None:
    x = np.linspace(0, 5, 11)
    np.testing.assert_array_equal(_field(3)(x, 0.0), _field(3)(x, 0.0))
    assert not np.allclose(_field(3)(x, 0.0), _field(4)(x, 0.0))


def test_scalars_and_grids_broadcast() -> None:
    f = _field()
    gx, gy = np.meshgrid(np.linspace(0, 2, 4), np.linspace(0, 1, 3))
    grid = f(gx, gy)
    assert grid.shape == (3, 4)
    assert float(f(float(gx[1, 2]), float(gy[1, 2]))) == pytest.approx(grid[1, 2])


def test_nearby_points_agree_and_far_points_decorrelate() -> None:
    f = _field(sigma=1.0)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 100, 400), rng.uniform(0, 100, 400)
    near = np.corrcoef(f(x, y), f(x + 0.05, y))[0, 1]
    far = np.corrcoef(f(x, y), f(x + 10.0, y))[0, 1]
    assert near > 0.95 and abs(far) < 0.3


def test_standard_deviation_is_about_sigma() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 200, 4000), rng.uniform(0, 200, 4000)
    assert np.std(_field(sigma=2.0)(x, y)) == pytest.approx(2.0, rel=0.25)
