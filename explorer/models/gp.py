"""Exact Gaussian-process regression with gpytorch, built for fast closed-loop decisions.

* Matern-ν (default 5/2) ARD kernel with an output scale, constant mean, Gaussian noise
  (inferred, or fixed per point for noise-aware BO), gpytorch modules and priors, float64.
* Inputs are expected in the unit cube; outputs are standardised here.
* Hyperparameters are the MAP of the exact marginal likelihood (gpytorch
  ExactMarginalLogLikelihood, L-BFGS-B via scipy on the raw parameters), warm-started from the
  previous step's values when given: a warm start needs a handful of iterations.
* Prediction reuses one Cholesky factor for all candidates (chunked batched triangular solves),
  so the cost of scoring 10,000 candidates is a few matrix products.
* Numerical fallbacks are deterministic: increasing jitter, then fixed default hyperparameters;
  `warnings` records which was used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import gpytorch
import numpy as np
import torch
from numpy.typing import NDArray
from scipy.optimize import minimize

from explorer.errors import ModelFitError

FloatArray = NDArray[np.float64]
DTYPE = torch.float64
_JITTERS = (0.0, 1e-8, 1e-6, 1e-4, 1e-2)


@dataclass(frozen=True)
class GPHyperparameters:
    """Kernel hyperparameters in unit-cube inputs and standardised outputs."""

    lengthscales: tuple[float, ...]
    outputscale: float
    noise: float  # variance, standardised units (ignored when noise is fixed per point)
    mean: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "lengthscales": list(self.lengthscales),
            "outputscale": self.outputscale,
            "noise": self.noise,
            "mean": self.mean,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GPHyperparameters:
        return cls(
            tuple(float(v) for v in d["lengthscales"]),
            float(d["outputscale"]),
            float(d["noise"]),
            float(d["mean"]),
        )

    @classmethod
    def default(cls, dim: int) -> GPHyperparameters:
        return cls((0.5,) * dim, 1.0, 0.05, 0.0)


@dataclass(frozen=True)
class GPOptions:
    """How to build and fit the GP.

    Attributes:
        nu: Matern smoothness (0.5, 1.5, 2.5).
        ard: one lengthscale per input dimension.
        noise_variance: fixed homoscedastic noise variance in *user* units² (None: inferred).
        max_iter_cold / max_iter_warm: L-BFGS-B iteration caps.
        restarts: extra cold-start initialisations (lengthscales scaled by 0.3, 3).
        fit_subset: fit hyperparameters on at most this many points (random subset, seeded);
            the posterior always uses every point.
    """

    nu: float = 2.5
    ard: bool = True
    noise_variance: float | None = None
    max_iter_cold: int = 200
    max_iter_warm: int = 30
    restarts: int = 1
    fit_subset: int | None = 1000


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
        d = x.shape[-1]
        self.mean_module = gpytorch.means.ConstantMean()
        base = gpytorch.kernels.MaternKernel(
            nu=nu,
            ard_num_dims=d if ard else None,
            lengthscale_prior=gpytorch.priors.GammaPrior(3.0, 6.0),
            lengthscale_constraint=gpytorch.constraints.Interval(1e-3, 1e3),
        )
        self.covar_module = gpytorch.kernels.ScaleKernel(
            base,
            outputscale_prior=gpytorch.priors.GammaPrior(2.0, 0.15),
            outputscale_constraint=gpytorch.constraints.Interval(1e-4, 1e3),
        )

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def _make_likelihood(noise_fixed: torch.Tensor | None) -> gpytorch.likelihoods.Likelihood:
    if noise_fixed is not None:
        return gpytorch.likelihoods.FixedNoiseGaussianLikelihood(
            noise=noise_fixed, learn_additional_noise=False
        )
    return gpytorch.likelihoods.GaussianLikelihood(
        noise_prior=gpytorch.priors.GammaPrior(1.1, 0.05),
        noise_constraint=gpytorch.constraints.Interval(1e-6, 10.0),
    )


def _set_hypers(model: _ExactGP, h: GPHyperparameters) -> None:
    base = model.covar_module.base_kernel
    ls = torch.tensor(h.lengthscales, dtype=DTYPE).clamp(2e-3, 9e2)
    base.lengthscale = ls.reshape(base.lengthscale.shape) if base.ard_num_dims else ls[:1].mean()
    model.covar_module.outputscale = torch.tensor(h.outputscale, dtype=DTYPE).clamp(2e-4, 9e2)
    model.mean_module.constant = torch.tensor(h.mean, dtype=DTYPE)
    if isinstance(model.likelihood, gpytorch.likelihoods.GaussianLikelihood) and not isinstance(
        model.likelihood, gpytorch.likelihoods.FixedNoiseGaussianLikelihood
    ):
        model.likelihood.noise = torch.tensor(h.noise, dtype=DTYPE).clamp(2e-6, 9.0)


def _get_hypers(model: _ExactGP, dim: int) -> GPHyperparameters:
    ls = model.covar_module.base_kernel.lengthscale.detach().reshape(-1).tolist()
    if len(ls) == 1 and dim > 1:
        ls = ls * dim
    lik = model.likelihood
    noise = (
        float(lik.noise.detach().reshape(-1)[0])
        if not isinstance(lik, gpytorch.likelihoods.FixedNoiseGaussianLikelihood)
        else 0.0
    )
    return GPHyperparameters(
        tuple(float(v) for v in ls),
        float(model.covar_module.outputscale.detach()),
        noise,
        float(model.mean_module.constant.detach()),
    )


def _optimise(model: _ExactGP, max_iter: int) -> float:
    """MAP fit of the raw parameters with L-BFGS-B; returns the final loss (−MLL/n − prior/n)."""
    model.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model)
    params = [p for p in model.parameters() if p.requires_grad]
    shapes = [p.shape for p in params]
    x0 = torch.cat([p.detach().reshape(-1) for p in params]).numpy().astype(np.float64)

    def assign(x: FloatArray) -> None:
        offset = 0
        for p, shp in zip(params, shapes, strict=True):
            k = int(np.prod(shp)) if len(shp) else 1
            p.data.copy_(torch.as_tensor(x[offset : offset + k], dtype=DTYPE).reshape(shp))
            offset += k

    def loss_and_grad(x: FloatArray) -> tuple[float, FloatArray]:
        assign(x)
        for p in params:
            p.grad = None
        with gpytorch.settings.max_cholesky_size(1_000_000):
            loss = -mll(model(*model.train_inputs), model.train_targets)
        loss.backward()
        grad = torch.cat([p.grad.reshape(-1) for p in params]).numpy().astype(np.float64)
        value = float(loss.detach())
        if not math.isfinite(value) or not np.all(np.isfinite(grad)):
            return 1e10, np.zeros_like(x)
        return value, grad

    res = minimize(loss_and_grad, x0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    assign(res.x)
    return float(res.fun)


@dataclass
class FittedGP:
    """A GP conditioned on data, ready to predict many candidates.

    Attributes:
        X: (n, d) training inputs (unit cube).
        y: (n,) training outputs (user units).
        hypers: fitted hyperparameters (unit inputs, standardised outputs).
        y_mean, y_scale: the standardisation applied to y.
        noise_var: (n,) per-point noise variance in standardised units.
        warnings: fallbacks used while fitting (logged by the caller).
    """

    X: FloatArray
    y: FloatArray
    hypers: GPHyperparameters
    y_mean: float
    y_scale: float
    noise_var: FloatArray
    nu: float = 2.5
    warnings: list[str] = field(default_factory=list)
    _chol: torch.Tensor | None = None
    _alpha: torch.Tensor | None = None
    _kernel: gpytorch.kernels.Kernel | None = None

    def __post_init__(self) -> None:
        self._kernel = _kernel_from(self.hypers, self.X.shape[1], self.nu)
        self._factorise()

    def _factorise(self) -> None:
        x = torch.as_tensor(self.X, dtype=DTYPE)
        z = torch.as_tensor((self.y - self.y_mean) / self.y_scale - self.hypers.mean, dtype=DTYPE)
        with torch.no_grad():
            assert self._kernel is not None
            k = self._kernel(x).to_dense() + torch.diag(
                torch.as_tensor(self.noise_var, dtype=DTYPE)
            )
            for jitter in _JITTERS:
                chol, info = torch.linalg.cholesky_ex(k + jitter * torch.eye(len(k), dtype=DTYPE))
                if int(info) == 0:
                    if jitter:
                        self.warnings.append(f"covariance needed jitter {jitter:g}")
                    break
            else:
                raise ModelFitError("GP covariance is not positive definite even with jitter 1e-2")
            self._chol = chol
            self._alpha = torch.cholesky_solve(z.unsqueeze(-1), chol).squeeze(-1)

    def predict(self, Xc: FloatArray, *, chunk: int = 2048) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and std (latent f, user units) at (m, d) unit-cube inputs."""
        assert self._kernel is not None and self._chol is not None and self._alpha is not None
        x = torch.as_tensor(self.X, dtype=DTYPE)
        mean = np.empty(len(Xc))
        var = np.empty(len(Xc))
        prior_var = self.hypers.outputscale
        with torch.no_grad():
            for a in range(0, len(Xc), chunk):
                xc = torch.as_tensor(Xc[a : a + chunk], dtype=DTYPE)
                kcx = self._kernel(xc, x).to_dense()
                mean[a : a + chunk] = (kcx @ self._alpha).numpy()
                v = torch.linalg.solve_triangular(self._chol, kcx.T, upper=False)
                var[a : a + chunk] = (prior_var - (v * v).sum(0)).clamp_min(1e-12).numpy()
        mu = (mean + self.hypers.mean) * self.y_scale + self.y_mean
        return mu, np.sqrt(var) * self.y_scale

    def condition_on(self, Xn: FloatArray, yn: FloatArray) -> FittedGP:
        """The same hyperparameters conditioned on extra (fantasy) points: Kriging believer."""
        noise_new = np.full(len(Xn), float(np.median(self.noise_var)))
        return FittedGP(
            np.vstack([self.X, Xn]),
            np.concatenate([self.y, yn]),
            self.hypers,
            self.y_mean,
            self.y_scale,
            np.concatenate([self.noise_var, noise_new]),
            self.nu,
        )


