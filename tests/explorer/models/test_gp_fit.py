"""The MAP objective fitted through gpytorch equals an analytic implementation of the same
marginal likelihood and priors (value and gradient), so the fit optimises exactly the model the
design specifies."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import approx_fprime, minimize

from explorer.models.gp import GPOptions, fit_gp
from explorer.models.gp_fit import TOLERANCE_NATS, MapProblem, gpytorch_loss_and_grad, minimise
from explorer.models.kernels import DTYPE
from tests.explorer.models.closed_form_mll import closed_form_loss_and_grad


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
def test_loss_and_gradient_match_the_closed_form(fixed: bool, ard: bool, nu: float) -> None:
    p = _problem(fixed, ard, nu)
    k = p.n_lengthscales
    theta = np.array([math.log(0.3)] * k + [math.log(1.4)] + ([] if fixed else [math.log(0.05)]))
    theta = np.append(theta, 0.1)
    value, grad = p.loss_and_grad(theta)
    ref_value, ref_grad = closed_form_loss_and_grad(p, theta)
    assert value == pytest.approx(ref_value, rel=1e-8)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-7, atol=1e-9)
    # finite differences check the oracle (gpytorch's distances carry more round-off)
    numeric = approx_fprime(theta, lambda t: closed_form_loss_and_grad(p, t)[0], 1e-7)
    np.testing.assert_allclose(ref_grad, numeric, rtol=1e-4, atol=1e-6)


def test_non_pd_covariance_reports_failure_not_crash() -> None:
    p = _problem(True, True, 2.5)
    x = torch.cat([p.x, p.x])  # duplicated inputs with (almost) no noise: singular K
    bad = MapProblem(
        x, torch.cat([p.z, p.z + 1.0]), torch.full((60,), 1e-30, dtype=DTYPE), 2.5, True
    )
    theta = np.array([math.log(5.0), math.log(5.0), 0.0, 0.0])
    value, grad = closed_form_loss_and_grad(bad, theta)
    assert value >= 1e9 and not grad.any()
    value, grad = bad.loss_and_grad(theta)  # gpytorch floors the noise at 1e-6: K is PD again
    assert math.isfinite(value) and value < 1e9 and np.all(np.isfinite(grad))


def test_minimise_stays_in_bounds_and_improves() -> None:
    p = _problem(False, True, 2.5)
    theta0 = np.array([math.log(0.5)] * 2 + [0.0, math.log(0.05), 0.0])
    theta, loss = minimise(p, theta0, 200)
    assert loss < p.loss_and_grad(theta0)[0]
    for v, (lo, hi) in zip(theta, p.bounds(), strict=True):
        assert lo <= v <= hi


@pytest.mark.parametrize("fixed_noise", [None, 0.01])
def test_the_fit_lands_on_the_closed_form_optimum(fixed_noise: float | None) -> None:
    """The same L-BFGS-B run on the closed-form objective finds the same MAP hyperparameters."""
    rng = np.random.default_rng(4)
    x = rng.random((40, 2))
    y = np.sin(5 * x[:, 0]) * np.cos(3 * x[:, 1]) + 0.05 * rng.normal(size=40)
    fitted = fit_gp(x, y, options=GPOptions(noise_variance=fixed_noise, restarts=0), seed=1)
    z = (y - y.mean()) / y.std()
    fixed = None
    if fixed_noise is not None:
        fixed = torch.full((40,), fixed_noise / y.std() ** 2, dtype=DTYPE)
    p = MapProblem(torch.as_tensor(x), torch.as_tensor(z), fixed, 2.5, True)
    h = fitted.hypers
    theta = np.array([*np.log(h.lengthscales), math.log(h.outputscale)])
    theta = np.append(theta, ([] if fixed is not None else [math.log(h.noise)]) + [h.mean])
    res = minimize(
        lambda t: closed_form_loss_and_grad(p, t),
        theta,
        jac=True,
        method="L-BFGS-B",
        bounds=p.bounds(),
        options={"ftol": TOLERANCE_NATS / 40},
    )
    assert res.fun == pytest.approx(p.loss_and_grad(theta)[0], abs=10 * TOLERANCE_NATS / 40)
    np.testing.assert_allclose(res.x, theta, atol=2e-2)


def test_a_non_finite_objective_is_a_failure() -> None:
    x = torch.linspace(0, 1, 5, dtype=DTYPE).reshape(-1, 1)
    z = torch.tensor([0.0, 1.0, float("nan"), 0.5, 0.2], dtype=DTYPE)
    p = MapProblem(x, z, None, 2.5, True)
    value, grad = gpytorch_loss_and_grad(p, np.array([0.0, 0.0, -3.0, 0.0]))
    assert value == 1e10 and not grad.any()
