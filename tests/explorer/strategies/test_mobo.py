"""MOBOStrategy: batches and pending points, constraints, reference points, warm starts, the
exclude wrapper and the BoTorch bridge used by log_nehvi."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.errors import NoCandidatesLeftError
from explorer.library import CandidateSet, Rect, TernaryTriangle, build_library, grid_positions
from explorer.models.gp import GPOptions, fit_gp
from explorer.observations import Observations
from explorer.pareto import non_dominated_mask
from explorer.strategies.base import SuggestContext
from explorer.strategies.exclude import ExcludeRegionsStrategy
from explorer.strategies.mobo import MOBOStrategy, ModelConstraint
from explorer.strategies.nehvi import prune_baseline, to_botorch

FAST = GPOptions(max_iter_cold=60, restarts=0)


def _library() -> CandidateSet:
    ids, pos = grid_positions((0.0, 10.0), (0.0, 8.66), (21, 19))
    tri = TernaryTriangle(("A", "B", "C"), ((0.0, 0.0), (10.0, 0.0), (5.0, 8.66)))
    return build_library(ids, pos, composition=tri)


def _truth(x: np.ndarray) -> np.ndarray:
    """Two conflicting objectives (larger is better) and an outcome ("leak") on features."""
    f1 = np.exp(-8 * ((x[:, 0] - 0.7) ** 2 + (x[:, 1] - 0.2) ** 2))
    f2 = np.exp(-8 * ((x[:, 0] - 0.2) ** 2 + (x[:, 1] - 0.6) ** 2))
    leak = x[:, 1]  # grows towards corner B
    return np.column_stack([f1, f2, leak])


def _observe(lib: CandidateSet, rows: list[int]) -> Observations:
    obs = Observations.empty(lib.dim, ("f1", "f2"), ("leak",))
    t = _truth(lib.features)
    for r in rows:
        obs = obs.append(
            int(lib.ids[r]), lib.features[r], t[r, :2], tuple(lib.positions_mm[r]), t[r, 2:]
        )
    return obs


def _suggest(strategy, lib, obs, n=1, pending=None, seed=0, warm=None):
    taken = set(obs.ids.tolist()) | set(pending or [])
    ctx = SuggestContext(
        seed=3,
        step=len(obs) + len(pending or []),
        pending=lib.subset(lib.index_of(pending)) if pending else None,
        warm_start=warm or {},
    )
    return strategy.suggest(lib.without(taken), obs, n, np.random.default_rng(seed), ctx)


@pytest.fixture(scope="module")
def setup() -> tuple[CandidateSet, Observations]:
    lib = _library()
    rows = list(np.random.default_rng(0).choice(len(lib), 12, replace=False))
    return lib, _observe(lib, rows)


def test_batch_is_the_kriging_believer_sequence(setup) -> None:
    lib, obs = setup
    s = MOBOStrategy("ehvi", ref_point=(0.0, 0.0), gp=FAST)
    batch = _suggest(s, lib, obs, n=3)
    ids = [b.location_id for b in batch]
    assert len(set(ids)) == 3
    first = _suggest(s, lib, obs, n=1)[0].location_id
    second = _suggest(s, lib, obs, n=1, pending=[first])[0].location_id
    assert ids[:2] == [first, second]


@pytest.mark.parametrize("acq", ["ehvi", "log_nehvi", "parego", "ucb_scalarized"])
def test_pending_points_change_the_next_pick(setup, acq) -> None:
    lib, obs = setup
    s = MOBOStrategy(acq, ref_point=(0.0, 0.0), gp=FAST, mc_samples=32)  # type: ignore[arg-type]
    first = _suggest(s, lib, obs)[0]
    again = _suggest(s, lib, obs, pending=[first.location_id])[0]
    assert again.location_id != first.location_id
    assert first.info["acquisition"] == acq
    assert set(first.mean) == {"f1", "f2"} and all(v > 0 for v in first.std.values())


def test_constraint_steers_picks_to_feasible_region(setup) -> None:
    lib, obs = setup
    leak_max = 0.25
    s = MOBOStrategy("ehvi", (0.0, 0.0), (ModelConstraint("leak", None, leak_max),), gp=FAST)
    picks = _suggest(s, lib, obs, n=4)
    leak = _truth(lib.features[lib.index_of([p.location_id for p in picks])])[:, 2]
    assert np.all(leak <= leak_max + 0.05), leak
    assert all(0.0 <= p.info["pof"] <= 1.0 for p in picks)
    assert "leak" in picks[0].info["outcomes"]
    unconstrained = _suggest(MOBOStrategy("ehvi", (0.0, 0.0), gp=FAST), lib, obs, n=4)
    assert {p.location_id for p in unconstrained} != {p.location_id for p in picks}


def test_constraint_without_data_is_reported_not_fatal(setup) -> None:
    lib, obs = setup
    s = MOBOStrategy("ehvi", (0.0, 0.0), (ModelConstraint("leak", None, 0.2),), gp=FAST)
    blank = dataclasses.replace(obs, outcomes=np.full_like(obs.outcomes, np.nan))
    (p,) = _suggest(s, lib, blank)
    assert p.info["constraints_without_data"] == ["leak"]


def test_auto_reference_point_is_chosen_once_and_reused(setup) -> None:
    lib, obs = setup
    s = MOBOStrategy("ehvi", gp=FAST)
    (p,) = _suggest(s, lib, obs)
    ref = p.model_state["ref_point"]
    assert p.model_state["ref_rule"] == "auto"
    lo, hi = obs.Y.min(axis=0), obs.Y.max(axis=0)
    np.testing.assert_allclose(ref, lo - 0.1 * (hi - lo))
    rows = lib.index_of(obs.ids).tolist()
    more = _observe(lib, rows + [r for r in (5, 6, 7, 100) if r not in rows][:3])
    (q,) = _suggest(s, lib, more, warm=dict(p.model_state))
    assert q.model_state["ref_point"] == ref
    explicit = MOBOStrategy("ehvi", ref_point=(-1.0, -2.0), gp=FAST)
    (r,) = _suggest(explicit, lib, obs, warm=dict(p.model_state))
    assert r.model_state["ref_point"] == [-1.0, -2.0] and r.model_state["ref_rule"] == "explicit"


def test_warm_start_state_names_every_model(setup) -> None:
    lib, obs = setup
    s = MOBOStrategy("parego", (0.0, 0.0), (ModelConstraint("leak", None, 0.5),), gp=FAST)
    (p,) = _suggest(s, lib, obs)
    assert set(p.model_state["gps"]) == {"f1", "f2", "leak"}
    (q,) = _suggest(s, lib, obs, warm=dict(p.model_state))
    (q2,) = _suggest(s, lib, obs, warm=dict(p.model_state))
    assert q.location_id == q2.location_id


def test_parego_draws_a_new_scalarisation_per_pick(setup) -> None:
    lib, obs = setup
    s = MOBOStrategy("parego", (0.0, 0.0), gp=FAST)
    batch = _suggest(s, lib, obs, n=3, seed=4)
    weights = [tuple(b.info["weights"]) for b in batch]
    assert len(set(weights)) == 3
    assert all(sum(w) == pytest.approx(1.0) for w in weights)
    assert [b.location_id for b in _suggest(s, lib, obs, n=3, seed=4)] == [
        b.location_id for b in batch
    ]


def test_exclude_wrapper_never_picks_inside_and_reports_exhaustion(setup) -> None:
    lib, obs = setup
    region = Rect((0.0, 6.0), (0.0, 8.66))
    s = ExcludeRegionsStrategy(MOBOStrategy("ehvi", (0.0, 0.0), gp=FAST), (region,))
    picks = _suggest(s, lib, obs, n=5)
    xy = lib.positions_mm[lib.index_of([p.location_id for p in picks])]
    assert not region.contains(xy).any()
    everything = ExcludeRegionsStrategy(s, (Rect((-1.0, 11.0), (-1.0, 10.0)),))
    with pytest.raises(NoCandidatesLeftError, match="excluded region"):
        _suggest(everything, lib, obs)


def test_botorch_bridge_reproduces_our_posterior(rng) -> None:
    torch = pytest.importorskip("torch")
    X = rng.random((25, 2))
    y = np.sin(4 * X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.normal(size=25)
    gp = fit_gp(X, y, options=FAST)
    Xc = rng.random((300, 2))
    mean, std = gp.predict(Xc)
    with torch.no_grad():
        post = to_botorch(gp).posterior(torch.as_tensor(Xc))
    np.testing.assert_allclose(post.mean.numpy()[:, 0] * gp.y_scale + gp.y_mean, mean, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(post.variance.numpy()[:, 0]) * gp.y_scale, std, atol=1e-9)


def test_prune_baseline_drops_only_surely_dominated_points() -> None:
    mean = np.array([[0.0, 0.0], [5.0, 5.0], [4.9, 5.2], [1.0, -1.0]])
    std = np.full_like(mean, 0.1)
    np.testing.assert_array_equal(prune_baseline(mean, std), [False, True, True, False])
    np.testing.assert_array_equal(prune_baseline(mean, np.full_like(mean, 5.0)), [True] * 4)


def test_log_nehvi_equals_closed_form_ehvi_without_noise() -> None:
    """With a (nearly) noise-free incumbent, NEHVI is EHVI on the observed front: the BoTorch
    bridge and our closed form agree (cross-validates both)."""
    from explorer.strategies import hypervolume_acq as hva
    from explorer.strategies.nehvi import log_nehvi

    gen = np.random.default_rng(0)
    X = gen.random((15, 2))
    Y = np.column_stack([np.sin(3 * X[:, 0]) + X[:, 1], np.cos(3 * X[:, 1]) - X[:, 0] ** 2])
    gps = [fit_gp(X, Y[:, j], options=GPOptions(noise_variance=1e-8)) for j in range(2)]
    Xc = gen.random((200, 2))
    ref = Y.min(axis=0) - 0.1
    scale = gps[0].y_scale * gps[1].y_scale  # NEHVI works in standardised units
    nehvi = np.exp(log_nehvi(gps, 2, Xc, X, ref, seed=1, mc_samples=1024)) * scale
    preds = [gp.predict(Xc) for gp in gps]
    mu, sd = np.column_stack([p[0] for p in preds]), np.column_stack([p[1] for p in preds])
    lower, upper = hva.pareto_cells(Y[non_dominated_mask(Y)], ref)
    ehvi = hva.ehvi(mu, sd, lower, upper)
    big = ehvi > 1e-2 * ehvi.max()  # where the Monte-Carlo error is small relative to EHVI
    rel = np.abs(nehvi[big] / ehvi[big] - 1)
    assert big.sum() > 50 and np.median(rel) < 0.01 and np.quantile(rel, 0.95) < 0.05
    assert int(np.argmax(nehvi)) == int(np.argmax(ehvi))


def test_stalled_ehvi_explores_the_farthest_candidate(setup) -> None:
    lib, obs = setup
    forced = MOBOStrategy("ehvi", gp=FAST, stall_threshold=0.999, stall_explore="maxmin")
    (s,) = _suggest(forced, lib, obs)
    assert s.info["stalled"] is True and s.info["ehvi_relative"] < 0.999
    rest = lib.without(set(obs.ids.tolist()))
    xc, xo = rest.unit_features(), lib.unit_features(obs.X)
    d2 = ((xc[:, None, :] - xo[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    assert s.location_id == int(rest.ids[int(np.argmax(d2))])


def test_stalled_ehvi_by_variance_and_the_rule_switched_off(setup) -> None:
    lib, obs = setup
    by_var = _suggest(MOBOStrategy("ehvi", gp=FAST, stall_threshold=0.999), lib, obs)[0]
    assert by_var.info["stalled"] is True
    pure = _suggest(MOBOStrategy("ehvi", gp=FAST, stall_threshold=None), lib, obs)[0]
    assert "stalled" not in pure.info
    default = _suggest(MOBOStrategy("ehvi", gp=FAST), lib, obs)[0]
    assert default.info["stalled"] is (default.info["ehvi_relative"] < 1e-3)


def test_every_ehvi_decision_logs_how_far_its_best_candidate_stands_out(setup) -> None:
    """ehvi_contrast: the best EHVI over the median candidate's (1: a flat acquisition)."""
    lib, obs = setup
    s = _suggest(MOBOStrategy("ehvi", gp=FAST, stall_threshold=None), lib, obs)[0]
    assert s.info["ehvi_contrast"] > 1.0 and "stalled" not in s.info
    other = _suggest(MOBOStrategy("parego", gp=FAST), lib, obs)[0]
    assert "ehvi_contrast" not in other.info