def _kernel_from(h: GPHyperparameters, dim: int, nu: float) -> gpytorch.kernels.Kernel:
    base = gpytorch.kernels.MaternKernel(nu=nu, ard_num_dims=dim).to(DTYPE)
    base.lengthscale = torch.tensor(h.lengthscales, dtype=DTYPE).reshape(1, dim)
    k = gpytorch.kernels.ScaleKernel(base).to(DTYPE)
    k.outputscale = torch.tensor(h.outputscale, dtype=DTYPE)
    k.eval()
    return k


def _standardise(y: FloatArray) -> tuple[float, float, bool]:
    mean = float(np.mean(y)) if len(y) else 0.0
    scale = float(np.std(y)) if len(y) > 1 else 0.0
    constant = scale < 1e-12 * max(1.0, abs(mean))
    return mean, (scale if not constant else 1.0), constant


def fit_gp(
    X: FloatArray,
    y: FloatArray,
    *,
    options: GPOptions | None = None,
    warm_start: GPHyperparameters | None = None,
    noise_variance: FloatArray | None = None,
    seed: int = 0,
) -> FittedGP:
    """Fit a GP to (X in the unit cube, y in user units). Deterministic for given inputs.

    Args:
        X: (n, d) inputs in [0, 1]^d.
        y: (n,) finite outputs.
        options: kernel and optimiser settings.
        warm_start: previous hyperparameters; the optimiser starts there with few iterations.
        noise_variance: optional (n,) known per-point noise variances (user units²).
        seed: seeds the hyperparameter-fit subset when n > options.fit_subset.
    """
    opts = options or GPOptions()
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, d = X.shape
    if n == 0 or not np.all(np.isfinite(y)):
        raise ModelFitError(f"fit_gp needs >= 1 finite observation, got {n}")
    y_mean, y_scale, constant = _standardise(y)
    fixed = None
    if noise_variance is not None:
        fixed = np.maximum(np.asarray(noise_variance, float) / y_scale**2, 1e-6)
    elif opts.noise_variance is not None:
        fixed = np.full(n, max(opts.noise_variance / y_scale**2, 1e-6))
    warnings: list[str] = []
    if constant or n < 2:
        hypers = warm_start or GPHyperparameters.default(d)
        hypers = GPHyperparameters(hypers.lengthscales, hypers.outputscale, hypers.noise, 0.0)
        warnings.append("outputs are constant or too few: hyperparameters not refitted")
    else:
        hypers = _fit_hypers(X, (y - y_mean) / y_scale, fixed, opts, warm_start, seed, warnings)
    noise_var = fixed if fixed is not None else np.full(n, hypers.noise)
    return FittedGP(X, y, hypers, y_mean, y_scale, noise_var, opts.nu, warnings)


