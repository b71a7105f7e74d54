"""explain: model-free strategies have nothing to explain; GP-BO explains a decision with its
posterior and acquisition at every candidate, and the logged hyperparameters reproduce it."""

from __future__ import annotations

import numpy as np

from explorer.models.gp import GPOptions
from explorer.strategies.base import SuggestContext
from explorer.strategies.explain import Explainable, Explanation, explain
from explorer.strategies.gp_bo import GPBOStrategy
from explorer.strategies.space_filling import RandomStrategy
from tests.contracts.strategy_contract import observe, small_library

GP = GPBOStrategy("ucb", gp=GPOptions(max_iter_cold=50, restarts=0))


def test_model_free_strategies_explain_nothing() -> None:
    lib = small_library()
    assert not isinstance(RandomStrategy(), Explainable)
    assert explain(RandomStrategy(), lib, observe(lib, [0, 4], 1), {}, SuggestContext()) is None


def test_too_few_observations_explain_nothing() -> None:
    lib = small_library()
    assert explain(GP, lib, observe(lib, [3], 1), {}, SuggestContext()) is None


def test_a_gp_decision_is_explained_at_every_candidate() -> None:
    lib = small_library()
    obs = observe(lib, [0, 4, 9, 15, 22, 30], 1)
    ctx = SuggestContext(seed=7, step=6)
    (pick,) = GP.suggest(lib.without(set(obs.ids.tolist())), obs, 1, np.random.default_rng(0), ctx)
    ex = explain(GP, lib, obs, pick.model_state, ctx)
    assert isinstance(ex, Explanation) and ex.hypers_source == "logged"
    assert ex.acquisition_name == "ucb" and ex.acquisition is not None
    (name,) = ex.mean
    assert ex.mean[name].shape == ex.std[name].shape == (len(lib),)
    assert np.all(ex.std[name] >= 0)
    assert np.all(ex.lower[name] <= ex.mean[name]) and np.all(ex.mean[name] <= ex.upper[name])
    best = int(
        lib.ids[int(np.argmax(np.where(np.isin(lib.ids, obs.ids), -np.inf, ex.acquisition)))]
    )
    assert best == pick.location_id  # the explanation is the decision that was made
    refit = explain(GP, lib, obs, {}, ctx)
    assert refit is not None and refit.hypers_source == "refitted"
