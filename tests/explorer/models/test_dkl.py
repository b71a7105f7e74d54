"""Deep kernel learning: learns a structure-property map, warm starts exactly, deterministic."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter, uniform_filter

from explorer.errors import ModelFitError
from explorer.models.dkl import (
    DKLOptions,
    PretrainedExtractor,
    build_extractor,
    dkl_from_state,
    fit_dkl,
    pretrained_state,
)
from explorer.models.gp import GPOptions, fit_gp

FAST = DKLOptions(extractor="cnn", hidden=(8,), iters_cold=150, iters_warm=20)


def _structure_property(n_side: int = 36, size: int = 5, seed: int = 0):  # type: ignore[no-untyped-def]
    """Smooth random image; property = (local 3×3 mean)² — needs the neighbourhood, and is
    not monotone in any single pixel."""
    rng = np.random.default_rng(seed)
    img = gaussian_filter(rng.normal(size=(n_side, n_side)), 1.2)
    img = (img - img.mean()) / img.std()
    prop = uniform_filter(img, 3, mode="reflect") ** 2
    r = size // 2
    padded = np.pad(img, r, mode="reflect")
    rows, cols = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    off = np.arange(size)
    patches = padded[
        rows.ravel()[:, None, None] + off[None, :, None],
        cols.ravel()[:, None, None] + off[None, None, :],
    ]
    x = patches.reshape(len(patches), -1)
    x = (x - x.min()) / (x.max() - x.min())
    return x, prop.ravel()


def test_learns_a_structure_property_map_from_patches() -> None:
    x, y = _structure_property()
    rng = np.random.default_rng(1)
    train = rng.choice(len(x), 120, replace=False)
    test = np.setdiff1d(np.arange(len(x)), train)
    model = fit_dkl(x[train], y[train], options=FAST, seed=3)
    mean, std = model.predict(x[test])
    r2 = 1 - np.mean((mean - y[test]) ** 2) / np.var(y[test])
    assert r2 > 0.8, r2  # a plain ARD GP on the same patches reaches ~0.9; the CNN ~0.94
    assert np.all(std > 0) and model.latent(x[:4]).shape == (4, 25 + 2)  # [patch, features]
    # calibration, roughly: most held-out errors within 3 posterior std (+ noise)
    noise = np.sqrt(model.gp.hypers.noise) * model.gp.y_scale
    z = np.abs(mean - y[test]) / np.sqrt(std**2 + noise**2)
    assert np.mean(z < 3) > 0.85


def test_warm_start_is_exact_through_json_and_cheaper() -> None:
    x, y = _structure_property(n_side=20, size=3)
    cold = fit_dkl(x[:40], y[:40], options=FAST, seed=0)
    state = cold.state()
    assert len(json.dumps(state)) < 20_000
    a = fit_dkl(x[:50], y[:50], options=FAST, warm_start=state, seed=0)
    b = fit_dkl(x[:50], y[:50], options=FAST, warm_start=json.loads(json.dumps(state)), seed=0)
    np.testing.assert_array_equal(a.predict(x)[0], b.predict(x)[0])
    fresh = fit_dkl(x[:50], y[:50], options=FAST, seed=0)
    assert not np.array_equal(a.predict(x)[0], fresh.predict(x)[0])
    other = DKLOptions(extractor="cnn", hidden=(4,), iters_cold=5)  # another layout: ignored
    c = fit_dkl(x[:50], y[:50], options=other, warm_start=state, seed=0)
    d = fit_dkl(x[:50], y[:50], options=other, seed=0)
    np.testing.assert_array_equal(c.predict(x)[0], d.predict(x)[0])


def test_deterministic_and_leaves_the_global_rng_alone() -> None:
    x, y = _structure_property(n_side=16, size=3)
    before = torch.random.get_rng_state().clone()
    a = fit_dkl(x[:30], y[:30], options=FAST, seed=5).predict(x)
    b = fit_dkl(x[:30], y[:30], options=FAST, seed=5).predict(x)
    assert torch.equal(before, torch.random.get_rng_state())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_conditioning_shrinks_the_variance_at_the_fantasy_point() -> None:
    x, y = _structure_property(n_side=16, size=3)
    model = fit_dkl(x[:30], y[:30], options=FAST, seed=0)
    _, s0 = model.predict(x[100:101])
    _, s1 = model.condition_on(x[100:101], model.predict(x[100:101])[0]).predict(x[100:101])
    assert s1[0] < s0[0]


def test_constant_or_single_observation_is_not_trained() -> None:
    x, _ = _structure_property(n_side=10, size=3)
    model = fit_dkl(x[:5], np.full(5, 2.0), options=FAST)
    assert "not trained" in model.warnings[0]
    np.testing.assert_allclose(model.predict(x[5:8])[0], 2.0)
    with pytest.raises(ModelFitError):
        fit_dkl(x[:3], np.array([1.0, np.nan, 2.0]))


def test_cnn_needs_odd_square_patches() -> None:
    with pytest.raises(ModelFitError, match="odd square image patches"):
        build_extractor(DKLOptions(extractor="cnn"), 10, 0)
    with pytest.raises(ModelFitError, match="odd square"):
        build_extractor(DKLOptions(extractor="cnn", channels=2), 2 * 16, 0)
    net = build_extractor(DKLOptions(extractor="cnn", channels=2, latent_dim=3), 2 * 49, 0)
    assert net(torch.zeros(4, 98, dtype=torch.float64)).shape == (4, 98 + 3)  # [x, features]


def _smooth_patch_property(seed: int):  # type: ignore[no-untyped-def]
    """Patches of a smooth random image (unit cube) and a smooth, nonlinear function of each
    patch: a sine of the centre pixel plus a quadratic of the surrounding 3×3 ring's mean."""
    x, _ = _structure_property(n_side=30, size=5, seed=seed)
    ring = x.reshape(len(x), 5, 5)[:, 1:4, 1:4].mean((1, 2))
    return x, np.sin(4.0 * x[:, 12]) + 4.0 * (ring - 0.5) ** 2


