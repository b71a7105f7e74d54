"""MAP hyperparameters of the exact GP: analytic marginal-likelihood gradients + L-BFGS-B.

The objective is gpytorch's `ExactMarginalLogLikelihood` of a constant-mean Matérn-ARD GP with
the priors below, divided by n (checked against gpytorch's autograd value and gradient in
tests/explorer/models/test_gp_fit.py). It is optimised over θ = (log ℓ₁..ℓ_d, log s², log σ²,
mean) with box bounds equal to the gpytorch interval constraints. One evaluation costs one
Cholesky factor and one inverse of the (n, n) covariance, O(n³), plus O(n²·d) for the gradient:
no autograd graph, no lazy tensors.

    loss(θ) = −[log N(z | m·1, s²·M(ℓ) + σ²·I) + Σ log Gamma priors(ℓ, s², σ²)] / n
    ∂/∂θ_j log N = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ_j),  α = K⁻¹ (z − m),  ∂/∂m log N = Σ α
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray
from scipy.optimize import minimize

from explorer.models.kernels import DTYPE, matern_of_r2, matern_radial_slope, scaled_sq_dist

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


def _log_gamma_pdf(x: FloatArray, prior: tuple[float, float]) -> float:
    a, b = prior
    return float(np.sum(a * math.log(b) - math.lgamma(a) + (a - 1.0) * np.log(x) - b * x))


def _d_log_gamma_dlog(x: FloatArray, prior: tuple[float, float]) -> FloatArray:
    """d/d(log x) of the log Gamma density: (a − 1) − b·x."""
    a, b = prior
    return np.asarray((a - 1.0) - b * x)


@dataclass(frozen=True)
class MapProblem:
    """The data and model structure of one hyperparameter fit.

    Attributes:
        x: (n, d) unit-cube inputs.
        z: (n,) standardised outputs.
        fixed_noise: (n,) known noise variances (standardised units) or None to infer one.
        nu: Matérn smoothness.
        ard: one lengthscale per dimension (else one shared lengthscale).
    """

    x: torch.Tensor
    z: torch.Tensor
    fixed_noise: torch.Tensor | None
    nu: float
    ard: bool

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
