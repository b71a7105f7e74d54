"""Smooth random spatial fields (random Fourier features of a squared-exponential GP)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class SpatialField:
    """A stationary random field over the stage plane, fixed by its seed.

    Approximates a zero-mean GP with squared-exponential covariance of length `length_mm` and
    standard deviation `sigma` using `n_features` random Fourier features, so it can be
    evaluated at any position without a grid and is identical across runs with the same seed.
    """

    def __init__(
        self, rng: np.random.Generator, *, sigma: float, length_mm: float, n_features: int = 256
    ) -> None:
        self.sigma = float(sigma)
        self._omega = rng.normal(0.0, 1.0 / length_mm, size=(n_features, 2))
        self._phase = rng.uniform(0.0, 2 * np.pi, size=n_features)
        self._norm = np.sqrt(2.0 / n_features)

    def __call__(self, x_mm: FloatArray | float, y_mm: FloatArray | float) -> FloatArray:
        xy = np.stack(np.broadcast_arrays(np.asarray(x_mm, float), np.asarray(y_mm, float)), -1)
        proj = xy @ self._omega.T + self._phase
        return np.asarray(self.sigma * self._norm * np.cos(proj).sum(-1))
