"""BoTorch's standard recipe as strategies, to compare against on identical candidates.

`BotorchStrategy` (`kind: botorch`, one objective) is the recipe of the BoTorch tutorials, with
BoTorch's defaults left alone: `SingleTaskGP(train_X, train_Y)` (its default kernel, priors and
`Standardize` outcome transform), `fit_gpytorch_mll(ExactMarginalLogLikelihood)`, then
`LogExpectedImprovement(best_f = max train_Y)` evaluated on every remaining candidate with
`optimize_acqf_discrete`. With pending points or a batch (n > 1) it uses `qLogExpectedImprovement`
with `X_pending` (sequential greedy conditioning inside `optimize_acqf_discrete`).

`BotorchNEHVIStrategy` (two or more objectives; not a config kind yet) is the multi-objective
reference: a multi-output `SingleTaskGP` and `qLogNoisyExpectedHypervolumeImprovement` on the
candidate set, reference point given or inferred from the observed front.

Both refit from scratch at every step (the recipe keeps no state) and run under
`botorch.utils.sampling.manual_seed`, which restores torch's global generator afterwards, so the
same inputs give the same suggestion without seeding anything globally.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.space_filling import MaxMinStrategy

if TYPE_CHECKING:
    from botorch.acquisition import AcquisitionFunction
    from botorch.models import SingleTaskGP

DTYPE = torch.float64
MC_SAMPLES = 128


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def fit_single_task_gp(train_x: torch.Tensor, train_y: torch.Tensor) -> SingleTaskGP:
    """SingleTaskGP with BoTorch's defaults, fitted by fit_gpytorch_mll."""
    from botorch.fit import fit_gpytorch_mll  # noqa: PLC0415
    from botorch.models import SingleTaskGP  # noqa: PLC0415
    from gpytorch.mlls import ExactMarginalLogLikelihood  # noqa: PLC0415

    model = SingleTaskGP(train_x, train_y)
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    return model


def best_on_candidates(
    acqf: AcquisitionFunction, xc: torch.Tensor, q: int
) -> tuple[list[int], list[float]]:
    """optimize_acqf_discrete over the distinct candidate features; returns q distinct rows of
    xc and their acquisition values.

    Several locations can share features (a composition gradient along one stage axis): the
    model cannot tell them apart, so each chosen feature vector maps to its first free row, and
    a batch larger than the number of distinct features takes further rows of the chosen ones.
    """
    from botorch.optim import optimize_acqf_discrete  # noqa: PLC0415

    unique = torch.unique(xc, dim=0)
    chosen, values = optimize_acqf_discrete(acqf, q=min(q, len(unique)), choices=unique)
    flat = [float(v) for v in values.reshape(-1)]
    matches = [torch.nonzero(torch.all(xc == x, dim=-1)).flatten().tolist() for x in chosen]
    rows: list[int] = []
    out_values: list[float] = []
    for depth in range(max(len(m) for m in matches)):
        for match, value in zip(matches, flat, strict=True):
            if depth < len(match) and len(rows) < q:
                rows.append(match[depth])
                out_values.append(value)
    return rows, out_values


def _suggestions(
    model: SingleTaskGP,
    xc: torch.Tensor,
    rows: list[int],
    values: list[float],
    candidates: CandidateSet,
    names: tuple[str, ...],
    strategy: str,
) -> list[Suggestion]:
    with torch.no_grad():
        post = model.posterior(xc[rows])
        mean = post.mean.reshape(len(rows), -1).numpy()
        std = post.variance.clamp_min(0).sqrt().reshape(len(rows), -1).numpy()
    return [
        Suggestion(
            int(candidates.ids[r]),
            strategy,
            v,
            {n: float(mean[i, j]) for j, n in enumerate(names)},
            {n: float(std[i, j]) for j, n in enumerate(names)},
        )
        for i, (r, v) in enumerate(zip(rows, values, strict=True))
    ]


