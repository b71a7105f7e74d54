"""The MAP objective of explorer.models.gp_fit evaluated by gpytorch itself (`engine: gpytorch`).

The same model — `ConstantMean`, `ScaleKernel(MaternKernel(nu, ARD))`, Gaussian or fixed noise
likelihood, the Gamma priors of gp_fit — built from gpytorch modules, its loss
`−(ExactMarginalLogLikelihood + log priors)` and the gradient in θ = (log ℓ, log s², [log σ²],
mean) by autograd. The closed-form engine (the default) computes the identical value and
gradient several times faster; this one exists so that every fit can be cross-checked against,
or run through, the reference implementation (tests assert both agree to 1e-8).
"""

from __future__ import annotations

import math

import gpytorch
import numpy as np
import torch
from numpy.typing import NDArray

from explorer.models.gp_fit import (
    FAILED_LOSS,
    LENGTHSCALE_PRIOR,
    NOISE_PRIOR,
    OUTPUTSCALE_PRIOR,
    MapProblem,
)
from explorer.models.kernels import DTYPE

FloatArray = NDArray[np.float64]


class _ExactGP(gpytorch.models.ExactGP):
    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        likelihood: gpytorch.likelihoods.Likelihood,
        nu: float,
        ard: bool,
    ) -> None:
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ConstantMean()
        base = gpytorch.kernels.MaternKernel(
            nu=nu,
            ard_num_dims=x.shape[-1] if ard else None,
            lengthscale_prior=gpytorch.priors.GammaPrior(*LENGTHSCALE_PRIOR),
        )
        self.covar_module = gpytorch.kernels.ScaleKernel(
            base, outputscale_prior=gpytorch.priors.GammaPrior(*OUTPUTSCALE_PRIOR)
        )

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def _log_parametrised() -> gpytorch.constraints.Positive:
    """θ holds log-values: the raw parameter *is* θ_j and the natural value is exp(θ_j)."""
    return gpytorch.constraints.Positive(transform=torch.exp, inv_transform=torch.log)


def gpytorch_loss_and_grad(problem: MapProblem, theta: FloatArray) -> tuple[float, FloatArray]:
    """−(MLL + log priors)/n by gpytorch and its θ-gradient by autograd; (1e10, 0) if the
    covariance is not positive definite (as MapProblem.loss_and_grad)."""
    t = torch.tensor(theta, dtype=DTYPE, requires_grad=True)
    k = problem.n_lengthscales
    lik: gpytorch.likelihoods.Likelihood
    if problem.fixed_noise is None:
        lik = gpytorch.likelihoods.GaussianLikelihood(
            noise_prior=gpytorch.priors.GammaPrior(*NOISE_PRIOR),
            noise_constraint=_log_parametrised(),
        )
    else:
        lik = gpytorch.likelihoods.FixedNoiseGaussianLikelihood(problem.fixed_noise)
    model = _ExactGP(problem.x, problem.z, lik, problem.nu, problem.ard).to(DTYPE)
    model.train()
    base = model.covar_module.base_kernel
    base.raw_lengthscale_constraint = _log_parametrised()
    model.covar_module.raw_outputscale_constraint = _log_parametrised()
    # replace the registered parameters by views of θ, so autograd differentiates w.r.t. θ
    del base.raw_lengthscale
    del model.covar_module.raw_outputscale
    base.raw_lengthscale = t[:k].reshape(1, -1)
    model.covar_module.raw_outputscale = t[k]
    if problem.fixed_noise is None:
        del lik.noise_covar.raw_noise
        lik.noise_covar.raw_noise = t[k + 1].reshape(1)
    del model.mean_module.raw_constant
    model.mean_module.raw_constant = t[-1]
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
    try:
        with gpytorch.settings.max_cholesky_size(1_000_000), gpytorch.settings.cholesky_jitter(0.0):
            loss = -mll(model(problem.x), problem.z)
        loss.backward()
    except (RuntimeError, ValueError):  # NotPSDError is a RuntimeError
        return FAILED_LOSS, np.zeros_like(theta)
    assert t.grad is not None
    value, grad = float(loss.detach()), t.grad.numpy().astype(np.float64)
    if not math.isfinite(value) or not np.all(np.isfinite(grad)):
        return FAILED_LOSS, np.zeros_like(theta)
    return value, grad