@pytest.mark.parametrize("extractor", ["cnn", "mlp"])
def test_predicts_held_out_patches_clearly_better_than_the_mean(extractor: str) -> None:
    x, y = _smooth_patch_property(seed=7)
    train = np.random.default_rng(0).choice(len(x), 100, replace=False)
    test = np.setdiff1d(np.arange(len(x)), train)
    model = fit_dkl(x[train], y[train], options=DKLOptions(extractor=extractor, hidden=(8,)))
    mean, _ = model.predict(x[test])
    rmse_over_sd = np.sqrt(np.mean((mean - y[test]) ** 2)) / np.std(y[test])
    # predicting the training mean everywhere scores ~1.0
    assert rmse_over_sd < 0.4, rmse_over_sd


def test_linear_skip_starts_at_the_principal_directions() -> None:
    from explorer.models.dkl import init_principal

    x, _ = _structure_property(n_side=12, size=3)
    opts = DKLOptions(extractor="linear", latent_dim=2, input_skip=False)
    net = build_extractor(opts, x.shape[1], 0)
    assert init_principal(net, x)
    with torch.no_grad():
        z = net(torch.as_tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.cov(z.T, bias=True), np.eye(2), atol=1e-9)  # whitened PCs
    assert not init_principal(build_extractor(DKLOptions(input_skip=False), 9, 0), x)


PRETRAINED = DKLOptions(
    extractor="mlp",
    hidden=(16,),
    latent_dim=2,
    pretrain="autoencoder",
    pretrain_iters=200,
    finetune=False,
)


def test_pretrained_frozen_extractor_is_the_ard_gp_on_inputs_and_bounded_codes() -> None:
    pool, y = _structure_property(n_side=24, size=3, seed=2)
    rows = np.random.default_rng(0).choice(len(pool), 40, replace=False)
    model = fit_dkl(pool[rows], y[rows], options=PRETRAINED, seed=4, pool=pool)
    assert model.pretraining is not None and 0 < model.pretraining.error < 1
    z = model.latent(pool)
    np.testing.assert_array_equal(z[:, :9], pool)  # the raw-input skip
    codes = z[:, 9:]
    assert codes.min() == pytest.approx(0.0, abs=1e-6)
    assert codes.max() == pytest.approx(1.0, abs=1e-6)
    # frozen: the GP on [x, g(x)] is fitted exactly as the plain ARD GP on those features
    plain = fit_gp(model.latent(pool[rows]), y[rows], options=GPOptions(), seed=4)
    assert model.gp.hypers == plain.hypers
    # the codes summarise the patches: together they track the patch mean closely
    design = np.column_stack([codes, codes**2, np.ones(len(codes))])
    fit = np.linalg.lstsq(design, pool.mean(1), rcond=None)[0]
    r2 = 1 - np.var(pool.mean(1) - design @ fit) / np.var(pool.mean(1))
    assert r2 > 0.8, r2


