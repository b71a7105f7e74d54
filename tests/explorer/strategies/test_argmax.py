"""Bounded exact argmax == full evaluation, for every σ-monotone acquisition, and gp_bo picks the
same locations on its bounded path as on its full path."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.library import CandidateSet
from explorer.models.gp import GPOptions, fit_gp
from explorer.observations import Observations
from explorer.strategies import gp_bo
from explorer.strategies.argmax import argmax_bounded, argmax_full
from explorer.strategies.base import SuggestContext
from explorer.strategies.gp_bo import GPBOStrategy, score


@pytest.mark.parametrize("kind", ["ei", "log_ei", "ucb", "max_variance"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bounded_argmax_equals_full(kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.random((400, 2))
    y = np.sin(6 * X[:, 0]) * np.cos(3 * X[:, 1]) + 0.05 * rng.normal(size=400)
    gp = fit_gp(X, y, options=GPOptions(max_iter_cold=50, restarts=0))
    xc = rng.random((3000, 2))
    alive = rng.random(3000) > 0.1
    best = float(y.max())

    def scorer(m, s):
        return score(kind, m, s, best, beta=4.0, xi=0.0)  # type: ignore[arg-type]

    mean, std = gp.predict(xc)
    full = argmax_full(scorer, mean, std, alive)
    lazy = argmax_bounded(gp, xc, scorer, mean, gp.std_upper_bound(xc), alive)
    assert lazy.row == full.row
    assert lazy.value == pytest.approx(full.value, rel=1e-9, abs=1e-12)
    assert alive[lazy.row]
    if kind != "max_variance":
        assert lazy.n_exact < alive.sum() / 4  # the point of it


def test_ties_go_to_the_lowest_row_like_np_argmax() -> None:
    class Flat:
        def predict(self, xc):
            return np.zeros(len(xc)), np.ones(len(xc))

    xc = np.zeros((500, 1))
    alive = np.ones(500, dtype=bool)
    alive[:3] = False
    pick = argmax_bounded(Flat(), xc, lambda m, s: m + s, np.zeros(500), np.ones(500), alive)
    assert pick.row == 3


def _campaign_data(n_obs: int) -> tuple[CandidateSet, Observations]:
    rng = np.random.default_rng(4)
    feats = rng.random((3000, 2))
    lib = CandidateSet(
        np.arange(3000, dtype=np.int64), feats * 10.0, feats, ("a", "b"), np.array([[0, 1], [0, 1]])
    )
    rows = rng.choice(3000, n_obs, replace=False)
    y = np.sin(6 * feats[rows, 0]) + 0.3 * feats[rows, 1] + 0.05 * rng.normal(size=n_obs)
    obs = Observations(lib.ids[rows], feats[rows], y[:, None], ("f",), lib.positions_mm[rows])
    return lib.without(set(rows.tolist())), obs


@pytest.mark.parametrize("acquisition", ["log_ei", "ucb"])
def test_gp_bo_bounded_path_picks_what_the_full_path_picks(monkeypatch, acquisition) -> None:
    remaining, obs = _campaign_data(420)
    strategy = GPBOStrategy(acquisition, gp=GPOptions(max_iter_cold=40, restarts=0))
    ctx = SuggestContext(seed=1, step=len(obs))
    bounded = strategy.suggest(remaining, obs, 3, np.random.default_rng(0), ctx)
    monkeypatch.setattr(gp_bo, "EXACT_STD_MAX_OBS", 10**9)
    full = strategy.suggest(remaining, obs, 3, np.random.default_rng(0), ctx)
    assert [s.location_id for s in bounded] == [s.location_id for s in full]
    for a, b in zip(bounded, full, strict=True):
        assert a.acquisition == pytest.approx(b.acquisition, rel=1e-8)
        assert a.std["f"] == pytest.approx(b.std["f"], rel=1e-8)
