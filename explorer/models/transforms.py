"""Output transforms for surrogate models (applied before fitting, inverted for reporting).

`bilog(y) = sign(y)·log(1 + |y|)` (BoTorch's Bilog) turns the multiplicative, heavy-tailed
spot-to-spot variability of PFM loop metrics (std ∝ mean) into roughly homoscedastic noise, which
is what a GP with one noise level assumes; it is defined for zero and negative values (dead spots).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
OutputTransform = Literal["none", "bilog"]


def forward(kind: OutputTransform, y: FloatArray) -> FloatArray:
    if kind == "bilog":
        return np.asarray(np.sign(y) * np.log1p(np.abs(y)))
    return np.asarray(y, float)


def inverse(kind: OutputTransform, z: FloatArray) -> FloatArray:
    if kind == "bilog":
        return np.asarray(np.sign(z) * np.expm1(np.abs(z)))
    return np.asarray(z, float)


def inverse_std(kind: OutputTransform, z_mean: FloatArray, z_std: FloatArray) -> FloatArray:
    """Delta-method std in user units of a value with transformed mean/std."""
    if kind == "bilog":
        return np.asarray(z_std * np.exp(np.abs(z_mean)))
    return np.asarray(z_std, float)
