"""Run-level progress metrics read from a run's event log: hypervolume curves, reference points,
classes found; and the discovery metrics over arrays in measurement order (classes
discovered, spectral-feature-space coverage, full-grid prediction error, travel distance).
Shared by plots, reports, comparisons and benchmarks; no matplotlib, no torch.

Conventions: values in user units and directions as logged; hypervolumes are computed in the
internal larger-is-better convention with pymoo (explorer.pareto) so they agree with the
`front_updated.hypervolume` the runner logs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.pareto import hypervolume

FloatArray = NDArray[np.float64]
RefSource = Literal["logged", "derived"]

#: Default scalar name holding a per-location class label (replayed ground truth, a novelty
#: model's cluster id); `explorer compare --classes-scalar` chooses another.
CLASS_SCALAR = "class_label"


def signs(directions: Sequence[str]) -> FloatArray:
    """+1 for maximised, -1 for minimised objectives (user -> internal units)."""
    return np.array([1.0 if d == "maximize" else -1.0 for d in directions])


def objective_matrix(run: RunData, names: Sequence[str] | None = None) -> FloatArray:
    """(m, k) objective values in measurement order (user units, NaN = unusable)."""
    names = list(names or run.objective_names)
    if not run.measured:
        return np.zeros((0, len(names)))
    return np.column_stack([run.values(n) for n in names])


@dataclass(frozen=True)
class RefPoint:
    """A hypervolume reference point in user units, and where it came from."""

    values: dict[str, float]
    source: RefSource

    def internal(self, names: Sequence[str], directions: Sequence[str]) -> FloatArray:
        return signs(directions) * np.array([self.values[n] for n in names])


def logged_ref_point(run: RunData) -> dict[str, float] | None:
    """The reference point the run fixed at config time (run_started or front_updated)."""
    if run.started.ref_point:
        return dict(run.started.ref_point)
    for ev in reversed(run.fronts):
        if ev.ref_point:
            return dict(ev.ref_point)
    return None


def derived_ref_point(
    Y_user: FloatArray, names: Sequence[str], directions: Sequence[str], margin: float = 0.1
) -> RefPoint:
    """A reference point slightly worse than the worst value seen of each objective.

    Used only when a run logged none; it depends on the data it is derived from, so hypervolumes
    computed with it are comparable only among the runs it was derived over.
    """
    s = signs(directions)
    internal = Y_user * s
    finite = np.where(np.isfinite(internal), internal, np.nan)
    lo = np.nanmin(finite, axis=0) if np.isfinite(finite).any() else np.zeros(len(names))
    hi = np.nanmax(finite, axis=0) if np.isfinite(finite).any() else np.ones(len(names))
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, lo + 1.0)
    span = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(lo), 1.0))
    ref_internal = lo - margin * span
    return RefPoint({n: float(v) for n, v in zip(names, s * ref_internal, strict=True)}, "derived")


def run_ref_point(run: RunData) -> RefPoint:
    """The logged reference point if there is one, else one derived from this run's values."""
    logged = logged_ref_point(run)
    if logged is not None and set(run.objective_names) <= set(logged):
        return RefPoint({n: float(logged[n]) for n in run.objective_names}, "logged")
    names = run.objective_names
    return derived_ref_point(objective_matrix(run), names, [run.directions[n] for n in names])


def hypervolume_curve(Y_user: FloatArray, directions: Sequence[str], ref: FloatArray) -> FloatArray:
    """Hypervolume of the first i measurements, i = 1..m (internal reference `ref`)."""
    internal = np.asarray(Y_user, float) * signs(directions)
    out = np.zeros(len(internal))
    front = np.zeros((0, internal.shape[1]))
    for i, row in enumerate(internal):
        if np.all(np.isfinite(row)):
            front = _update_front(front, row)
        out[i] = hypervolume(front, ref) if len(front) else 0.0
    return out


def _update_front(front: FloatArray, row: FloatArray) -> FloatArray:
    """Add a point to a non-dominated set (larger is better)."""
    if len(front) and np.any(np.all(front >= row, axis=1)):
        return front
    keep = ~np.all(row >= front, axis=1) if len(front) else np.zeros(0, bool)
    return np.vstack([front[keep], row])


