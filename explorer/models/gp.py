"""Exact Gaussian-process regression, built for fast closed-loop decisions.

* Matérn-ν (default 5/2) ARD kernel with an output scale, constant mean, Gaussian noise
  (inferred, or fixed per point for noise-aware BO), float64. The model and its priors are
  gpytorch's (`ScaleKernel(MaternKernel)`, `GammaPrior`s, `ExactMarginalLogLikelihood`), fitted
  through gpytorch (explorer.models.gp_fit); predictions use the closed-form Matérn kernel of
  explorer.models.kernels, which the tests check against gpytorch itself.
* Inputs are expected in the unit cube; outputs are standardised here.
* Hyperparameters are the MAP of the exact marginal likelihood (L-BFGS-B on log-parameters with
  autograd gradients), warm-started from the previous step's values when given: a warm start
  needs a handful of iterations. Cold starts screen their restarts on a small subset first.
* One Cholesky factor serves every prediction (chunked triangular solves); `condition_on`
  extends it by a block instead of refactorising; `std_upper_bound` bounds the posterior std of
  many candidates cheaply (nearest-neighbour conditioning) so acquisitions need the exact std
  only where it can matter (explorer.strategies.argmax).
* Numerical fallbacks are deterministic: increasing jitter, then fixed default hyperparameters;
  `warnings` records which was used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from numpy.typing import NDArray

from explorer.errors import ModelFitError
from explorer.models.gp_fit import FAILED_LOSS, LENGTHSCALE_PRIOR, MapProblem, minimise
from explorer.models.kernels import DTYPE, Matern, matern_of_r2

FloatArray = NDArray[np.float64]
_JITTERS = (0.0, 1e-8, 1e-6, 1e-4, 1e-2)
#: cold starts with several initialisations are screened on at most this many points
SCREEN_SIZE = 256
#: relative slack added to variance bounds (covers round-off in both computations)
_BOUND_SLACK = 1e-6
#: kernel entries per prediction block (2 MB of float64)
_CHUNK_ENTRIES = 2**18


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
        fit_subset: fit hyperparameters on at most this many points (random subset, seeded,
            and stable as points are appended); the posterior always uses every point. 512
            points pin down d + 3 hyperparameters for d <= 3 (at 2000 observations the picks
            equal those of a 1000-point fit) at an eighth of the O(n³) cost per iteration.
        lengthscale_prior: (concentration, rate) of the Gamma prior on the unit-cube
            lengthscales; None: gpytorch's Gamma(3, 6) (mode 1/3, a function that varies over
            the whole domain). `resolution_prior` builds one scaled to the candidate spacing.
        lengthscale_scaling: "sqrt_dim" divides that prior's rate by √d, so its mode and mean
            grow as √d with the input dimension d (the dimension-scaled prior of Hvarfner et
            al., "Vanilla Bayesian optimization performs great in high dimensions", ICML 2024,
            in gpytorch's Gamma family). In d dimensions a lengthscale of 1/3 per dimension
            makes points about √d/3 lengthscales apart, nearly uncorrelated: with 25-pixel
            image patches the posterior is the prior mean at every unmeasured location.
    """

    nu: float = 2.5
    ard: bool = True
    noise_variance: float | None = None
    max_iter_cold: int = 200
    max_iter_warm: int = 30
    restarts: int = 1
    fit_subset: int | None = 512
    lengthscale_prior: tuple[float, float] | None = None
    lengthscale_scaling: Literal["none", "sqrt_dim"] = "none"

    def prior_for(self, dim: int) -> tuple[float, float]:
        """(concentration, rate) of the lengthscale prior for `dim` input dimensions."""
        a, b = self.lengthscale_prior or LENGTHSCALE_PRIOR
        return (a, b / math.sqrt(dim)) if self.lengthscale_scaling == "sqrt_dim" else (a, b)

    @property
    def custom_prior(self) -> bool:
        return self.lengthscale_prior is not None or self.lengthscale_scaling != "none"


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
    _jitter: float = 0.0
    _alpha: torch.Tensor | None = field(default=None, init=False)
    _kernel: Matern = field(init=False)
    _x: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        ls = torch.tensor(self.hypers.lengthscales, dtype=DTYPE)
        self._kernel = Matern(ls, self.hypers.outputscale, self.nu)
        self._x = torch.as_tensor(np.ascontiguousarray(self.X), dtype=DTYPE)
        if self._chol is None:
            self._factorise()
        assert self._chol is not None
        z = torch.as_tensor((self.y - self.y_mean) / self.y_scale - self.hypers.mean, dtype=DTYPE)
        self._alpha = torch.cholesky_solve(z.unsqueeze(-1), self._chol).squeeze(-1)

    def _factorise(self) -> None:
        with torch.no_grad():
            k = self._kernel.gram(self._x)
            k.diagonal().add_(torch.as_tensor(self.noise_var, dtype=DTYPE))
            applied = 0.0
            for jitter in _JITTERS:
                k.diagonal().add_(jitter - applied)
                applied = jitter
                chol, info = torch.linalg.cholesky_ex(k)
                if int(info) == 0:
                    if jitter:
                        self.warnings.append(f"covariance needed jitter {jitter:g}")
                    self._chol, self._jitter = chol, jitter
                    return
            raise ModelFitError("GP covariance is not positive definite even with jitter 1e-2")

    # ---- prediction ------------------------------------------------------------------------
    def _rows_per_chunk(self, chunk: int | None) -> int:
        """Candidate rows per block: ~2 MB kernel blocks stay in cache (much faster than big
        blocks, whose temporaries are fresh pages every time)."""
        return chunk if chunk is not None else max(64, _CHUNK_ENTRIES // len(self.X))

    def predict(self, Xc: FloatArray, *, chunk: int | None = None) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and std (latent f, user units) at (m, d) unit-cube inputs."""
        assert self._chol is not None and self._alpha is not None
        chunk = self._rows_per_chunk(chunk)
        mean = np.empty(len(Xc))
        var = np.empty(len(Xc))
        with torch.no_grad():
            for a in range(0, len(Xc), chunk):
                xc = torch.as_tensor(np.ascontiguousarray(Xc[a : a + chunk]), dtype=DTYPE)
                kcx = self._kernel(xc, self._x)
                mean[a : a + chunk] = (kcx @ self._alpha).numpy()
                v = torch.linalg.solve_triangular(self._chol, kcx.T, upper=False)
                prior = self.hypers.outputscale
                var[a : a + chunk] = (prior - (v * v).sum(0)).clamp_min(1e-12).numpy()
        return self._to_user(mean), np.sqrt(var) * self.y_scale

    def predict_mean(self, Xc: FloatArray, *, chunk: int | None = None) -> FloatArray:
        """Posterior mean only (user units): one kernel row block and a mat-vec per chunk."""
        assert self._alpha is not None
        chunk = self._rows_per_chunk(chunk)
        mean = np.empty(len(Xc))
        with torch.no_grad():
            for a in range(0, len(Xc), chunk):
                xc = torch.as_tensor(np.ascontiguousarray(Xc[a : a + chunk]), dtype=DTYPE)
                mean[a : a + chunk] = (self._kernel(xc, self._x) @ self._alpha).numpy()
        return self._to_user(mean)

    def _to_user(self, mean_std_units: FloatArray) -> FloatArray:
        return np.asarray((mean_std_units + self.hypers.mean) * self.y_scale + self.y_mean)

    def std_upper_bound(
        self, Xc: FloatArray, *, neighbours: int = 8, chunk: int = 2048
    ) -> FloatArray:
        """Upper bounds on the posterior std at (m, d) inputs (user units), O(m·k³).

        Conditioning a Gaussian on fewer observations never lowers its variance, so the posterior
        variance given only the k nearest training points (in lengthscale units: the most
        correlated ones) bounds the exact one from above; it is tight where data are dense.
        """
        from scipy.spatial import cKDTree  # noqa: PLC0415

        n = len(self.X)
        k = min(neighbours, n)
        if k == n:
            return self.predict(Xc)[1]
        ls = np.asarray(self.hypers.lengthscales)
        _, idx = cKDTree(self.X / ls).query(Xc / ls, k=k)
        noise = torch.as_tensor(self.noise_var + self._jitter, dtype=DTYPE)
        var = np.empty(len(Xc))
        with torch.no_grad():
            for a in range(0, len(Xc), chunk):
                rows = torch.as_tensor(idx[a : a + chunk], dtype=torch.long)
                xc = torch.as_tensor(np.ascontiguousarray(Xc[a : a + chunk]), dtype=DTYPE)
                var[a : a + chunk] = self._subset_variance(xc, rows, noise[rows]).numpy()
        s2 = self.hypers.outputscale
        var = np.minimum(var + _BOUND_SLACK * s2, s2)
        return np.sqrt(var) * self.y_scale

    def _subset_variance(
        self, xc: torch.Tensor, rows: torch.Tensor, noise: torch.Tensor
    ) -> torch.Tensor:
        """(c,) posterior variance of each candidate given only its own (k,) training rows."""
        xs = self._x[rows]  # (c, k, d)
        ls, s2 = self._kernel.lengthscales, self._kernel.outputscale
        r2_ss = torch.zeros((*rows.shape, rows.shape[1]), dtype=DTYPE)
        r2_cs = torch.zeros(rows.shape, dtype=DTYPE)
        for i in range(xs.shape[-1]):
            xi = xs[..., i] / ls[i]
            diff = xi[:, :, None] - xi[:, None, :]
            r2_ss.addcmul_(diff, diff)
            dc = xi - xc[:, i, None] / ls[i]
            r2_cs.addcmul_(dc, dc)
        kss = s2 * matern_of_r2(r2_ss, self.nu)
        kss.diagonal(dim1=-2, dim2=-1).add_(noise)
        chol, info = torch.linalg.cholesky_ex(kss)
        kcs = (s2 * matern_of_r2(r2_cs, self.nu)).unsqueeze(-1)
        v = torch.linalg.solve_triangular(chol, kcs, upper=False).squeeze(-1)
        var = s2 - (v * v).sum(-1)
        return torch.where((info == 0) & torch.isfinite(var), var, torch.full_like(var, s2))

    # ---- conditioning ----------------------------------------------------------------------
    def condition_on(self, Xn: FloatArray, yn: FloatArray) -> FittedGP:
        """The same hyperparameters conditioned on extra (fantasy) points: Kriging believer.

        The Cholesky factor is extended by one block (O(n²·k)) rather than recomputed.
        """
        Xn = np.asarray(Xn, float).reshape(-1, self.X.shape[1])
        noise_new = np.full(len(Xn), float(np.median(self.noise_var)))
        chol = self._extended_factor(Xn, noise_new)
        return FittedGP(
            np.vstack([self.X, Xn]),
            np.concatenate([self.y, np.asarray(yn, float).reshape(-1)]),
            self.hypers,
            self.y_mean,
            self.y_scale,
            np.concatenate([self.noise_var, noise_new]),
            self.nu,
            _chol=chol,
            _jitter=self._jitter if chol is not None else 0.0,
        )

    def _extended_factor(self, Xn: FloatArray, noise_new: FloatArray) -> torch.Tensor | None:
        """Cholesky factor of the covariance with Xn appended, or None if the Schur complement
        is not positive definite (the caller then refactorises with jitter)."""
        assert self._chol is not None
        with torch.no_grad():
            xn = torch.as_tensor(Xn, dtype=DTYPE)
            l21t = torch.linalg.solve_triangular(self._chol, self._kernel(self._x, xn), upper=False)
            k22 = self._kernel.gram(xn)
            k22.diagonal().add_(torch.as_tensor(noise_new + self._jitter, dtype=DTYPE))
            l22, info = torch.linalg.cholesky_ex(k22 - l21t.T @ l21t)
            if int(info) != 0:
                return None
            n, k = self._chol.shape[0], len(Xn)
            out = torch.zeros(n + k, n + k, dtype=DTYPE)
            out[:n, :n] = self._chol
            out[n:, :n] = l21t.T
            out[n:, n:] = l22
            return out


def _standardise(y: FloatArray) -> tuple[float, float, bool]:
    """Mean, scale and whether y is constant; overflow-safe for |y| up to the float limit."""
    big = float(np.max(np.abs(y))) if len(y) else 0.0
    unit = big if big > 1e100 else 1.0  # np.std squares: pre-scale enormous values
    mean = float(np.mean(y / unit)) * unit if len(y) else 0.0
    scale = float(np.std(y / unit)) * unit if len(y) > 1 else 0.0
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


def _theta(h: GPHyperparameters, problem: MapProblem) -> FloatArray:
    ls = np.log(np.asarray(h.lengthscales, float))
    ls = ls if problem.ard else np.array([ls.mean()])
    noise = [] if problem.fixed_noise is not None else [math.log(max(h.noise, 1e-300))]
    return np.array([*ls, math.log(h.outputscale), *noise, h.mean])


def _hypers(theta: FloatArray, problem: MapProblem) -> GPHyperparameters:
    ls, s2, noise, mean = problem.unpack(theta)
    d = problem.x.shape[1]
    lengthscales = tuple(float(v) for v in (ls if problem.ard else np.repeat(ls, d)))
    return GPHyperparameters(lengthscales, s2, 0.0 if noise is None else noise, mean)


def _problem(X: FloatArray, z: FloatArray, fixed: FloatArray | None, opts: GPOptions) -> MapProblem:
    fixed_t = torch.tensor(fixed, dtype=DTYPE) if fixed is not None else None
    return MapProblem(
        torch.tensor(X, dtype=DTYPE),
        torch.tensor(z, dtype=DTYPE),
        fixed_t,
        opts.nu,
        opts.ard,
        opts.prior_for(X.shape[1]),
    )


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
    rng = np.random.default_rng(seed)
    if opts.fit_subset is not None and n > opts.fit_subset:
        # row i keeps priority random(n)[i] as rows are appended, so the subset changes by at
        # most one point per new observation and a warm start stays near the optimum
        priority = rng.random(n)
        rows = np.sort(np.argsort(priority, kind="stable")[: opts.fit_subset])
        X, z = X[rows], z[rows]
        fixed = fixed[rows] if fixed is not None else None
    problem = _problem(X, z, fixed, opts)
    if warm is not None and len(warm.lengthscales) == d:
        starts, iters = [_theta(warm, problem)], opts.max_iter_warm
    else:
        starts = [_theta(h, problem) for h in _cold_starts(d, opts.restarts, opts)]
        iters = opts.max_iter_cold
        if len(starts) > 1 and len(X) > SCREEN_SIZE:
            starts = [_screen(starts, X, z, fixed, opts, rng)]
    best: tuple[float, FloatArray] | None = None
    for start in starts:
        theta, loss = minimise(problem, start, iters)
        if math.isfinite(loss) and loss < FAILED_LOSS / 10 and (best is None or loss < best[0]):
            best = (loss, theta)
    if best is None:
        warnings.append("all hyperparameter fits failed: using fixed default hyperparameters")
        return warm if warm is not None else GPHyperparameters.default(d)
    return _hypers(best[1], problem)


def _cold_starts(d: int, restarts: int, opts: GPOptions) -> list[GPHyperparameters]:
    """The default lengthscales scaled by 1, 0.3, 3 (up to 1 + restarts of them); with a
    custom lengthscale prior, its mode is one more start (so the fit can find the short
    lengthscales that prior allows even when the long-lengthscale basin is closer)."""
    base = GPHyperparameters.default(d)
    scales = (1.0, 0.3, 3.0)[: 1 + restarts]
    values = [base.lengthscales[0] * s for s in scales]
    if opts.custom_prior:
        a, b = opts.prior_for(d)
        values.append(max(a - 1.0, 0.1) / b)
    return [GPHyperparameters((v,) * d, 1.0, 0.05, 0.0) for v in values]


def candidate_spacing(unit_features: FloatArray) -> float:
    """The resolution of a candidate set in unit-cube features: the median over dimensions of
    the median gap between neighbouring distinct values (1/80 on an 81-column grid)."""
    gaps = []
    for col in np.asarray(unit_features, float).T:
        u = np.unique(np.round(col, 12))
        if len(u) > 1:
            gaps.append(float(np.median(np.diff(u))))
    return float(np.median(gaps)) if gaps else 1.0


def resolution_prior(unit_features: FloatArray, cells: float) -> tuple[float, float]:
    """A Gamma(2, rate) lengthscale prior whose mode is `cells` candidate spacings (capped at
    the default prior's mode, 1/3): features a few candidates wide stay resolvable, and the
    prior still decays for lengthscales longer than the domain."""
    mode = min(cells * candidate_spacing(unit_features), 1.0 / 3.0)
    return (2.0, 1.0 / mode)


def _screen(
    starts: list[FloatArray],
    X: FloatArray,
    z: FloatArray,
    fixed: FloatArray | None,
    opts: GPOptions,
    rng: np.random.Generator,
) -> FloatArray:
    """Optimise every start on a random SCREEN_SIZE subset; the best optimum starts the full
    fit (a cheap way to pick the basin before paying O(n³) per iteration)."""
    rows = np.sort(rng.choice(len(X), SCREEN_SIZE, replace=False))
    small = _problem(X[rows], z[rows], fixed[rows] if fixed is not None else None, opts)
    results = [minimise(small, s, opts.max_iter_cold) for s in starts]
    return min(results, key=lambda r: r[1])[0]
