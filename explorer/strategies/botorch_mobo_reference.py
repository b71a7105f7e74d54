"""The standard BoTorch multi-objective recipe, timed stage by stage: the reference side of
`explorer.bench.mobo_latency` (a `SingleTaskGP` per objective in a `ModelListGP`,
`fit_gpytorch_mll`, then qLogNEHVI and analytic EHVI over the same candidates)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.logei import (
    qLogNoisyExpectedHypervolumeImprovement,
)
from botorch.fit import fit_gpytorch_mll
from botorch.models import ModelListGP, SingleTaskGP
from botorch.models.transforms.outcome import Standardize
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import (
    NondominatedPartitioning,
)
from gpytorch.mlls import SumMarginalLogLikelihood

from explorer.library import CandidateSet
from explorer.observations import Observations


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def botorch_recipe_s(
    cands: CandidateSet, obs: Observations, ref_point: Sequence[float], chunk: int = 1000
) -> tuple[float, float, float]:
    """(fit, qLogNEHVI acquisition, analytic-EHVI acquisition) seconds of the BoTorch recipe."""

    X = torch.as_tensor(cands.unit_features(obs.X), dtype=torch.float64)
    Y = torch.tensor(np.array(obs.Y), dtype=torch.float64)
    Xc = torch.as_tensor(cands.unit_features(), dtype=torch.float64).unsqueeze(1)
    ref = torch.tensor(tuple(ref_point), dtype=torch.float64)

    def fit() -> Any:
        model = ModelListGP(
            *[SingleTaskGP(X, Y[:, j : j + 1], outcome_transform=Standardize(m=1)) for j in (0, 1)]
        )
        fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model))
        return model

    def argmax(acqf: Any) -> int:
        with torch.no_grad():
            vals = torch.cat([acqf(Xc[a : a + chunk]) for a in range(0, len(Xc), chunk)])
        return int(vals.argmax())

    def nehvi(model: Any) -> int:
        sampler = SobolQMCNormalSampler(sample_shape=torch.Size([128]), seed=0)
        acqf = qLogNoisyExpectedHypervolumeImprovement(
            model, ref.tolist(), X_baseline=X, sampler=sampler, prune_baseline=True
        )
        return argmax(acqf)

    def ehvi(model: Any) -> int:
        with torch.no_grad():
            mean = model.posterior(X).mean
        part = NondominatedPartitioning(ref_point=ref, Y=mean)
        return argmax(ExpectedHypervolumeImprovement(model, ref.tolist(), part))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BoTorch's numerical / optimisation notices
        fit_s, model = timed(fit)
        acq_s, _ = timed(lambda: nehvi(model))
        ehvi_s, _ = timed(lambda: ehvi(model))
    return fit_s, acq_s, ehvi_s
