"""The MAP objective of explorer.models.gp_fit in closed form: a test oracle.

The same value and gradient as gpytorch's ExactMarginalLogLikelihood + priors, from one
Cholesky factor and one inverse of the (n, n) covariance (no autograd graph):

    loss(θ) = −[log N(z | m·1, s²·M(ℓ) + σ²·I) + Σ log Gamma priors(ℓ, s², σ²)] / n
    ∂/∂θ_j log N = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ_j),  α = K⁻¹ (z − m),  ∂/∂m log N = Σ α

The product fits through gpytorch (explorer.models.gp_fit); this implementation cross-checks it
(value, gradient and finite differences).
"""

from __future__ import annotations

import math

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
from explorer.models.kernels import DTYPE, matern_of_r2, scaled_sq_dist

FloatArray = NDArray[np.float64]


def matern_radial_slope(r2: torch.Tensor, nu: float) -> torch.Tensor:
    """g(r) = −m_ν'(r) / r, so that ∂m_ν/∂log ℓ_i = g(r) · Δ_i² / ℓ_i² (finite at r = 0 for
    ν ≥ 3/2; for ν = 1/2 the product with Δ_i² / ℓ_i² ≤ r is what stays finite)."""
    r = r2.sqrt()
    if nu == 0.5:  # Δ = 0 wherever r = 0, so the product is 0 there
        return torch.where(r > 0, torch.exp(-r) / r.clamp_min(1e-300), torch.zeros_like(r))
    if nu == 1.5:
        return 3.0 * torch.exp(-math.sqrt(3.0) * r)
    sr = math.sqrt(5.0) * r
    return (5.0 / 3.0) * (1.0 + sr) * torch.exp(-sr)


def _log_gamma_pdf(x: FloatArray, prior: tuple[float, float]) -> float:
    a, b = prior
    return float(np.sum(a * math.log(b) - math.lgamma(a) + (a - 1.0) * np.log(x) - b * x))


def _d_log_gamma_dlog(x: FloatArray, prior: tuple[float, float]) -> FloatArray:
    """d/d(log x) of the log Gamma density: (a − 1) − b·x."""
    a, b = prior
    return np.asarray((a - 1.0) - b * x)


def closed_form_loss_and_grad(problem: MapProblem, theta: FloatArray) -> tuple[float, FloatArray]:
    """Negative log posterior / n and its gradient in θ; (1e10, 0) if K is not PD."""
    return _ClosedForm(problem).loss_and_grad(theta)


class _ClosedForm:
    def __init__(self, problem: MapProblem) -> None:
        self.p = problem
        self.x, self.z, self.fixed_noise = problem.x, problem.z, problem.fixed_noise
        self.nu, self.ard = problem.nu, problem.ard

    def unpack(self, theta: FloatArray) -> tuple[FloatArray, float, float | None, float]:
        return self.p.unpack(theta)

    def loss_and_grad(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Negative log posterior / n and its gradient in θ; (1e10, 0) if K is not PD."""
        ls, s2, noise, mean = self.unpack(theta)
        n, d = self.x.shape
        ls_full = torch.as_tensor(ls if self.ard else np.repeat(ls, d), dtype=DTYPE)
        r2 = scaled_sq_dist(self.x, self.x, ls_full, same=True)
        corr = matern_of_r2(r2, self.nu)
        diag = torch.full((n,), noise, dtype=DTYPE) if noise is not None else self.fixed_noise
        assert diag is not None
        K = s2 * corr
        K.diagonal().add_(diag)
        chol, info = torch.linalg.cholesky_ex(K)
        if int(info) != 0:
            return FAILED_LOSS, np.zeros_like(theta)
        resid = (self.z - mean).unsqueeze(-1)
        alpha = torch.cholesky_solve(resid, chol).squeeze(-1)
        log_det = 2.0 * torch.log(chol.diagonal()).sum()
        log_lik = -0.5 * float(resid.squeeze(-1) @ alpha) - 0.5 * float(log_det)
        log_lik -= 0.5 * n * math.log(2.0 * math.pi)
        W = torch.outer(alpha, alpha) - torch.cholesky_inverse(chol)
        grad = self._grad_log_lik(W, alpha, r2, corr, ls, s2, noise)
        log_prior, grad_prior = self._prior(ls, s2, noise)
        value = -(log_lik + log_prior) / n
        g = -(grad + grad_prior) / n
        if not math.isfinite(value) or not np.all(np.isfinite(g)):
            return FAILED_LOSS, np.zeros_like(theta)
        return value, g

    def _grad_log_lik(
        self,
        W: torch.Tensor,
        alpha: torch.Tensor,
        r2: torch.Tensor,
        corr: torch.Tensor,
        ls: FloatArray,
        s2: float,
        noise: float | None,
    ) -> FloatArray:
        """½ tr(W ∂K/∂θ_j) for every θ_j, and Σα for the mean."""
        M = W * matern_radial_slope(r2, self.nu)
        d = self.x.shape[1]
        g_ls = np.empty(d)
        for i in range(d):
            xi = self.x[:, i] / float(ls[i] if self.ard else ls[0])
            diff = xi[:, None] - xi[None, :]
            g_ls[i] = float((M * diff * diff).sum())
        g_ls *= 0.5 * s2
        out: list[float] = [float(v) for v in g_ls] if self.ard else [float(g_ls.sum())]
        out.append(0.5 * s2 * float((W * corr).sum()))
        if noise is not None:
            out.append(0.5 * noise * float(W.diagonal().sum()))
        out.append(float(alpha.sum()))
        return np.asarray(out)

    def _prior(self, ls: FloatArray, s2: float, noise: float | None) -> tuple[float, FloatArray]:
        value = _log_gamma_pdf(ls, LENGTHSCALE_PRIOR) + _log_gamma_pdf(
            np.array([s2]), OUTPUTSCALE_PRIOR
        )
        grad = [
            *_d_log_gamma_dlog(ls, LENGTHSCALE_PRIOR),
            *_d_log_gamma_dlog(np.array([s2]), OUTPUTSCALE_PRIOR),
        ]
        if noise is not None:
            value += _log_gamma_pdf(np.array([noise]), NOISE_PRIOR)
            grad += list(_d_log_gamma_dlog(np.array([noise]), NOISE_PRIOR))
        grad.append(0.0)
        return value, np.asarray(grad)
