"""Log noisy expected hypervolume improvement (qLogNEHVI, Daulton et al. 2021; Ament et al. 2023)
on the finite candidate set, computed by BoTorch on GPs that carry *our* fitted hyperparameters.

NEHVI integrates over the uncertainty of the incumbent front: each of `mc_samples` joint posterior
samples of (baseline points, candidate) gives a front and the candidate's improvement on it, so
noisy observations never inflate the front. It handles any number of objectives, outcome
constraints (a smooth feasibility indicator on the samples) and pending points (jointly sampled,
BoTorch's sequential-greedy batch rule).

Every column is modelled in its own standardised units z = (y − y_mean) / y_scale (exactly the
space `explorer.models.gp` fits in); the reference point and constraint bounds are mapped into
that space. A per-objective positive affine map scales every hypervolume by the same constant, so
the ranking of candidates is unchanged. Base samples come from a seeded scrambled Sobol sampler
and the baseline is pruned by a deterministic rule (below), so a decision is a pure function of
its inputs and seed.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import torch
from numpy.typing import NDArray

from explorer.models.gp import DTYPE, FittedGP

if TYPE_CHECKING:
    from botorch.models import SingleTaskGP

# BoTorch JIT-compiles a fused C++ kernel for qLogNEHVI on first use, into TORCH_EXTENSIONS_DIR
# (default ~/.cache/torch_extensions, shared by every Python environment of the user). Two
# environments with botorch at different paths then rebuild it (minutes) each time they
# alternate, so unless the user chose a directory, keep the build inside this environment.
os.environ.setdefault("TORCH_EXTENSIONS_DIR", os.path.join(sys.prefix, "torch_extensions"))

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ColumnBound:
    """An outcome constraint lower ≤ f[column] ≤ upper in the column's user/internal units."""

    column: int
    lower: float | None
    upper: float | None


def to_botorch(gp: FittedGP) -> SingleTaskGP:
    """A BoTorch SingleTaskGP equal to `gp` in standardised output units (same kernel, noise,
    constant mean and hyperparameters; no transforms)."""
    from botorch.models import SingleTaskGP  # noqa: PLC0415
    from gpytorch.kernels import MaternKernel, ScaleKernel  # noqa: PLC0415
    from gpytorch.means import ConstantMean  # noqa: PLC0415

    x = torch.as_tensor(gp.X, dtype=DTYPE)
    z = torch.as_tensor((gp.y - gp.y_mean) / gp.y_scale, dtype=DTYPE).unsqueeze(-1)
    noise = torch.as_tensor(gp.noise_var, dtype=DTYPE).unsqueeze(-1)
    d = x.shape[-1]
    covar = ScaleKernel(MaternKernel(nu=gp.nu, ard_num_dims=d)).to(DTYPE)
    model = SingleTaskGP(
        x,
        z,
        train_Yvar=noise,
        covar_module=covar,
        mean_module=ConstantMean(),
        outcome_transform=None,
    ).to(DTYPE)
    covar.base_kernel.lengthscale = torch.tensor(gp.hypers.lengthscales, dtype=DTYPE).reshape(1, d)
    covar.outputscale = torch.tensor(gp.hypers.outputscale, dtype=DTYPE)
    model.mean_module.constant = torch.tensor(gp.hypers.mean, dtype=DTYPE)
    model.eval()
    return model


def prune_baseline(mean: FloatArray, std: FloatArray, z: float = 3.0) -> BoolArray:
    """Keep baseline points that are not almost surely dominated: drop point i when another
    point's lower bound (μ − zσ) beats i's upper bound (μ + zσ) in every objective."""
    lo, hi = mean - z * std, mean + z * std
    beats = np.all(lo[:, None, :] > hi[None, :, :], axis=2)  # beats[j, i]: j surely dominates i
    np.fill_diagonal(beats, False)
    return np.asarray(~beats.any(axis=0))


def _constraint_fns(
    bounds: Sequence[ColumnBound], gps: Sequence[FittedGP]
) -> tuple[list[Callable[[torch.Tensor], torch.Tensor]], list[float]]:
    """BoTorch constraint callables (feasible where ≤ 0) on standardised samples."""
    fns: list[Callable[[torch.Tensor], torch.Tensor]] = []
    for b in bounds:
        gp = gps[b.column]
        if b.upper is not None:
            fns.append(partial(_above, column=b.column, bound=(b.upper - gp.y_mean) / gp.y_scale))
        if b.lower is not None:
            fns.append(partial(_below, column=b.column, bound=(b.lower - gp.y_mean) / gp.y_scale))
    return fns, [1e-3] * len(fns)


