"""MOBO on degenerate data gets gp_bo's deterministic fallback chain: a valid, repeatable pick
for constant outputs, duplicated points without noise, outliers and values near the float
limit, with the fallback level and the numerical warnings in `info` (the runner logs them as a
`warning` event), never an exception."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.library import CandidateSet
from explorer.models.gp import GPOptions
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from explorer.strategies.mobo import MOBOStrategy
from tests.reliability_summary import record

N = 30
LIB = CandidateSet(
    np.arange(N),
    np.column_stack([np.repeat(np.linspace(0, 8, N // 3), 3), np.tile([0.0, 0.5, 1.0], N // 3)]),
    np.repeat(np.linspace(0, 0.2, N // 3), 3)[:, None],
    ("Sm",),
)
FAST = GPOptions(max_iter_cold=40, restarts=0)
EXACT = GPOptions(max_iter_cold=40, restarts=0, noise_variance=0.0)
FMAX = float(np.finfo(float).max)


def _obs(ids: list[int], y: list[list[float]]) -> Observations:
    idx = np.asarray(ids, dtype=np.int64)
    return Observations(
        idx, LIB.features[idx], np.asarray(y, float), ("a", "b"), LIB.positions_mm[idx]
    )


@pytest.mark.parametrize(
    "acquisition", ["ehvi", pytest.param("parego", marks=pytest.mark.reliability)]
)
@pytest.mark.parametrize(
    ("case", "ids", "y", "gp", "fallback"),
    [
        ("constant outputs", [0, 6, 12, 20], [[2.0, 1.0]] * 4, FAST, None),
        (
            "duplicated points",
            [0, 1, 2, 9, 10, 11],
            [[0, 1], [5, -1], [-5, 2], [1, 0], [9, 3], [-7, 1]],
            EXACT,
            None,
        ),
        ("an outlier", [0, 6, 12, 20], [[1, 1], [1.1, 0.9], [1e9, 1], [1, 1.2]], FAST, None),
        (
            "near the float limit",
            [0, 6, 12, 20],
            [[1e300, 0], [-1e300, 1], [1e300, 2], [0, 3]],
            EXACT,
            "any",
        ),
        (
            "posterior overflows",
            [0, 6, 12, 20],
            [[FMAX, FMAX], [FMAX, -FMAX], [-FMAX, FMAX], [-FMAX, -FMAX]],
            FAST,
            "any",
        ),
    ],
)
def test_degenerate_data_gives_a_valid_deterministic_pick(acquisition, case, ids, y, gp, fallback):
    strategy = MOBOStrategy(acquisition=acquisition, gp=gp)
    remaining = LIB.without(ids)
    picks = [
        strategy.suggest(
            remaining, _obs(ids, y), 1, np.random.default_rng(5), SuggestContext(step=len(ids))
        )
        for _ in range(2)
    ]
    (a,), (b,) = picks
    assert a.location_id == b.location_id and dict(a.info) == dict(b.info), case
    assert remaining.contains(a.location_id)
    if fallback == "any":
        assert a.info.get("fallback") in ("fixed_hyperparameters", "maxmin"), a.info
        assert a.info["fit_warnings"], a.info
    record("numerics", f"mobo: {case}")
