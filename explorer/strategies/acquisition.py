"""Closed-form acquisition functions evaluated on arrays of posterior means and stds.

All follow the internal "larger is better" convention and are vectorised over candidates (no
Python loops). `log_ei` is computed stably for very negative z (BoTorch's LogEI, Ament et al.
2023), so it keeps ranking candidates where plain EI underflows to 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfcx, log_ndtr, ndtr

FloatArray = NDArray[np.float64]
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_SQRT_PI_2 = np.sqrt(np.pi / 2)


def _log_phi(z: FloatArray) -> FloatArray:
    return np.asarray(-0.5 * z * z - _LOG_SQRT_2PI)


def log_h(z: FloatArray) -> FloatArray:
    """log(φ(z) + z·Φ(z)), accurate for all z."""
    z = np.asarray(z, float)
    out = np.empty_like(z)
    hi = z > -1.0
    zh = z[hi]
    out[hi] = np.log(np.exp(_log_phi(zh)) + zh * ndtr(zh))
    mid = (~hi) & (z > -1e3)
    zm = z[mid]
    out[mid] = _log_phi(zm) + np.log1p(zm * erfcx(-zm / np.sqrt(2)) * _SQRT_PI_2)
    lo = z <= -1e3
    zl = z[lo]
    out[lo] = _log_phi(zl) - 2.0 * np.log(-zl) + np.log1p(-3.0 / (zl * zl))
    return out


def expected_improvement(
    mean: FloatArray, std: FloatArray, best: float, xi: float = 0.0
) -> FloatArray:
    s = np.maximum(std, 1e-12)
    z = (mean - best - xi) / s
    return np.asarray(s * np.exp(log_h(z)))


def log_expected_improvement(
    mean: FloatArray, std: FloatArray, best: float, xi: float = 0.0
) -> FloatArray:
    s = np.maximum(std, 1e-12)
    z = (mean - best - xi) / s
    return np.asarray(np.log(s) + log_h(z))


def probability_of_improvement(
    mean: FloatArray, std: FloatArray, best: float, xi: float = 0.0
) -> FloatArray:
    s = np.maximum(std, 1e-12)
    return np.asarray(np.exp(log_ndtr((mean - best - xi) / s)))


def upper_confidence_bound(mean: FloatArray, std: FloatArray, beta: float) -> FloatArray:
    return np.asarray(mean + np.sqrt(beta) * std)


def max_variance(mean: FloatArray, std: FloatArray) -> FloatArray:
    del mean
    return np.asarray(std)
