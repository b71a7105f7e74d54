"""MAP hyperparameters of the exact GP: gpytorch's ExactMarginalLogLikelihood + priors, L-BFGS-B.

The model is a constant-mean `ScaleKernel(MaternKernel(nu, ARD))` GP with a Gaussian (or fixed
noise) likelihood and the Gamma priors below, built from gpytorch modules. Its loss
`−(ExactMarginalLogLikelihood + log priors)/n` and the gradient in θ = (log ℓ₁..ℓ_d, log s²,
[log σ²], mean) come from gpytorch and autograd; L-BFGS-B optimises θ within box bounds equal to
the gpytorch interval constraints. (tests/explorer/models/closed_form_mll.py holds an analytic
implementation of the same objective that the tests check this one against.)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import gpytorch
import numpy as np
import torch
from gpytorch.utils.warnings import NumericalWarning
from numpy.typing import NDArray
from scipy.optimize import minimize

from explorer.models.kernels import DTYPE

FloatArray = NDArray[np.float64]

#: (concentration, rate) of the Gamma priors, as in gpytorch.priors.GammaPrior
LENGTHSCALE_PRIOR = (3.0, 6.0)
OUTPUTSCALE_PRIOR = (2.0, 0.15)
NOISE_PRIOR = (1.1, 0.05)
#: interval constraints (natural units)
LENGTHSCALE_BOUNDS = (1e-3, 1e3)
OUTPUTSCALE_BOUNDS = (1e-4, 1e3)
NOISE_BOUNDS = (1e-6, 10.0)
FAILED_LOSS = 1e10
#: stop when an L-BFGS-B iteration improves the log posterior by less than this many nats in
#: total (the loss is per point, so ftol = this / n): a likelihood ratio of e^1e-4 cannot
#: change a decision, and warm starts converge in a few iterations instead of a dozen
TOLERANCE_NATS = 1e-4


@dataclass(frozen=True)
class MapProblem:
    """The data and model structure of one hyperparameter fit.

    Attributes:
        x: (n, d) unit-cube inputs.
        z: (n,) standardised outputs.
        fixed_noise: (n,) known noise variances (standardised units) or None to infer one.
        nu: Matérn smoothness.
        ard: one lengthscale per dimension (else one shared lengthscale).
        lengthscale_prior: (concentration, rate) of the Gamma prior on every lengthscale.
    """

    x: torch.Tensor
    z: torch.Tensor
    fixed_noise: torch.Tensor | None
    nu: float
    ard: bool
    lengthscale_prior: tuple[float, float] = LENGTHSCALE_PRIOR

    @property
    def n_lengthscales(self) -> int:
        return self.x.shape[1] if self.ard else 1

    def bounds(self) -> list[tuple[float, float]]:
        ls = [tuple(math.log(v) for v in LENGTHSCALE_BOUNDS)] * self.n_lengthscales
        out: list[tuple[float, float]] = [*ls, tuple(math.log(v) for v in OUTPUTSCALE_BOUNDS)]  # type: ignore[list-item]
        if self.fixed_noise is None:
            out.append((math.log(NOISE_BOUNDS[0]), math.log(NOISE_BOUNDS[1])))
        out.append((-1e3, 1e3))  # constant mean (unbounded in gpytorch)
        return out

    def unpack(self, theta: FloatArray) -> tuple[FloatArray, float, float | None, float]:
        """θ -> (lengthscales (n_ls,), outputscale, inferred noise or None, mean)."""
        k = self.n_lengthscales
        ls = np.exp(theta[:k])
        s2 = float(np.exp(theta[k]))
        noise = float(np.exp(theta[k + 1])) if self.fixed_noise is None else None
        return ls, s2, noise, float(theta[-1])

    def loss_and_grad(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Negative log posterior / n and its gradient in θ; (1e10, 0) if K is not PD."""
        return gpytorch_loss_and_grad(self, theta)