def gp_from_hypers(
    X: FloatArray,
    y: FloatArray,
    hypers: GPHyperparameters,
    *,
    options: GPOptions | None = None,
    noise_variance: FloatArray | None = None,
) -> FittedGP:
    """Condition a GP on (X, y) with given hyperparameters, without fitting.

    With the hyperparameters a decision logged (`model_state["gp"]`) and the observations it
    saw, this is the exact posterior `fit_gp` produced for that decision (same standardisation,
    same noise), so plots can show it without repeating the optimisation.
    """
    opts = options or GPOptions()
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    if len(y) == 0 or not np.all(np.isfinite(y)):
        raise ModelFitError(f"gp_from_hypers needs >= 1 finite observation, got {len(y)}")
    y_mean, y_scale, constant = _standardise(y)
    if constant or len(y) < 2:
        hypers = GPHyperparameters(hypers.lengthscales, hypers.outputscale, hypers.noise, 0.0)
    if noise_variance is not None:
        noise_var = np.maximum(np.asarray(noise_variance, float) / y_scale**2, 1e-6)
    elif opts.noise_variance is not None:
        noise_var = np.full(len(y), max(opts.noise_variance / y_scale**2, 1e-6))
    else:
        noise_var = np.full(len(y), hypers.noise)
    return FittedGP(X, y, hypers, y_mean, y_scale, noise_var, opts.nu)