def test_pretraining_is_deterministic_and_the_state_carries_it() -> None:
    pool, y = _structure_property(n_side=20, size=3, seed=3)
    a = fit_dkl(pool[:30], y[:30], options=PRETRAINED, seed=1, pool=pool)
    b = fit_dkl(pool[:30], y[:30], options=PRETRAINED, seed=1, pool=pool)
    np.testing.assert_array_equal(a.latent(pool), b.latent(pool))
    # the run's preparation: the same pretraining as arrays, loaded instead of repeated
    pre = PretrainedExtractor.from_arrays(
        pretrained_state(PRETRAINED, pool.shape[1], pool, 1).to_arrays()
    )
    c = fit_dkl(pool[:30], y[:30], options=PRETRAINED, seed=1, pretrained=pre)
    np.testing.assert_array_equal(a.latent(pool), c.latent(pool))
    np.testing.assert_array_equal(a.predict(pool)[0], c.predict(pool)[0])
    other = fit_dkl(pool[:30], y[:30], options=PRETRAINED, seed=2, pool=pool)
    assert not np.array_equal(a.latent(pool), other.latent(pool))
    # a later decision continues from the logged state: same codes, no pretraining, no pool
    state = json.loads(json.dumps(a.state()))
    warm = fit_dkl(pool[:31], y[:31], options=PRETRAINED, seed=1, warm_start=state)
    assert warm.pretraining is None
    np.testing.assert_array_equal(warm.latent(pool), a.latent(pool))
    rebuilt = dkl_from_state(pool[:31], y[:31], warm.state(), PRETRAINED)
    assert rebuilt is not None
    np.testing.assert_array_equal(rebuilt.predict(pool)[0], warm.predict(pool)[0])
    with pytest.raises(ModelFitError, match="pool"):
        fit_dkl(pool[:30], y[:30], options=PRETRAINED, seed=9)


def test_refit_cold_ignores_the_logged_hyperparameters_but_keeps_the_weights() -> None:
    pool, y = _structure_property(n_side=20, size=3, seed=5)
    cold = replace(PRETRAINED, refit_cold=True)
    first = fit_dkl(pool[:30], y[:30], options=cold, seed=1, pool=pool)
    state = first.state()
    state["gp"]["lengthscales"] = [9.0] * len(state["gp"]["lengthscales"])  # a poor basin
    again = fit_dkl(pool[:30], y[:30], options=cold, seed=1, warm_start=state)
    assert again.gp.hypers == first.gp.hypers
    np.testing.assert_array_equal(again.latent(pool), first.latent(pool))


def test_pretrained_extractor_can_be_fine_tuned() -> None:
    pool, y = _structure_property(n_side=20, size=3, seed=6)
    tuned = replace(PRETRAINED, finetune=True, iters_cold=60)
    frozen = fit_dkl(pool[:40], y[:40], options=PRETRAINED, seed=1, pool=pool)
    model = fit_dkl(pool[:40], y[:40], options=tuned, seed=1, pool=pool)
    assert np.isfinite(model.loss)
    assert not np.allclose(model.latent(pool)[:, 9:], frozen.latent(pool)[:, 9:])


def test_refit_cold_of_a_trained_network_starts_from_its_initial_weights() -> None:
    x, y = _structure_property(n_side=16, size=3, seed=7)
    cold = replace(FAST, refit_cold=True, iters_cold=30)
    first = fit_dkl(x[:30], y[:30], options=cold, seed=2)
    fresh = fit_dkl(x[:40], y[:40], options=cold, seed=2)
    again = fit_dkl(x[:40], y[:40], options=cold, seed=2, warm_start=first.state())
    np.testing.assert_array_equal(again.predict(x)[0], fresh.predict(x)[0])
