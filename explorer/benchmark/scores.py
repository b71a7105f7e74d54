"""Scores of one run at a budget (the first `budget` measured locations), from the truth table;
every score is in [0, 1], higher is better."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from explorer.benchmark.registry import ScoreConfig
from explorer.benchmark.truth import TruthTable
from explorer.errors import ConfigError
from explorer.pareto import auto_ref_point, hypervolume

FloatArray = NDArray[np.float64]


def _values(truth: TruthTable, name: str | None) -> FloatArray:
    if name is None or name not in truth.values:
        raise ConfigError(f"score: no ground truth {name!r}; known: {sorted(truth.values)}")
    return truth.values[name]


def optimum_found(v: FloatArray, rows: NDArray[np.int64], sign: float) -> float:
    """1 - normalised gap between the true optimum and the best true value measured."""
    s = sign * v
    best, worst = np.nanmax(s), np.nanmin(s)
    found = np.nanmax(s[rows]) if len(rows) else worst
    return float(1.0 - (best - found) / (best - worst)) if best > worst else 1.0


def topk_recall(v: FloatArray, rows: NDArray[np.int64], sign: float, fraction: float) -> float:
    """Fraction of the top `fraction` of locations (by true value) among those measured."""
    k = max(1, round(float(fraction * np.isfinite(v).sum())))
    top = set(np.argsort(-np.where(np.isfinite(v), sign * v, -np.inf))[:k].tolist())
    return len(top & set(rows.tolist())) / k


def hv_fraction(Y: FloatArray, rows: NDArray[np.int64], ref: FloatArray) -> float:
    """Hypervolume of the measured true vectors / of every location's (larger is better)."""
    total = hypervolume(Y, ref)
    return hypervolume(Y[rows], ref) / total if total > 0 else 1.0


def classes_found(labels: FloatArray, rows: NDArray[np.int64], target: int | None) -> float:
    """Fraction of the classes seen, or 1.0 / 0.0 whether `target` was seen."""
    seen = set(labels[rows].astype(int).tolist())
    if target is not None:
        return float(target in seen)
    return len(seen) / len(set(labels[np.isfinite(labels)].astype(int).tolist()))


def score_run(
    score: ScoreConfig,
    truth: TruthTable,
    location_ids: list[int],
    budget: int,
    directions: dict[str, str],
) -> float:
    """The score of the first `budget` measured locations of a run."""
    rows = truth.rows(location_ids[:budget])
    if score.kind == "curiosity_loss":
        raise ConfigError(
            "score curiosity_loss trains a surrogate per run: use "
            "explorer.benchmark.curiosity_loss.curiosity_loss_scores"
        )
    if score.kind == "classes_found":
        return classes_found(_values(truth, score.metric), rows, score.target_class)
    if score.kind == "hv_fraction":
        names = list(directions)
        signs = np.array([1.0 if directions[n] == "maximize" else -1.0 for n in names])
        Y = np.column_stack([_values(truth, n) for n in names]) * signs
        ok = np.all(np.isfinite(Y), axis=1)
        Y = np.where(ok[:, None], Y, -np.inf)
        given = score.ref_point
        ref = np.array([given[n] for n in names]) * signs if given else auto_ref_point(Y[ok])
        return hv_fraction(Y, rows, ref)
    name = score.objective or next(iter(directions))
    sign = 1.0 if directions[name] == "maximize" else -1.0
    if score.kind == "optimum":
        return optimum_found(_values(truth, name), rows, sign)
    return topk_recall(_values(truth, name), rows, sign, score.top_fraction)
