"""Closed-form multi-objective acquisition pieces, vectorised over candidates (numpy only).

Everything is in the internal "larger is better" convention.

**Box decomposition.** The region that the current front does *not* dominate (above the
reference point r) is a union of disjoint boxes [l_c, u_c] (upper bounds may be +inf). For two
objectives it is exact and tiny: sort the front by f1 ascending (a_1 < … < a_P, so f2 descends
b_1 > … > b_P); cell c = 1..P+1 is [a_{c-1}, a_c] × [b_c, +inf) with a_0 = r1, a_{P+1} = +inf and
b_{P+1} = r2. For three or more objectives BoTorch's exact `NondominatedPartitioning` is used.

**EHVI.** For independent Gaussian marginals Y_j ~ N(μ_j, σ_j²), the improvement inside a cell
is the product of one-dimensional expected overlaps, so

    EHVI = Σ_c Π_j E[(min(Y_j, u_cj) − l_cj)^+],
    E[(min(Y, u) − l)^+] = σ·(h(z_l) − h(z_u)),  z_l = (μ − l)/σ, z_u = (μ − u)/σ,
    h(z) = φ(z) + z·Φ(z)

(the same quantity as Yang et al. 2019's ψ/ν form that BoTorch's analytic EHVI uses). We compute
it in log space (log h from `acquisition.log_h`, a log1mexp for the difference and a logsumexp over
cells), so candidates far from improving keep a finite, rankable value: the multi-objective
analogue of LogEI.

**Probability of feasibility** for outcome constraints l ≤ f ≤ u: Φ(z_u) − Φ(z_l), in log space.

**Scalarisations.** Augmented Chebyshev s_w(y) = min_j w_j y_j + ρ Σ_j w_j y_j on objectives
normalised to [0, 1] (ParEGO, Knowles 2006; random-scalarisation UCB, Paria et al. 2019), weights
drawn uniformly from the simplex. The Monte-Carlo log expected improvement of a scalarisation
uses a softplus-smoothed max(·, 0) (as BoTorch's qLogEI) so it never collapses to exact zeros.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from explorer.strategies.acquisition import log_h

FloatArray = NDArray[np.float64]
_MIN_STD = 1e-12


def pareto_cells(front: FloatArray, ref_point: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Lower and upper corners (c, k) of disjoint boxes covering the non-dominated region.

    Args:
        front: (p, k) objective vectors (any set; dominated rows and rows not strictly above
            the reference point are ignored).
        ref_point: (k,) reference point.
    """
    ref = np.asarray(ref_point, float)
    Y = np.asarray(front, float).reshape(-1, len(ref))
    Y = Y[np.all(np.isfinite(Y), axis=1) & np.all(ref < Y, axis=1)]
    if len(ref) == 2:
        return _cells_2d(Y, ref)
    return _cells_botorch(Y, ref)


def _cells_2d(Y: FloatArray, ref: FloatArray) -> tuple[FloatArray, FloatArray]:
    if len(Y) == 0:
        return ref.reshape(1, 2).copy(), np.full((1, 2), np.inf)
    order = np.lexsort((Y[:, 1], Y[:, 0]))  # f1 ascending, ties: larger f2 last
    Y = Y[order]
    # keep a point only if its f2 beats every point to its right (larger f1): the 2-D front
    suffix_max = np.maximum.accumulate(Y[::-1, 1])[::-1]
    right_max = np.append(suffix_max[1:], -np.inf)
    Y = Y[Y[:, 1] > right_max]
    a = np.concatenate([[ref[0]], Y[:, 0], [np.inf]])
    b = np.concatenate([Y[:, 1], [ref[1]]])
    lower = np.column_stack([a[:-1], b])
    upper = np.column_stack([a[1:], np.full(len(b), np.inf)])
    return lower, upper


def _cells_botorch(Y: FloatArray, ref: FloatArray) -> tuple[FloatArray, FloatArray]:
    import torch  # noqa: PLC0415
    from botorch.utils.multi_objective.box_decompositions.non_dominated import (  # noqa: PLC0415
        NondominatedPartitioning,
    )

    ref_t = torch.as_tensor(ref, dtype=torch.float64)
    part = NondominatedPartitioning(ref_point=ref_t, Y=torch.as_tensor(Y, dtype=torch.float64))
    bounds = part.get_hypercell_bounds().numpy()
    return np.asarray(bounds[0], float), np.asarray(bounds[1], float)


def _log1mexp(x: FloatArray) -> FloatArray:
    """log(1 − exp(x)) for x ≤ 0, accurate near 0 and for very negative x."""
    x = np.minimum(np.asarray(x, float), 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(x > -np.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x))))


