"""Robust colour ranges: one outlier must not flatten a colour scale.

The range runs from the 2nd to the 98th percentile of the finite values, widened to take in
every value that lies within a tenth of that span beyond it (so a well-behaved set, or one too
small for its percentiles to mean much, is not clipped at all). Values further out are drawn in
the end colour and marked as clipped (`ColourRange.below` / `above`), and the colour bar gets an
arrow at that end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: percentiles the range starts from
PERCENTILES = (2.0, 98.0)
#: values within this fraction of the percentile span beyond it are kept in the range
TOLERANCE = 0.1


@dataclass(frozen=True)
class ColourRange:
    """vmin/vmax of a colour scale and which values fall outside it.

    Attributes:
        vmin, vmax: the colour limits (user units).
        below, above: masks over the values given, True where a value is clipped.
    """

    vmin: float
    vmax: float
    below: BoolArray
    above: BoolArray

    @property
    def extend(self) -> str:
        """matplotlib's colour bar `extend`: 'neither', 'min', 'max' or 'both'."""
        lo, hi = bool(self.below.any()), bool(self.above.any())
        return {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(
            (lo, hi), "both"
        )

    def clipped(self, values: FloatArray) -> tuple[BoolArray, BoolArray]:
        """(below, above) masks of other values against this range (NaN is neither)."""
        v = np.asarray(values, float)
        with np.errstate(invalid="ignore"):
            return np.isfinite(v) & (v < self.vmin), np.isfinite(v) & (v > self.vmax)


def robust_range(values: FloatArray, *, pool: FloatArray | None = None) -> ColourRange:
    """The colour range of `values`, widened to the full range of `pool` (a smooth field
    sharing the scale, such as a posterior mean behind the measured points: it has no outliers
    to clip, and it must not push the measured values out of the range); masks refer to
    `values`."""
    v = np.asarray(values, float).ravel()
    finite = v[np.isfinite(v)]
    extra = np.zeros(0) if pool is None else np.asarray(pool, float).ravel()
    extra = extra[np.isfinite(extra)]
    if finite.size == 0 and extra.size == 0:
        none = np.zeros(v.shape, bool)
        return ColourRange(0.0, 1.0, none, none)
    vmin, vmax = np.inf, -np.inf
    if finite.size:
        lo, hi = np.percentile(finite, PERCENTILES)
        tol = TOLERANCE * (hi - lo)
        vmin = float(finite[finite >= lo - tol].min())
        vmax = float(finite[finite <= hi + tol].max())
    if extra.size:
        vmin, vmax = min(vmin, float(extra.min())), max(vmax, float(extra.max()))
    if vmax <= vmin:  # a constant field
        vmin, vmax = vmin - 0.5, vmax + 0.5
    r = ColourRange(vmin, vmax, np.zeros(v.shape, bool), np.zeros(v.shape, bool))
    below, above = r.clipped(v)
    return ColourRange(vmin, vmax, below, above)