@dataclass(frozen=True)
class BotorchStrategy:
    """BoTorch's single-objective recipe (SingleTaskGP + fit_gpytorch_mll + LogEI)."""

    objective_index: int = 0
    name: str = "botorch"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        from botorch.utils.sampling import manual_seed  # noqa: PLC0415

        ctx = ctx or SuggestContext(step=len(observations))
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2 or np.ptp(col[ok]) == 0:
            return MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
        train_x = torch.as_tensor(candidates.unit_features(observations.X[ok]), dtype=DTYPE)
        train_y = torch.tensor(col[ok], dtype=DTYPE).unsqueeze(-1)
        xc = torch.as_tensor(candidates.unit_features(), dtype=DTYPE)
        pending = _pending(candidates, ctx)
        q = min(n, len(candidates))
        name = observations.objective_names[self.objective_index]
        with manual_seed(_seed(rng)), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpytorch jitter / optimiser chatter
            model = fit_single_task_gp(train_x, train_y)
            acqf = self._acquisition(model, float(train_y.max()), pending, q)
            rows, values = best_on_candidates(acqf, xc, q)
            return _suggestions(model, xc, rows, values, candidates, (name,), self.name)

    @staticmethod
    def _acquisition(
        model: SingleTaskGP, best_f: float, pending: torch.Tensor | None, q: int
    ) -> AcquisitionFunction:
        from botorch.acquisition import LogExpectedImprovement, qLogExpectedImprovement  # noqa: PLC0415
        from botorch.sampling import SobolQMCNormalSampler  # noqa: PLC0415

        if q == 1 and pending is None:
            return LogExpectedImprovement(model, best_f=best_f)
        sampler = SobolQMCNormalSampler(torch.Size([MC_SAMPLES]), seed=0)
        return qLogExpectedImprovement(model, best_f=best_f, sampler=sampler, X_pending=pending)


def _pending(candidates: CandidateSet, ctx: SuggestContext) -> torch.Tensor | None:
    if ctx.pending is None or len(ctx.pending) == 0:
        return None
    return torch.as_tensor(candidates.unit_features(ctx.pending.features), dtype=DTYPE)


@dataclass(frozen=True)
class BotorchNEHVIStrategy:
    """BoTorch's multi-objective recipe: multi-output SingleTaskGP + qLogNEHVI (all objectives
    of the observations, larger is better).

    Attributes:
        ref_point: reference point in internal (larger-is-better) units, one value per
            objective; None infers it from the observed front (nadir − 10 % of the range).
    """

    ref_point: tuple[float, ...] | None = None
    name: str = "botorch_nehvi"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        from botorch.utils.sampling import manual_seed  # noqa: PLC0415

        ctx = ctx or SuggestContext(step=len(observations))
        obs = observations.finite()
        if len(obs) < 2 or np.any(np.ptp(obs.Y, axis=0) == 0):
            return MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
        train_x = torch.as_tensor(candidates.unit_features(obs.X), dtype=DTYPE)
        train_y = torch.tensor(obs.Y, dtype=DTYPE)
        xc = torch.as_tensor(candidates.unit_features(), dtype=DTYPE)
        q = min(n, len(candidates))
        names = obs.objective_names
        with manual_seed(_seed(rng)), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpytorch jitter / optimiser chatter
            model = fit_single_task_gp(train_x, train_y)
            acqf = self._acquisition(model, train_x, train_y, _pending(candidates, ctx))
            rows, values = best_on_candidates(acqf, xc, q)
            return _suggestions(model, xc, rows, values, candidates, names, self.name)

    def _acquisition(
        self, model: Any, train_x: torch.Tensor, train_y: torch.Tensor, pending: Any
    ) -> AcquisitionFunction:
        from botorch.acquisition.multi_objective.logei import (  # noqa: PLC0415
            qLogNoisyExpectedHypervolumeImprovement,
        )
        from botorch.sampling import SobolQMCNormalSampler  # noqa: PLC0415
        from botorch.utils.multi_objective.hypervolume import infer_reference_point  # noqa: PLC0415
        from botorch.utils.multi_objective.pareto import is_non_dominated  # noqa: PLC0415

        if self.ref_point is not None:
            ref = torch.tensor(self.ref_point, dtype=DTYPE)
        else:
            ref = infer_reference_point(train_y[is_non_dominated(train_y)])
        return qLogNoisyExpectedHypervolumeImprovement(
            model,
            ref_point=ref.tolist(),
            X_baseline=train_x,
            sampler=SobolQMCNormalSampler(torch.Size([MC_SAMPLES]), seed=0),
            X_pending=pending,
            prune_baseline=True,
        )
