"""Recommendations from a real GP fit: constraints and failed fits are never recommended."""

from __future__ import annotations

import numpy as np

from explorer.constraints import OutcomeConstraint
from explorer.models.recommend import P_FEASIBLE_MIN, MeasuredData, recommend

FIT_R2_MIN = OutcomeConstraint("fit_r2", min_value=0.8)


def _smbfo_like(n: int = 60) -> MeasuredData:
    """A deterministic two-objective run shaped like the SmBFO MOBO run that went wrong: loop
    area peaks near Sm 0.1, coercive bias dips near it; location 150 is a dead spot whose failed
    fit gave the lowest coercive bias of all (0.1836 V) with fit_r2 0.06, and five other points
    also fail the fit_r2 >= 0.8 constraint."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    x = np.linspace(0.0, 1.0, n)
    ids = np.arange(100, 100 + n, dtype=np.int64)
    area = 10.0 * np.exp(-((x - 0.5) ** 2) / 0.05) + 0.3 * rng.standard_normal(n)
    bias = 2.0 - 1.2 * np.exp(-((x - 0.6) ** 2) / 0.08) + 0.05 * rng.standard_normal(n)
    r2 = np.clip(0.95 + 0.02 * rng.standard_normal(n), 0.0, 1.0)
    dead = [ids.tolist().index(i) for i in (150, 151, 120, 133, 141, 149)]
    r2[dead] = [0.06, 0.3, 0.5, 0.2, 0.4, 0.1]
    bias[dead[0]] = 0.1836
    area[dead[1]] = 50.0  # a failed fit with a spurious huge loop area
    Y = np.column_stack([area, bias])
    X = np.column_stack([x, np.zeros(n)])
    return MeasuredData(
        ids,
        np.column_stack([8.0 * x, np.zeros(n)]),
        X,
        (("loop_area", "maximize"), ("coercive_bias", "minimize")),
        Y,
        {"loop_area": area, "coercive_bias": bias, "fit_r2": r2},
    )


def test_failed_fit_is_never_recommended_nor_observed_best() -> None:
    data = _smbfo_like()
    rec = recommend(data, [FIT_R2_MIN])
    failed = {150, 151, 120, 133, 141, 149}
    assert rec.points, rec.reason
    assert not failed & {p.location_id for p in rec.points}
    assert rec.n_infeasible == 6
    assert rec.observed_best["coercive_bias"]["location_id"] not in failed
    assert rec.observed_best["coercive_bias"]["value"] > 0.1836
    assert rec.observed_best["loop_area"]["value"] < 50.0
    for p in rec.points:
        assert p.p_feasible >= P_FEASIBLE_MIN
        assert p.lower["loop_area"] < p.mean["loop_area"] < p.upper["loop_area"]


def test_multi_objective_recommendation_is_a_non_dominated_set() -> None:
    rec = recommend(_smbfo_like(), [FIT_R2_MIN])
    m = np.array([[p.mean["loop_area"], -p.mean["coercive_bias"]] for p in rec.points])
    for i, q in enumerate(m):
        others = np.delete(m, i, axis=0)
        assert not np.any(np.all(others >= q, axis=1) & np.any(others > q, axis=1))
    # the set trades loop area against coercive bias along the gradient
    assert len(rec.points) >= 2


def test_single_objective_recommends_posterior_mean_not_the_lucky_draw() -> None:
    """A noisy outlier is the observed best; the posterior mean recommends the smooth peak."""
    n = 40
    x = np.linspace(0.0, 1.0, n)
    truth = 56.0 * np.exp(-((x - 0.3) ** 2) / 0.02)
    rng = np.random.default_rng(np.random.SeedSequence(2))
    y = truth + 4.0 * rng.standard_normal(n)
    lucky = int(np.argmin(np.abs(x - 0.8)))
    y[lucky] = 116.0
    data = MeasuredData(
        np.arange(n, dtype=np.int64),
        np.column_stack([x, x]),
        np.column_stack([x, np.zeros(n)]),
        (("loop_height", "maximize"),),
        y[:, None],
        {"loop_height": y},
    )
    rec = recommend(data, [])
    assert rec.observed_best["loop_height"]["location_id"] == lucky
    (p,) = rec.points
    assert abs(x[p.location_id] - 0.3) < 0.1
    assert p.lower["loop_height"] < 56.0 < p.upper["loop_height"] + 10.0


def test_too_few_feasible_points_says_why() -> None:
    data = _smbfo_like()
    cols = dict(data.columns)
    cols["fit_r2"] = np.where(np.arange(60) == 3, 0.9, 0.1)
    rec = recommend(
        MeasuredData(data.ids, data.xy_mm, data.X, data.objectives, data.Y, cols), [FIT_R2_MIN]
    )
    assert rec.points == ()
    assert "fewer than 2 feasible" in rec.reason
    assert rec.n_infeasible == 59
    assert rec.observed_best["loop_area"]["location_id"] == 103
