"""Pareto fronts and hypervolumes (pymoo), in the internal larger-is-better convention.

pymoo minimises, so values are negated on the way in. The reference point is given in the same
internal convention (every front member must exceed it in every objective to contribute).

Helpers here are shared by the runner (a `front_updated` event after every measurement), the
`explorer pareto` command, the backtest harness (true fronts of lookup tables, hypervolume
traces) and the MOBO strategy (the `auto` reference-point rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: margin of the `auto` reference point below the worst observed value, as a fraction of the
#: observed range of each objective (BoTorch's `infer_reference_point` uses the same 0.1)
AUTO_REF_MARGIN = 0.1


def non_dominated_mask(Y: FloatArray) -> BoolArray:
    """True for rows of Y (n, k; larger is better) that no other row dominates.
    Rows with non-finite values are never on the front. Duplicated rows are all kept."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting  # noqa: PLC0415

    Y = np.asarray(Y, float)
    mask = np.zeros(len(Y), dtype=bool)
    ok = np.all(np.isfinite(Y), axis=1) if Y.ndim == 2 else np.zeros(0, dtype=bool)
    if not ok.any():
        return mask
    rows = np.flatnonzero(ok)
    front = NonDominatedSorting().do(-Y[ok], only_non_dominated_front=True)
    mask[rows[np.asarray(front, dtype=int)]] = True
    return mask


def hypervolume(Y: FloatArray, ref_point: FloatArray) -> float:
    """Hypervolume dominated by the rows of Y (larger is better) above `ref_point`."""
    from pymoo.indicators.hv import HV  # noqa: PLC0415

    Y = np.asarray(Y, float)
    ref = np.asarray(ref_point, float)
    if Y.size == 0:
        return 0.0
    ok = np.all(np.isfinite(Y), axis=1) & np.all(ref < Y, axis=1)
    if not ok.any():
        return 0.0
    return float(HV(ref_point=-ref)(-Y[ok]))


def feasible_rows(Y: FloatArray, feasible: BoolArray | None) -> BoolArray:
    """Rows that may sit on a front: finite objectives and (if given) feasible."""
    ok = np.all(np.isfinite(np.asarray(Y, float)), axis=1)
    return ok if feasible is None else ok & np.asarray(feasible, bool)


@dataclass(frozen=True)
class FrontSnapshot:
    """The measured Pareto front at one moment.

    Attributes:
        ids: (p,) location ids of the front members, in measurement order.
        values: (p, k) their objective values (internal, larger is better).
        hypervolume: dominated hypervolume w.r.t. the reference point (None without one).
    """

    ids: IntArray
    values: FloatArray
    hypervolume: float | None


def front_snapshot(
    ids: IntArray,
    Y: FloatArray,
    ref_point: FloatArray | None = None,
    feasible: BoolArray | None = None,
) -> FrontSnapshot:
    """The non-dominated feasible rows of (ids, Y) and their hypervolume."""
    Y = np.asarray(Y, float)
    rows = np.flatnonzero(feasible_rows(Y, feasible))
    mask = non_dominated_mask(Y[rows])
    keep = rows[mask]
    hv = None if ref_point is None else hypervolume(Y[keep], np.asarray(ref_point, float))
    return FrontSnapshot(np.asarray(ids, np.int64)[keep], Y[keep], hv)


def hypervolume_trace(
    Y: FloatArray, ref_point: FloatArray, feasible: BoolArray | None = None
) -> FloatArray:
    """Hypervolume of the first t rows of Y for t = 1..n (n,), updating the front row by row."""
    Y = np.asarray(Y, float)
    usable = feasible_rows(Y, feasible)
    ref = np.asarray(ref_point, float)
    out = np.zeros(len(Y))
    front = np.zeros((0, Y.shape[1]))
    hv = 0.0
    for t in range(len(Y)):
        if usable[t] and not _dominated_by(Y[t], front):
            front = np.vstack([front[~_dominates(Y[t], front)], Y[t]])
            hv = hypervolume(front, ref)
        out[t] = hv
    return out


def _dominated_by(y: FloatArray, front: FloatArray) -> bool:
    """y is weakly dominated by some row of front (so adding it changes nothing)."""
    return bool(np.any(np.all(front >= y, axis=1))) if len(front) else False


def _dominates(y: FloatArray, front: FloatArray) -> BoolArray:
    """Rows of front that y weakly dominates."""
    return np.asarray(np.all(y >= front, axis=1)) if len(front) else np.zeros(0, dtype=bool)


def true_front(Y: FloatArray, ref_point: FloatArray) -> tuple[BoolArray, float]:
    """Front mask and hypervolume of a whole table (for benchmarks on lookup tables)."""
    mask = non_dominated_mask(Y)
    return mask, hypervolume(np.asarray(Y, float)[mask], ref_point)


def auto_ref_point(Y: FloatArray, margin: float = AUTO_REF_MARGIN) -> FloatArray:
    """The `auto` reference point: per objective, the worst finite observed value minus
    `margin` × the observed range (larger is better, so "worst" is the minimum).

    With a zero range (one usable value), the margin is taken relative to |value| (or 1 if
    the value is 0). Raises ValueError without any finite row.
    """
    Y = np.asarray(Y, float)
    ok = np.all(np.isfinite(Y), axis=1)
    if not ok.any():
        raise ValueError("auto reference point needs at least one row with all objectives finite")
    lo, hi = Y[ok].min(axis=0), Y[ok].max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.where(np.abs(lo) > 0, np.abs(lo), 1.0))
    return np.asarray(lo - margin * span)