def _above(samples: torch.Tensor, *, column: int, bound: float) -> torch.Tensor:
    """> 0 where samples[..., column] exceeds an upper bound (infeasible)."""
    return samples[..., column] - bound


def _below(samples: torch.Tensor, *, column: int, bound: float) -> torch.Tensor:
    """> 0 where samples[..., column] is under a lower bound (infeasible)."""
    return bound - samples[..., column]


def log_nehvi(
    gps: Sequence[FittedGP],
    n_objectives: int,
    candidates: FloatArray,
    baseline: FloatArray,
    ref_point: FloatArray,
    *,
    constraints: Sequence[ColumnBound] = (),
    pending: FloatArray | None = None,
    mc_samples: int = 128,
    seed: int = 0,
    chunk: int = 512,
) -> FloatArray:
    """qLogNEHVI (q = 1) of every candidate (m,).

    Args:
        gps: fitted GPs, objectives first (internal larger-is-better units), then constrained
            outcomes.
        n_objectives: how many of `gps` are objectives.
        candidates: (m, d) unit-cube features to score.
        baseline: (n, d) unit-cube features of the observed points (the incumbent set).
        ref_point: (n_objectives,) reference point, internal units.
        constraints: outcome bounds on columns of `gps`.
        pending: (p, d) points already chosen but not measured (sampled jointly).
        mc_samples: number of quasi-Monte-Carlo posterior samples.
        seed: seed of the Sobol base samples.
        chunk: candidates scored per batched call.
    """
    from botorch.acquisition.multi_objective.logei import (  # noqa: PLC0415
        qLogNoisyExpectedHypervolumeImprovement,
    )
    from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective  # noqa: PLC0415
    from botorch.models import ModelListGP  # noqa: PLC0415
    from botorch.sampling import SobolQMCNormalSampler  # noqa: PLC0415

    model = ModelListGP(*[to_botorch(gp) for gp in gps])
    ref_z = [(float(r) - gps[j].y_mean) / gps[j].y_scale for j, r in enumerate(ref_point)]
    fns, etas = _constraint_fns(constraints, gps)
    base = _pruned(gps[:n_objectives], baseline)
    acqf = qLogNoisyExpectedHypervolumeImprovement(
        model=model,
        ref_point=ref_z,
        X_baseline=torch.as_tensor(base, dtype=DTYPE),
        sampler=SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples]), seed=seed),
        objective=IdentityMCMultiOutputObjective(outcomes=list(range(n_objectives))),
        constraints=fns or None,
        eta=torch.tensor(etas, dtype=DTYPE) if fns else 1e-3,
        X_pending=None if pending is None else torch.as_tensor(pending, dtype=DTYPE),
        prune_baseline=False,
        cache_root=True,
    )
    out = np.empty(len(candidates))
    with torch.no_grad():
        for a in range(0, len(candidates), chunk):
            xc = torch.as_tensor(candidates[a : a + chunk], dtype=DTYPE).unsqueeze(1)
            out[a : a + chunk] = acqf(xc).numpy()
    return out


@contextmanager
def recorded_numerics() -> Iterator[list[str]]:
    """Collect (instead of raising) linear_operator's jitter warnings: near-duplicate baseline
    points make the joint sample covariance singular and BoTorch adds jitter, which is the
    intended fallback. The distinct messages are returned so the caller can log them."""
    from linear_operator.utils.warnings import NumericalWarning  # noqa: PLC0415

    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NumericalWarning)
        yield seen
    for w in caught:
        if issubclass(w.category, NumericalWarning):
            if str(w.message) not in seen:
                seen.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _pruned(objective_gps: Sequence[FittedGP], baseline: FloatArray) -> FloatArray:
    if len(baseline) <= 1:
        return baseline
    preds = [gp.predict(baseline) for gp in objective_gps]
    mean = np.column_stack(
        [(m - gp.y_mean) / gp.y_scale for (m, _), gp in zip(preds, objective_gps, strict=True)]
    )
    std = np.column_stack([s / gp.y_scale for (_, s), gp in zip(preds, objective_gps, strict=True)])
    return np.asarray(baseline[prune_baseline(mean, std)])
