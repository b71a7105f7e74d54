"""Pareto fronts and hypervolumes (pymoo), in the internal larger-is-better convention.

pymoo minimises, so values are negated on the way in. The reference point is given in the same
internal convention (every front member must exceed it to contribute).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def non_dominated_mask(Y: FloatArray) -> NDArray[np.bool_]:
    """True for rows of Y (n, k; larger is better) that no other row dominates.
    Rows with non-finite values are never on the front."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    Y = np.asarray(Y, float)
    mask = np.zeros(len(Y), dtype=bool)
    ok = np.all(np.isfinite(Y), axis=1)
    if not ok.any():
        return mask
    rows = np.flatnonzero(ok)
    front = NonDominatedSorting().do(-Y[ok], only_non_dominated_front=True)
    mask[rows[np.asarray(front, dtype=int)]] = True
    return mask


def hypervolume(Y: FloatArray, ref_point: FloatArray) -> float:
    """Hypervolume dominated by the rows of Y (larger is better) above `ref_point`."""
    from pymoo.indicators.hv import HV

    Y = np.asarray(Y, float)
    ref = np.asarray(ref_point, float)
    ok = np.all(np.isfinite(Y), axis=1) & np.all(ref < Y, axis=1)
    if not ok.any():
        return 0.0
    return float(HV(ref_point=-ref)(-Y[ok]))
