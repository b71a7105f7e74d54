"""The analytic MAP objective equals gpytorch's ExactMarginalLogLikelihood (+ the same priors),
value and gradient, so the fast fit optimises exactly the model the design specifies."""

from __future__ import annotations

import math

import gpytorch
import numpy as np
import pytest
import torch
from scipy.optimize import approx_fprime

from explorer.models.gp_fit import MapProblem, minimise
from explorer.models.kernels import DTYPE


class _Reference(gpytorch.models.ExactGP):
    """The model as gpytorch would build it (priors and constraints of explorer.models.gp)."""

    def __init__(self, x, y, likelihood, nu: float, ard: bool) -> None:
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ConstantMean()
        base = gpytorch.kernels.MaternKernel(
            nu=nu,
            ard_num_dims=x.shape[-1] if ard else None,
            lengthscale_prior=gpytorch.priors.GammaPrior(3.0, 6.0),
        )
        self.covar_module = gpytorch.kernels.ScaleKernel(
            base, outputscale_prior=gpytorch.priors.GammaPrior(2.0, 0.15)
        )

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def _reference_loss(problem: MapProblem, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """−(MLL + log priors)/n by gpytorch, and its gradient in θ by autograd."""
    t = torch.tensor(theta, dtype=DTYPE, requires_grad=True)
    k = problem.n_lengthscales
    if problem.fixed_noise is None:
        lik = gpytorch.likelihoods.GaussianLikelihood(
            noise_prior=gpytorch.priors.GammaPrior(1.1, 0.05),
            noise_constraint=gpytorch.constraints.GreaterThan(0.0),
        )
    else:
        lik = gpytorch.likelihoods.FixedNoiseGaussianLikelihood(problem.fixed_noise)
    model = _Reference(problem.x, problem.z, lik, problem.nu, problem.ard).to(DTYPE)
    model.train()
    # bypass the constraints' transforms: feed θ's natural values straight into the modules
    model.covar_module.base_kernel.raw_lengthscale_constraint = gpytorch.constraints.Positive(
        transform=torch.exp, inv_transform=torch.log
    )
    model.covar_module.raw_outputscale_constraint = gpytorch.constraints.Positive(
        transform=torch.exp, inv_transform=torch.log
    )
    del model.covar_module.base_kernel.raw_lengthscale
    del model.covar_module.raw_outputscale
    model.covar_module.base_kernel.raw_lengthscale = t[:k].reshape(1, -1)
    model.covar_module.raw_outputscale = t[k]
    if problem.fixed_noise is None:
        lik.noise_covar.raw_noise_constraint = gpytorch.constraints.Positive(
            transform=torch.exp, inv_transform=torch.log
        )
        del lik.noise_covar.raw_noise
        lik.noise_covar.raw_noise = t[k + 1].reshape(1)
    del model.mean_module.raw_constant
    model.mean_module.raw_constant = t[-1]
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
    with gpytorch.settings.max_cholesky_size(10_000), gpytorch.settings.cholesky_jitter(0.0):
        loss = -mll(model(problem.x), problem.z)
    loss.backward()
    assert t.grad is not None
    return float(loss.detach()), t.grad.numpy()


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
    ref_value, ref_grad = _reference_loss(p, theta)
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
