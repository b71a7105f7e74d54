"""Recommended locations: where the model believes the best material is, given everything measured.

The recommendation is computed the same way for every strategy (model-based or not), so runs are
comparable: an exact GP (explorer.models.gp, Matérn 5/2 ARD, inferred noise, deterministic fit) is
fitted to each objective on the *feasible* measured locations, and one to each constrained
quantity on every measured location where it is finite (so the model learns where the
constraint fails). Candidates are the measured locations only (BoTorch's and Ax's in-sample
"best posterior mean"): a recommendation is a place that was actually measured, never an
extrapolation, and a location that failed a constraint or a fit (NaN objective) is never a
candidate at all. A candidate is kept when its posterior probability of feasibility (product
over constraints of P(lo ≤ f ≤ hi) under the constraint GPs) is at least P_FEASIBLE_MIN.

* one objective: the kept candidate with the best posterior mean, with its 95 % credible
  interval (mean ± 1.96 σ of the latent function);
* several objectives: the kept candidates whose posterior means are non-dominated (the feasible
  posterior Pareto set), best first by the first objective.

The observed best (the best feasible raw measurement per objective) is reported beside it,
labelled as observed: with noisy measurements it is often a lucky draw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.constraints import OutcomeConstraint, feasible_mask
from explorer.errors import ModelFitError
from explorer.heavy_modules import heavy

FloatArray = NDArray[np.float64]
#: a measured location is recommended only when P(every constraint holds) is at least this
P_FEASIBLE_MIN = 0.5
#: half-width of the credible interval in posterior standard deviations (95 %)
Z_95 = 1.959964
MIN_FEASIBLE = 2


@dataclass(frozen=True)
class RecommendedPoint:
    """One recommended location with its posterior per objective (user units)."""

    location_id: int
    x_mm: float
    y_mm: float
    mean: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]
    observed: dict[str, float]
    p_feasible: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "location_id": self.location_id,
            "x_mm": self.x_mm,
            "y_mm": self.y_mm,
            "mean": dict(self.mean),
            "lower": dict(self.lower),
            "upper": dict(self.upper),
            "observed": dict(self.observed),
            "p_feasible": self.p_feasible,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RecommendedPoint:
        return cls(
            int(d["location_id"]),
            float(d["x_mm"]),
            float(d["y_mm"]),
            {k: float(v) for k, v in d["mean"].items()},
            {k: float(v) for k, v in d["lower"].items()},
            {k: float(v) for k, v in d["upper"].items()},
            {k: float(v) for k, v in d.get("observed", {}).items()},
            float(d.get("p_feasible", 1.0)),
        )


@dataclass(frozen=True)
class Recommendation:
    """The recommended point(s) after `n_measured` measurements.

    Attributes:
        points: the recommendation (one point, or the posterior Pareto set); empty when the
            model cannot recommend (see `reason`).
        observed_best: per objective, {"location_id", "value"} of the best feasible raw
            measurement (absent when nothing feasible was measured).
        n_measured, n_infeasible: measurements so far and those that failed a constraint or
            a fit (non-finite objective).
        reason: why there is no recommendation ("" when there is one).
    """

    points: tuple[RecommendedPoint, ...]
    observed_best: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_measured: int = 0
    n_infeasible: int = 0
    reason: str = ""


@dataclass(frozen=True)
class MeasuredData:
    """What the recommendation is computed from, in measurement order (user units).

    Attributes:
        ids: (m,) location ids; xy_mm: (m, 2) positions; X: (m, d) unit-cube model inputs.
        objectives: (name, direction) per objective; Y: (m, k) objective values (NaN unusable).
        columns: every measured quantity by name (objectives and outcomes), for constraints.
    """

    ids: NDArray[np.int64]
    xy_mm: FloatArray
    X: FloatArray
    objectives: tuple[tuple[str, str], ...]
    Y: FloatArray
    columns: Mapping[str, FloatArray]


def recommend(data: MeasuredData, constraints: Sequence[OutcomeConstraint]) -> Recommendation:
    """The model's recommendation (see the module docstring); deterministic for given data."""
    m = len(data.ids)
    ok = np.all(np.isfinite(data.Y), axis=1) & feasible_mask(constraints, data.columns, m)
    best = _observed_best(data, ok)
    n_bad = int(m - ok.sum())
    if ok.sum() < MIN_FEASIBLE:
        why = f"fewer than {MIN_FEASIBLE} feasible measurements ({int(ok.sum())} of {m})"
        return Recommendation((), best, m, n_bad, why)
    rows = np.flatnonzero(ok)
    try:
        means, stds = _objective_posteriors(data, rows)
        p_feas = _p_feasible(data, constraints, rows)
    except ModelFitError as exc:
        return Recommendation((), best, m, n_bad, f"GP fit failed: {exc}")
    keep = p_feas >= P_FEASIBLE_MIN
    if not keep.any():
        why = f"no feasible measurement has P(feasible) >= {P_FEASIBLE_MIN:g} under the model"
        return Recommendation((), best, m, n_bad, why)
    chosen = _chosen(data, rows, means, keep)
    points = tuple(_point(data, rows[i], means[i], stds[i], float(p_feas[i])) for i in chosen)
    return Recommendation(points, best, m, n_bad)


