"""Factor reuse and cheap bounds of the exact GP: block-extended Cholesky == refactorisation,
nearest-neighbour std bounds are valid upper bounds, the fit subset is stable as data grow."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.models.gp import FittedGP, GPHyperparameters, GPOptions, fit_gp


def _gp(n: int = 120, d: int = 2, seed: int = 0, nu: float = 2.5) -> FittedGP:
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.sin(5 * X[:, 0]) + X[:, -1] ** 2 + 0.05 * rng.normal(size=n)
    return fit_gp(X, y, options=GPOptions(nu=nu, max_iter_cold=60, restarts=0))


def test_condition_on_extends_the_factor_exactly() -> None:
    gp = _gp()
    xn = np.random.default_rng(1).random((3, 2))
    yn = gp.predict(xn)[0] + np.array([0.3, -0.2, 0.1])
    fast = gp.condition_on(xn, yn)
    fresh = FittedGP(fast.X, fast.y, gp.hypers, gp.y_mean, gp.y_scale, fast.noise_var, gp.nu)
    xt = np.random.default_rng(2).random((50, 2))
    for a, b in zip(fast.predict(xt), fresh.predict(xt), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_condition_on_a_duplicate_point_falls_back_to_refactorising() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((10, 2))
    h = GPHyperparameters((0.3, 0.3), 1.0, 1e-7, 0.0)
    gp = FittedGP(X, np.sin(X[:, 0]), h, 0.0, 1.0, np.full(10, 1e-12), 2.5)
    dup = gp.condition_on(np.vstack([X[:1], X[:1]]), np.zeros(2))
    mean, std = dup.predict(X[:3])
    assert np.all(np.isfinite(mean)) and np.all(std > 0)


@pytest.mark.parametrize(("nu", "d"), [(2.5, 2), (1.5, 3), (0.5, 2)])
def test_std_upper_bound_bounds_the_exact_std(nu: float, d: int) -> None:
    gp = _gp(n=300, d=d, nu=nu)
    xc = np.random.default_rng(5).random((2000, d))
    _, exact = gp.predict(xc)
    for k in (4, 32):
        bound = gp.std_upper_bound(xc, neighbours=k)
        assert np.all(bound >= exact)
        assert np.all(bound <= np.sqrt(gp.hypers.outputscale) * gp.y_scale * (1 + 1e-9))
    tight = gp.std_upper_bound(xc)  # the default neighbourhood
    assert np.median(tight / exact) < 2.0  # useful, not just valid


def test_std_upper_bound_with_all_points_is_exact() -> None:
    gp = _gp(n=20)
    xc = np.random.default_rng(5).random((30, 2))
    np.testing.assert_allclose(gp.std_upper_bound(xc, neighbours=64), gp.predict(xc)[1])


def test_predict_mean_equals_predict() -> None:
    gp = _gp()
    xc = np.random.default_rng(3).random((5000, 2))
    np.testing.assert_allclose(gp.predict_mean(xc), gp.predict(xc)[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        gp.predict(xc, chunk=7)[1], gp.predict(xc)[1], rtol=1e-10, atol=1e-12
    )


def test_fit_subset_is_stable_when_a_point_is_added() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((61, 2))
    y = np.sin(4 * X[:, 0]) + 0.05 * rng.normal(size=61)
    opts = GPOptions(fit_subset=40, max_iter_cold=80, restarts=0)
    before = fit_gp(X[:60], y[:60], options=opts, seed=3)
    after = fit_gp(X, y, options=opts, seed=3, warm_start=before.hypers)
    # one point more changes the fit subset by at most one row: hyperparameters barely move
    np.testing.assert_allclose(after.hypers.lengthscales, before.hypers.lengthscales, rtol=0.3)
