"""dkl_bo beyond the shared contract: it exploits a structure-property map, batches, warm starts."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from explorer.engine.events import to_jsonable
from explorer.library import CandidateSet
from explorer.models.dkl import DKLOptions
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from explorer.strategies.dkl_bo import DKLBOStrategy, quantile_transform
from tests.explorer.models.test_dkl import _structure_property

FAST = DKLOptions(extractor="cnn", hidden=(8,), iters_cold=120, iters_warm=20)


def _library() -> tuple[CandidateSet, np.ndarray]:
    x, y = _structure_property(n_side=30, size=5, seed=4)
    n = len(x)
    rows, cols = np.divmod(np.arange(n), 30)
    pos = np.column_stack([cols * 0.1, rows * 0.1])
    names = tuple(f"p{k}" for k in range(x.shape[1]))
    return CandidateSet(np.arange(n, dtype=np.int64), pos, x, names), y


def _observe(lib: CandidateSet, y: np.ndarray, rows: np.ndarray) -> Observations:
    obs = Observations.empty(lib.dim, ("prop",))
    for r in rows:
        obs = obs.append(
            int(lib.ids[r]), lib.features[r], np.array([y[r]]), tuple(lib.positions_mm[r])
        )
    return obs


def test_batch_picks_are_good_and_distinct() -> None:
    lib, y = _library()
    rows = np.random.default_rng(0).choice(len(lib), 40, replace=False)
    obs = _observe(lib, y, rows)
    remaining = lib.without(rows.tolist())
    strategy = DKLBOStrategy("ucb", beta=1.0, dkl=FAST)
    out = strategy.suggest(remaining, obs, 5, np.random.default_rng(0), SuggestContext(seed=1))
    ids = [s.location_id for s in out]
    assert len(set(ids)) == 5
    # what was picked is far better than a random pick would be (top 10 % on average)
    assert np.mean(y[ids]) > np.quantile(y, 0.9)
    state = out[0].model_state
    assert set(state) == {"dkl"} and out[0].acquisition is not None
    json.dumps(to_jsonable(state), allow_nan=False)
    assert out[0].mean["prop"] > np.median(y)


def test_warm_start_from_the_logged_state_is_exact() -> None:
    lib, y = _library()
    rows = np.random.default_rng(1).choice(len(lib), 30, replace=False)
    obs = _observe(lib, y, rows)
    remaining = lib.without(rows.tolist())
    strategy = DKLBOStrategy("ei", dkl=FAST)
    first = strategy.suggest(remaining, obs, 1, np.random.default_rng(0), SuggestContext(seed=2))
    logged = json.loads(json.dumps(to_jsonable(first[0].model_state)))
    obs2 = _observe(lib, y, np.append(rows, first[0].location_id))
    rem2 = remaining.without([first[0].location_id])

    def step(warm: dict) -> list[int]:  # type: ignore[type-arg]
        ctx = SuggestContext(seed=2, step=31, warm_start=warm)
        return [
            s.location_id for s in strategy.suggest(rem2, obs2, 3, np.random.default_rng(0), ctx)
        ]

    assert step(dict(first[0].model_state)) == step(logged)


def test_pending_locations_change_the_next_pick() -> None:
    lib, y = _library()
    rows = np.random.default_rng(2).choice(len(lib), 30, replace=False)
    obs = _observe(lib, y, rows)
    remaining = lib.without(rows.tolist())
    strategy = DKLBOStrategy("ucb", beta=1.0, dkl=FAST)
    top = strategy.suggest(remaining, obs, 1, np.random.default_rng(0), SuggestContext(seed=0))[0]
    pending = lib.subset(lib.index_of([top.location_id]))
    ctx = SuggestContext(seed=0, step=31, pending=pending)
    nxt = strategy.suggest(
        remaining.without([top.location_id]), obs, 1, np.random.default_rng(0), ctx
    )
    assert nxt[0].location_id != top.location_id


def test_quantile_transform_is_rank_based() -> None:
    pool = np.array([[1.0], [10.0], [100.0], [1000.0]])
    np.testing.assert_allclose(quantile_transform(pool, pool)[:, 0], [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(
        quantile_transform(pool, np.array([[50.0], [1e9]]))[:, 0], [0.5, 1.0]
    )


def test_explain_rebuilds_the_logged_decision_exactly() -> None:
    lib, y = _library()
    rows = np.random.default_rng(3).choice(len(lib), 30, replace=False)
    obs = _observe(lib, y, rows)
    remaining = lib.without(rows.tolist())
    strategy = DKLBOStrategy("ei", dkl=FAST, input_transform="quantile")
    ctx = SuggestContext(seed=4, step=30)
    (s,) = strategy.suggest(remaining, obs, 1, np.random.default_rng(0), ctx)
    logged = json.loads(json.dumps(to_jsonable(s.model_state)))
    expl = strategy.explain(lib, obs, logged, ctx)  # plots pass the whole library
    assert expl is not None and expl.hypers_source == "logged"
    free = np.isin(lib.ids, remaining.ids)
    assert int(lib.ids[np.argmax(np.where(free, expl.acquisition, -np.inf))]) == s.location_id
    k = int(lib.index_of([s.location_id])[0])
    assert expl.mean["prop"][k] == pytest.approx(s.mean["prop"], rel=1e-9)
    refit = strategy.explain(lib, obs, {}, ctx)
    assert refit is not None and refit.hypers_source == "refitted"
    assert strategy.explain(lib, _observe(lib, y, rows[:1]), logged, ctx) is None


PRE = DKLOptions(
    extractor="mlp", hidden=(16,), pretrain="autoencoder", pretrain_iters=150, finetune=False
)


def test_the_runs_preparation_pretrains_and_decides_as_without_it() -> None:
    lib, y = _library()
    rows = np.random.default_rng(5).choice(len(lib), 20, replace=False)
    obs = _observe(lib, y, rows)
    remaining = lib.without(rows.tolist())
    strategy = DKLBOStrategy("ei", dkl=PRE)
    ctx = SuggestContext(seed=7, step=20)
    unprepared = strategy.suggest(remaining, obs, 2, np.random.default_rng(0), ctx)
    key = strategy.preparation_key(lib, 7)
    prep = strategy.prepare(lib, 7)
    assert prep.key == key and key != strategy.preparation_key(lib, 8)
    assert "autoencoder" in prep.summary
    prepared_ctx = dataclasses.replace(ctx, prepared=prep)
    prepared = strategy.suggest(remaining, obs, 2, np.random.default_rng(0), prepared_ctx)
    assert [s.location_id for s in prepared] == [s.location_id for s in unprepared]
    assert [s.acquisition for s in prepared] == [s.acquisition for s in unprepared]
    info = prepared[0].info
    assert 0 < info["pretrain_error"] < 1 and info["pretrain_s"] > 0
    # a preparation made for other settings (another seed) is never used
    other = dataclasses.replace(ctx, prepared=strategy.prepare(lib, 8))
    assert strategy._pretrained(other, lib.dim) is None
    assert DKLBOStrategy("ei").preparation_key(lib, 7) is None  # nothing to pretrain


def test_pretraining_pool_is_every_location_in_id_order() -> None:
    lib, y = _library()
    rows = np.array([5, 0, 17])
    obs = _observe(lib, y, rows)
    pending = lib.subset(lib.index_of([3, 40]))
    remaining = lib.without([5, 0, 17, 3, 40])
    ctx = SuggestContext(seed=0, pending=pending)
    for transform in ("unit", "quantile"):
        strategy = DKLBOStrategy(dkl=PRE, input_transform=transform)  # type: ignore[arg-type]
        during = strategy.pool_inputs(remaining, obs, ctx)
        before = strategy.pool_inputs(lib, Observations.empty(lib.dim, ("prop",)), SuggestContext())
        np.testing.assert_array_equal(during, before)
        assert during.shape == lib.features.shape
