"""Exact GP: accuracy, warm start, determinism, fallbacks for degenerate data."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.models.gp import GPHyperparameters, GPOptions, fit_gp


def _data(n: int, seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = np.sin(5 * X[:, 0]) + 0.5 * np.cos(3 * X[:, 1]) + noise * rng.normal(size=n)
    return X, y


def test_recovers_a_smooth_function() -> None:
    X, y = _data(80)
    gp = fit_gp(X, y)
    Xt, yt = _data(200, seed=1, noise=0.0)
    mean, std = gp.predict(Xt)
    rmse = float(np.sqrt(np.mean((mean - yt) ** 2)))
    assert rmse < 0.08
    z = (mean - yt) / std
    assert 0.3 < float(np.mean(np.abs(z) < 2)) <= 1.0  # calibrated-ish uncertainty
    assert 0.001 < gp.hypers.noise < 0.05 / np.var(y) * 5


def test_warm_start_is_fast_and_equivalent() -> None:
    X, y = _data(60)
    cold = fit_gp(X, y)
    warm = fit_gp(X, y, warm_start=cold.hypers)
    Xt, _ = _data(50, seed=2)
    np.testing.assert_allclose(warm.predict(Xt)[0], cold.predict(Xt)[0], atol=5e-3)


def test_deterministic() -> None:
    X, y = _data(40)
    a, b = fit_gp(X, y), fit_gp(X, y)
    assert a.hypers == b.hypers


def test_hyperparameters_round_trip_json() -> None:
    h = GPHyperparameters((0.1, 0.2), 1.5, 0.01, -0.2)
    assert GPHyperparameters.from_dict(h.to_dict()) == h


@pytest.mark.parametrize("case", ["constant", "duplicates", "single", "outlier"])
def test_degenerate_data_does_not_crash(case: str) -> None:
    X, y = _data(20)
    if case == "constant":
        y = np.full(20, 3.0)
    elif case == "duplicates":
        X = np.repeat(X[:5], 4, axis=0)
        y = np.repeat(y[:5], 4)
    elif case == "single":
        X, y = X[:1], y[:1]
    elif case == "outlier":
        y = y.copy()
        y[3] = 1e6
    gp = fit_gp(X, y, options=GPOptions(max_iter_cold=50))
    mean, std = gp.predict(np.random.default_rng(3).random((7, 2)))
    assert np.all(np.isfinite(mean)) and np.all(std > 0)
    if case == "constant":
        np.testing.assert_allclose(mean, 3.0)


def test_condition_on_reduces_uncertainty_at_the_point() -> None:
    X, y = _data(30)
    gp = fit_gp(X, y)
    x = np.array([[0.51, 0.49]])
    m, s = gp.predict(x)
    gp2 = gp.condition_on(x, m)
    m2, s2 = gp2.predict(x)
    assert s2[0] < s[0]
    np.testing.assert_allclose(m2, m, atol=1e-6)


def test_fixed_per_point_noise() -> None:
    X, y = _data(30)
    gp = fit_gp(X, y, noise_variance=np.full(30, 0.05**2))
    assert np.all(gp.noise_var > 0)