def log_expected_overlap(
    mean: FloatArray, std: FloatArray, lower: FloatArray, upper: FloatArray
) -> FloatArray:
    """log E[(min(Y, u) − l)^+] for Y ~ N(mean, std²), broadcasting all arguments."""
    s = np.maximum(np.asarray(std, float), _MIN_STD)
    z_l = (mean - lower) / s
    log_hl = log_h(np.asarray(z_l, float))
    finite_u = np.isfinite(upper)
    z_u = np.where(finite_u, (mean - np.where(finite_u, upper, 0.0)) / s, -np.inf)
    log_hu = np.where(finite_u, log_h(np.where(finite_u, z_u, 0.0)), -np.inf)
    diff = np.where(np.isfinite(log_hu), log_hu - log_hl, -np.inf)
    return np.asarray(np.log(s) + log_hl + _log1mexp(diff))


def log_ehvi(mean: FloatArray, std: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """log EHVI (m,) of candidates with independent Gaussian objectives.

    Args:
        mean, std: (m, k) posterior means and standard deviations (internal units).
        lower, upper: (c, k) cell corners from `pareto_cells`.
    """
    mu = np.asarray(mean, float)[:, None, :]
    sd = np.asarray(std, float)[:, None, :]
    per_dim = log_expected_overlap(mu, sd, lower[None, :, :], upper[None, :, :])  # (m, c, k)
    return np.asarray(logsumexp(per_dim.sum(axis=2), axis=1))


def ehvi(mean: FloatArray, std: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Expected hypervolume improvement (m,), see `log_ehvi`."""
    return np.asarray(np.exp(log_ehvi(mean, std, lower, upper)))


def log_prob_between(
    mean: FloatArray, std: FloatArray, lower: float | None, upper: float | None
) -> FloatArray:
    """log P(lower ≤ Y ≤ upper) for Y ~ N(mean, std²) (m,); a None bound is open."""
    s = np.maximum(np.asarray(std, float), _MIN_STD)
    log_below_u = log_ndtr((upper - mean) / s) if upper is not None else np.zeros_like(s)
    if lower is None:
        return np.asarray(log_below_u)
    log_below_l = log_ndtr((lower - mean) / s)
    if upper is None:
        return np.asarray(log_ndtr((mean - lower) / s))
    return np.asarray(log_below_u + _log1mexp(np.minimum(log_below_l - log_below_u, 0.0)))


def sample_simplex(rng: np.random.Generator, k: int) -> FloatArray:
    """One weight vector drawn uniformly from the (k−1)-simplex."""
    return np.asarray(rng.dirichlet(np.ones(k)))


def chebyshev(Y_unit: FloatArray, weights: FloatArray, rho: float) -> FloatArray:
    """Augmented Chebyshev scalarisation (larger is better) over the last axis of Y_unit."""
    wy = np.asarray(Y_unit, float) * np.asarray(weights, float)
    return np.asarray(wy.min(axis=-1) + rho * wy.sum(axis=-1))


def normal_base_samples(rng: np.random.Generator, n: int, k: int) -> FloatArray:
    """(n, k) scrambled-Sobol standard-normal base samples drawn from rng."""
    m = int(np.ceil(np.log2(max(n, 2))))
    from scipy.stats import qmc  # noqa: PLC0415 (scipy.stats takes ~0.4 s to import)

    u = qmc.Sobol(d=k, scramble=True, seed=rng).random_base2(m)[:n]
    return np.asarray(ndtri(np.clip(u, 1e-10, 1 - 1e-10)))


def _log_softplus(x: FloatArray) -> FloatArray:
    """log(log(1 + exp(x))), stable for all x."""
    x = np.asarray(x, float)
    out = np.empty_like(x)
    lo = x < -30.0
    out[lo] = x[lo]  # log1p(e^x) ≈ e^x
    out[~lo] = np.log(np.logaddexp(0.0, x[~lo]))
    return out


def log_mc_improvement(samples: FloatArray, best: float, tau: float) -> FloatArray:
    """log of the Monte-Carlo mean of softplus_τ(sample − best) (≈ log EI) per row of (m, S)."""
    log_sp = np.log(tau) + _log_softplus((np.asarray(samples, float) - best) / tau)
    return np.asarray(logsumexp(log_sp, axis=1) - np.log(samples.shape[1]))


def prob_between(
    mean: FloatArray, std: FloatArray, lower: float | None, upper: float | None
) -> FloatArray:
    """P(lower ≤ Y ≤ upper) (for logging)."""
    s = np.maximum(np.asarray(std, float), _MIN_STD)
    hi = ndtr((upper - mean) / s) if upper is not None else np.ones_like(s)
    lo = ndtr((lower - mean) / s) if lower is not None else np.zeros_like(s)
    return np.asarray(np.clip(hi - lo, 0.0, 1.0))