class _ExactGP(gpytorch.models.ExactGP):
    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        likelihood: gpytorch.likelihoods.Likelihood,
        nu: float,
        ard: bool,
        lengthscale_prior: tuple[float, float],
    ) -> None:
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ConstantMean()
        base = gpytorch.kernels.MaternKernel(
            nu=nu,
            ard_num_dims=x.shape[-1] if ard else None,
            lengthscale_prior=gpytorch.priors.GammaPrior(*lengthscale_prior),
        )
        self.covar_module = gpytorch.kernels.ScaleKernel(
            base, outputscale_prior=gpytorch.priors.GammaPrior(*OUTPUTSCALE_PRIOR)
        )

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def _log_parametrised() -> gpytorch.constraints.Positive:
    """θ holds log-values: the raw parameter *is* θ_j and the natural value is exp(θ_j)."""
    return gpytorch.constraints.Positive(transform=torch.exp, inv_transform=torch.log)


def _likelihood(problem: MapProblem) -> gpytorch.likelihoods.Likelihood:
    if problem.fixed_noise is None:
        return gpytorch.likelihoods.GaussianLikelihood(
            noise_prior=gpytorch.priors.GammaPrior(*NOISE_PRIOR),
            noise_constraint=_log_parametrised(),
        )
    return gpytorch.likelihoods.FixedNoiseGaussianLikelihood(problem.fixed_noise)


def _mll_of(problem: MapProblem, t: torch.Tensor) -> gpytorch.mlls.ExactMarginalLogLikelihood:
    """The model's marginal likelihood with every parameter a view of θ = `t`, so autograd
    differentiates with respect to θ."""
    k = problem.n_lengthscales
    lik = _likelihood(problem)
    model = _ExactGP(
        problem.x, problem.z, lik, problem.nu, problem.ard, problem.lengthscale_prior
    ).to(DTYPE)
    model.train()
    base = model.covar_module.base_kernel
    base.raw_lengthscale_constraint = _log_parametrised()
    model.covar_module.raw_outputscale_constraint = _log_parametrised()
    del base.raw_lengthscale
    del model.covar_module.raw_outputscale
    base.raw_lengthscale = t[:k].reshape(1, -1)
    model.covar_module.raw_outputscale = t[k]
    if problem.fixed_noise is None:
        del lik.noise_covar.raw_noise
        lik.noise_covar.raw_noise = t[k + 1].reshape(1)
    del model.mean_module.raw_constant
    model.mean_module.raw_constant = t[-1]
    return gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)


def gpytorch_loss_and_grad(problem: MapProblem, theta: FloatArray) -> tuple[float, FloatArray]:
    """−(MLL + log priors)/n by gpytorch and its θ-gradient by autograd; (1e10, 0) if the
    covariance is not positive definite or anything is not finite. gpytorch's numerical
    warnings (jitter attempts, noise floors) are part of that outcome, not messages."""
    t = torch.tensor(theta, dtype=DTYPE, requires_grad=True)
    try:
        with (
            warnings.catch_warnings(),
            gpytorch.settings.max_cholesky_size(1_000_000),
            gpytorch.settings.cholesky_jitter(0.0),
        ):
            warnings.simplefilter("ignore", NumericalWarning)
            mll = _mll_of(problem, t)
            loss = -mll(mll.model(problem.x), problem.z)
            loss.backward()
    except (RuntimeError, ValueError):  # NotPSDError is a RuntimeError
        return FAILED_LOSS, np.zeros_like(theta)
    assert t.grad is not None
    value, grad = float(loss.detach()), t.grad.numpy().astype(np.float64)
    if not math.isfinite(value) or not np.all(np.isfinite(grad)):
        return FAILED_LOSS, np.zeros_like(theta)
    return value, grad


def minimise(problem: MapProblem, theta0: FloatArray, max_iter: int) -> tuple[FloatArray, float]:
    """L-BFGS-B from θ₀ (clipped into the bounds); returns (θ, loss)."""
    bounds = problem.bounds()
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    x0 = np.clip(theta0, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    res = minimize(
        problem.loss_and_grad,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": TOLERANCE_NATS / len(problem.z)},
    )
    return np.asarray(res.x, dtype=np.float64), float(res.fun)