def _fit_hypers(
    X: FloatArray,
    z: FloatArray,
    fixed: FloatArray | None,
    opts: GPOptions,
    warm: GPHyperparameters | None,
    seed: int,
    warnings: list[str],
) -> GPHyperparameters:
    n, d = X.shape
    if opts.fit_subset is not None and n > opts.fit_subset:
        rows = np.sort(np.random.default_rng(seed).choice(n, opts.fit_subset, replace=False))
        X, z = X[rows], z[rows]
        fixed = fixed[rows] if fixed is not None else None
    x_t, z_t = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(z, dtype=DTYPE)
    fixed_t = torch.as_tensor(fixed, dtype=DTYPE) if fixed is not None else None
    if warm is not None and len(warm.lengthscales) == d:
        starts, iters = [warm], opts.max_iter_warm
    else:
        base = GPHyperparameters.default(d)
        scales = (1.0, 0.3, 3.0)[: 1 + opts.restarts]
        starts = [
            GPHyperparameters(tuple(v * s for v in base.lengthscales), 1.0, 0.05, 0.0)
            for s in scales
        ]
        iters = opts.max_iter_cold
    best: tuple[float, GPHyperparameters] | None = None
    for start in starts:
        model = _ExactGP(x_t, z_t, _make_likelihood(fixed_t), opts.nu, opts.ard).to(DTYPE)
        _set_hypers(model, start)
        try:
            loss = _optimise(model, iters)
        except (RuntimeError, ValueError) as exc:  # Cholesky failures inside gpytorch
            warnings.append(f"hyperparameter fit failed from one start ({exc.__class__.__name__})")
            continue
        h = _get_hypers(model, d)
        if math.isfinite(loss) and loss < 1e9 and (best is None or loss < best[0]):
            best = (loss, h)
    if best is None:
        warnings.append("all hyperparameter fits failed: using fixed default hyperparameters")
        return warm if warm is not None else GPHyperparameters.default(d)
    return best[1]