def _fit_predict(X: FloatArray, y: FloatArray, at: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Posterior mean and std (user units) at `at` of a GP fitted to (X, y); torch is imported
    only here, so reading logged recommendations never loads it."""
    fit_gp = heavy("explorer.models.gp", "fit_gp")
    mean, std = fit_gp(X, y).predict(at)
    return np.asarray(mean), np.asarray(std)


def _signs(data: MeasuredData) -> FloatArray:
    return np.array([1.0 if d == "maximize" else -1.0 for _, d in data.objectives])


def _objective_posteriors(data: MeasuredData, rows: NDArray[np.int64]) -> tuple[FloatArray, ...]:
    """(r, k) posterior mean and std (user units) of each objective at the feasible rows."""
    X = data.X[rows]
    cols = [_fit_predict(X, data.Y[rows, j], X) for j in range(data.Y.shape[1])]
    return np.column_stack([c[0] for c in cols]), np.column_stack([c[1] for c in cols])


def _p_feasible(
    data: MeasuredData, constraints: Sequence[OutcomeConstraint], rows: NDArray[np.int64]
) -> FloatArray:
    """(r,) posterior probability that every constraint holds at the given rows."""
    p = np.ones(len(rows))
    for c in constraints:
        v = np.asarray(data.columns.get(c.name, np.full(len(data.ids), np.nan)), float)
        fin = np.isfinite(v)
        if fin.sum() < MIN_FEASIBLE:
            continue  # too little data to model: the observed feasibility already filtered
        mean, std = _fit_predict(data.X[fin], v[fin], data.X[rows])
        p *= _prob_between(mean, np.maximum(std, 1e-12), c.min_value, c.max_value)
    return p


def _prob_between(
    mean: FloatArray, std: FloatArray, lo: float | None, hi: float | None
) -> FloatArray:
    cdf = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2.0)))
    upper = np.ones_like(mean) if hi is None else cdf((hi - mean) / std)
    lower = np.zeros_like(mean) if lo is None else cdf((lo - mean) / std)
    return np.asarray(np.clip(upper - lower, 0.0, 1.0), float)


def _one_per_feature_vector(X: FloatArray, idx: NDArray[np.int64]) -> NDArray[np.int64]:
    """The first of each group of candidates with equal model inputs (their posteriors are
    equal, e.g. the locations of one composition on a composition-only model)."""
    _, first = np.unique(np.round(X[idx], 12), axis=0, return_index=True)
    return np.asarray(idx[np.sort(first)])


def _chosen(
    data: MeasuredData, rows: NDArray[np.int64], means: FloatArray, keep: NDArray[np.bool_]
) -> list[int]:
    """Indices (into the feasible rows) of the best kept mean, or the kept non-dominated set."""
    internal = np.where(keep[:, None], means * _signs(data), -np.inf)
    if internal.shape[1] == 1:
        return [int(np.argmax(internal[:, 0]))]
    idx = _one_per_feature_vector(data.X[rows], np.flatnonzero(keep))
    p = internal[idx]
    nd = [
        i
        for i, q in zip(idx, p, strict=True)
        if not np.any(np.all(p >= q, axis=1) & np.any(p > q, axis=1))
    ]
    return sorted(nd, key=lambda i: -internal[i, 0])


def _point(
    data: MeasuredData, row: int, mean: FloatArray, std: FloatArray, p: float
) -> RecommendedPoint:
    names = [n for n, _ in data.objectives]
    return RecommendedPoint(
        int(data.ids[row]),
        float(data.xy_mm[row, 0]),
        float(data.xy_mm[row, 1]),
        {n: float(mean[j]) for j, n in enumerate(names)},
        {n: float(mean[j] - Z_95 * std[j]) for j, n in enumerate(names)},
        {n: float(mean[j] + Z_95 * std[j]) for j, n in enumerate(names)},
        {n: float(data.Y[row, j]) for j, n in enumerate(names)},
        p,
    )


def _observed_best(data: MeasuredData, ok: NDArray[np.bool_]) -> dict[str, dict[str, Any]]:
    """Per objective, the best feasible raw measurement (location_id, value)."""
    out: dict[str, dict[str, Any]] = {}
    if not ok.any():
        return out
    rows = np.flatnonzero(ok)
    for j, (name, sign) in enumerate(
        zip([n for n, _ in data.objectives], _signs(data), strict=True)
    ):
        i = rows[int(np.argmax(sign * data.Y[rows, j]))]
        out[name] = {"location_id": int(data.ids[i]), "value": float(data.Y[i, j])}
    return out