def front_staircase(
    points_user: FloatArray, directions: Sequence[str], ref_user: Sequence[float] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Vertices of the 2-D attainment staircase through the non-dominated points (user units),
    closed down to the reference point when one is given (so a one-point front is an L)."""
    s = signs(directions[:2])
    p = np.asarray(points_user, float).reshape(-1, np.shape(points_user)[-1])[:, :2] * s
    p = p[np.all(np.isfinite(p), axis=1)]
    if len(p) == 0:
        return np.zeros(0), np.zeros(0)
    nd = np.array([not np.any(np.all(p >= q, axis=1) & np.any(p > q, axis=1)) for q in p])
    p = np.unique(p[nd], axis=0)
    p = p[np.argsort(-p[:, 0])]
    xs, ys = [p[0, 0]], [p[0, 1]]
    for a, b in itertools.pairwise(p):
        xs += [b[0], b[0]]
        ys += [a[1], b[1]]
    if ref_user is not None:
        rx, ry = float(ref_user[0]) * s[0], float(ref_user[1]) * s[1]
        xs, ys = [xs[0], *xs, rx], [ry, *ys, ys[-1]]
    return np.array(xs) * s[0], np.array(ys) * s[1]


def classes_found_curve(run: RunData, scalar: str = CLASS_SCALAR) -> FloatArray | None:
    """Number of distinct class labels seen after each measurement, from
    `measured.scalars[scalar]`; None when the run never logged that scalar."""
    labels = [m.scalars.get(scalar) for m in run.measured]
    if all(v is None for v in labels):
        return None
    seen: set[float] = set()
    out = np.zeros(len(labels))
    for i, v in enumerate(labels):
        if v is not None and np.isfinite(v):
            seen.add(float(v))
        out[i] = len(seen)
    return out


def best_values(run: RunData) -> Mapping[str, tuple[float, int | None]]:
    """Best *feasible* observed value and its location id per objective (NaN, None when no
    measurement is feasible): a failed fit or constraint never counts as the best."""
    out: dict[str, tuple[float, int | None]] = {}
    for name in run.objective_names:
        v = run.feasible_values(name)
        if not np.isfinite(v).any():
            out[name] = (float("nan"), None)
            continue
        sign = 1.0 if run.directions[name] == "maximize" else -1.0
        i = int(np.nanargmax(np.where(np.isfinite(v), sign * v, np.nan)))
        out[name] = (float(v[i]), int(run.location_ids[i]))
    return out


# ---- discovery metrics: pure numpy over arrays in measurement order ------------------------


def classes_discovered(labels: Sequence[int] | NDArray[np.int64]) -> NDArray[np.int64]:
    """Number of distinct ground-truth classes among the first i measurements, i = 1..m.

    `labels` are the true classes of the measured locations in measurement order (negative
    labels mark unusable measurements and never count)."""
    seen: set[int] = set()
    out = np.zeros(len(labels), dtype=np.int64)
    for i, v in enumerate(np.asarray(labels, dtype=np.int64)):
        if v >= 0:
            seen.add(int(v))
        out[i] = len(seen)
    return out


def measurements_to_find(
    labels: Sequence[int] | NDArray[np.int64], classes: Sequence[int] | NDArray[np.int64]
) -> int | None:
    """1-based index of the measurement after which every class of `classes` has been seen;
    None if some class was never measured."""
    wanted = {int(c) for c in classes}
    if not wanted:
        return 0
    seen: set[int] = set()
    for i, v in enumerate(np.asarray(labels, dtype=np.int64)):
        if int(v) in wanted:
            seen.add(int(v))
            if seen == wanted:
                return i + 1
    return None


def kmeans(
    X: FloatArray, k: int, seed: int, *, n_init: int = 4, max_iter: int = 100
) -> tuple[NDArray[np.int64], FloatArray]:
    """Lloyd's k-means with k-means++ seeding (best of `n_init` restarts by inertia).

    Deterministic given `seed`. Returns (labels (n,), centres (k, d)). Pure numpy; used to define
    classes/cells on full-grid ground truth for the discovery metrics and benchmarks."""
    X = np.asarray(X, float)
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k-means: k={k} must be between 1 and the number of points ({n})")
    rng = np.random.default_rng(seed)
    best: tuple[float, NDArray[np.int64], FloatArray] | None = None
    for _ in range(n_init):
        centres = _kmeans_pp(X, k, rng)
        labels = np.zeros(n, dtype=np.int64)
        for _ in range(max_iter):
            d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
            new = np.asarray(np.argmin(d2, axis=1), dtype=np.int64)
            for j in range(k):  # an emptied cluster takes the point farthest from its centre
                if not np.any(new == j):
                    new[int(np.argmax(d2[np.arange(n), new]))] = j
            centres = np.array([X[new == j].mean(axis=0) for j in range(k)])
            if np.array_equal(new, labels):
                break
            labels = new
        inertia = float(((X - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, labels.copy(), centres)
    assert best is not None
    return best[1], best[2]


def _kmeans_pp(X: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    centres = [X[int(rng.integers(len(X)))]]
    for _ in range(1, k):
        d2 = np.min(((X[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        total = d2.sum()
        i = int(rng.choice(len(X), p=d2 / total)) if total > 0 else int(rng.integers(len(X)))
        centres.append(X[i])
    return np.array(centres)


def pca_scores(X: FloatArray, n_components: int) -> FloatArray:
    """Scores of the rows of X on its first principal components (centred, SVD)."""
    Xc = np.asarray(X, float) - np.mean(X, axis=0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    return np.asarray(Xc @ vt[: min(n_components, len(vt))].T)


@dataclass(frozen=True)
class FeatureCells:
    """A partition of the full grid's ground-truth spectral-feature space into k cells.

    Definition (used by `feature_space_coverage`): the noise-free spectra of every library
    location are standardised per spectral point, projected on their first `n_components`
    principal components, and clustered with k-means (k cells, seeded). `cell[i]` is the cell of
    library row i. Coverage of a set of measured rows is the fraction of the k cells holding at
    least one of them: 1.0 means every distinct kind of spectrum on the grid has been sampled.
    """

    cell: NDArray[np.int64]
    k: int

    @classmethod
    def from_spectra(
        cls, spectra: FloatArray, k: int, *, n_components: int = 5, seed: int = 0
    ) -> FeatureCells:
        S = np.asarray(spectra, float)
        sd = S.std(axis=0)
        Z = (S - S.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        labels, _ = kmeans(pca_scores(Z, n_components), k, seed)
        return cls(labels, k)


def feature_space_coverage(cells: FeatureCells, measured_rows: Sequence[int]) -> FloatArray:
    """Coverage (see FeatureCells) after each of the measured library rows, in order."""
    seen: set[int] = set()
    out = np.zeros(len(measured_rows))
    for i, r in enumerate(measured_rows):
        seen.add(int(cells.cell[int(r)]))
        out[i] = len(seen) / cells.k
    return out


def prediction_error(predicted: FloatArray, truth: FloatArray) -> dict[str, float]:
    """Error of a full-grid prediction against the ground truth (rows where both are finite):
    rmse, mae, and nrmse = rmse / std(truth) (1.0 = no better than predicting the mean)."""
    p, t = np.asarray(predicted, float).ravel(), np.asarray(truth, float).ravel()
    if p.shape != t.shape:
        raise ValueError(f"prediction has {p.size} values, the ground truth {t.size}")
    ok = np.isfinite(p) & np.isfinite(t)
    if not ok.any():
        return {"rmse": float("nan"), "mae": float("nan"), "nrmse": float("nan"), "n": 0.0}
    err = p[ok] - t[ok]
    rmse = float(np.sqrt(np.mean(err**2)))
    sd = float(np.std(t[ok]))
    return {
        "rmse": rmse,
        "mae": float(np.mean(np.abs(err))),
        "nrmse": rmse / sd if sd > 0 else float("nan"),
        "n": float(ok.sum()),
    }


def travel_distance_mm(
    positions_mm: FloatArray, start_xy_mm: tuple[float, float] | None = None
) -> FloatArray:
    """Cumulative stage travel (straight-line mm) after each measurement, from the positions in
    measurement order (and from `start_xy_mm` to the first one when given)."""
    p = np.asarray(positions_mm, float).reshape(-1, 2)
    if start_xy_mm is not None:
        p = np.vstack([np.asarray(start_xy_mm, float)[None], p])
    steps = np.hypot(*np.diff(p, axis=0).T) if len(p) > 1 else np.zeros(0)
    if start_xy_mm is None:
        steps = np.concatenate([np.zeros(min(len(p), 1)), steps])
    return np.cumsum(steps)
