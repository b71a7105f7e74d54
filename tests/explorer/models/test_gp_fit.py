"""The analytic MAP objective equals gpytorch's ExactMarginalLogLikelihood (+ the same priors),
value and gradient, so the fast fit optimises exactly the model the design specifies."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import approx_fprime

from explorer.models.gp import GPOptions, fit_gp
from explorer.models.gp_fit import MapProblem, minimise
from explorer.models.gp_gpytorch import gpytorch_loss_and_grad
from explorer.models.kernels import DTYPE


def _problem(fixed: bool, ard: bool, nu: float) -> MapProblem:
    rng = np.random.default_rng(1)
    x = rng.random((30, 2))
    z = np.sin(4 * x[:, 0]) + x[:, 1] + 0.1 * rng.normal(size=30)
    z = (z - z.mean()) / z.std()
    noise = torch.full((30,), 0.02, dtype=DTYPE) if fixed else None
    return MapProblem(torch.as_tensor(x), torch.as_tensor(z), noise, nu, ard)


@pytest.mark.parametrize(
    ("fixed", "ard", "nu"),
    [(False, True, 2.5), (False, False, 1.5), (True, True, 0.5), (True, False, 2.5)],
)
def test_loss_and_gradient_match_gpytorch(fixed: bool, ard: bool, nu: float) -> None:
    p = _problem(fixed, ard, nu)
    k = p.n_lengthscales
    theta = np.array([math.log(0.3)] * k + [math.log(1.4)] + ([] if fixed else [math.log(0.05)]))
    theta = np.append(theta, 0.1)
    value, grad = p.loss_and_grad(theta)
    ref_value, ref_grad = gpytorch_loss_and_grad(p, theta)
    assert value == pytest.approx(ref_value, rel=1e-8)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-7, atol=1e-9)
    numeric = approx_fprime(theta, lambda t: p.loss_and_grad(t)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)


def test_non_pd_covariance_reports_failure_not_crash() -> None:
    p = _problem(True, True, 2.5)
    x = torch.cat([p.x, p.x])  # duplicated inputs with (almost) no noise: singular K
    bad = MapProblem(
        x, torch.cat([p.z, p.z + 1.0]), torch.full((60,), 1e-30, dtype=DTYPE), 2.5, True
    )
    value, grad = bad.loss_and_grad(np.array([math.log(5.0), math.log(5.0), 0.0, 0.0]))
    assert value >= 1e9 and not grad.any()


def test_minimise_stays_in_bounds_and_improves() -> None:
    p = _problem(False, True, 2.5)
    theta0 = np.array([math.log(0.5)] * 2 + [0.0, math.log(0.05), 0.0])
    theta, loss = minimise(p, theta0, 200)
    assert loss < p.loss_and_grad(theta0)[0]
    for v, (lo, hi) in zip(theta, p.bounds(), strict=True):
        assert lo <= v <= hi


@pytest.mark.parametrize("fixed_noise", [None, 0.01])
def test_gpytorch_engine_fits_the_same_hyperparameters(fixed_noise: float | None) -> None:
    """`engine: gpytorch` runs the whole fit through gpytorch's MLL and autograd; it lands on
    the same MAP hyperparameters as the closed form (same objective, same optimiser)."""
    rng = np.random.default_rng(4)
    x = rng.random((40, 2))
    y = np.sin(5 * x[:, 0]) * np.cos(3 * x[:, 1]) + 0.05 * rng.normal(size=40)
    fast = fit_gp(x, y, options=GPOptions(noise_variance=fixed_noise), seed=1)
    ref = fit_gp(x, y, options=GPOptions(noise_variance=fixed_noise, engine="gpytorch"), seed=1)
    np.testing.assert_allclose(fast.hypers.lengthscales, ref.hypers.lengthscales, rtol=1e-4)
    assert fast.hypers.outputscale == pytest.approx(ref.hypers.outputscale, rel=1e-4)
    assert fast.hypers.noise == pytest.approx(ref.hypers.noise, rel=1e-4, abs=1e-9)
    xc = rng.random((200, 2))
    np.testing.assert_allclose(fast.predict(xc)[0], ref.predict(xc)[0], rtol=1e-5, atol=1e-7)


def test_gpytorch_engine_reports_a_non_finite_objective_as_failure() -> None:
    x = torch.linspace(0, 1, 5, dtype=DTYPE).reshape(-1, 1)
    z = torch.tensor([0.0, 1.0, float("nan"), 0.5, 0.2], dtype=DTYPE)
    p = MapProblem(x, z, None, 2.5, True)
    value, grad = gpytorch_loss_and_grad(p, np.array([0.0, 0.0, -3.0, 0.0]))
    assert value == 1e10 and not grad.any()
