"""Single-objective GP Bayesian optimisation over the finite candidate set.

Each decision: fit an exact GP (explorer.models.gp) to the finite observations in unit-cube
features, warm-started from the hyperparameters logged with the previous suggestion; predict all
remaining candidates in one batched posterior; evaluate a closed-form acquisition (EI, log-EI,
PI, UCB, max-variance) and take the argmax. Batches (n > 1) use the Kriging believer: the GP is
conditioned on its own mean at each pick (hyperparameters fixed) before the next pick.
With fewer than 2 usable observations it falls back to a max-min space-filling pick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.models import transforms
from explorer.models.gp import FittedGP, GPHyperparameters, GPOptions, fit_gp
from explorer.observations import Observations
from explorer.strategies import acquisition as acq
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.space_filling import MaxMinStrategy

FloatArray = NDArray[np.float64]
Acquisition = Literal["ei", "log_ei", "pi", "ucb", "max_variance"]
Incumbent = Literal["observed", "posterior_mean"]


def score(
    kind: Acquisition, mean: FloatArray, std: FloatArray, best: float, *, beta: float, xi: float
) -> FloatArray:
    """Acquisition values for candidates (internal larger-is-better units)."""
    table: dict[str, Callable[[], FloatArray]] = {
        "ei": lambda: acq.expected_improvement(mean, std, best, xi),
        "log_ei": lambda: acq.log_expected_improvement(mean, std, best, xi),
        "pi": lambda: acq.probability_of_improvement(mean, std, best, xi),
        "ucb": lambda: acq.upper_confidence_bound(mean, std, beta),
        "max_variance": lambda: acq.max_variance(mean, std),
    }
    return table[kind]()


@dataclass(frozen=True)
class GPBOStrategy:
    """GP-BO on one objective (column `objective_index` of Y, larger is better).

    Attributes:
        acquisition: ei | log_ei | pi | ucb | max_variance.
        beta: UCB exploration weight (UCB = μ + sqrt(β)·σ).
        xi: EI/PI improvement margin, in standardised units of y.
        gp: kernel / fit options.
        warm_start: reuse the previous step's hyperparameters (logged in model_state).
        output_transform: "bilog" models sign(y)·log(1+|y|): use it when the noise grows with
            the signal (PFM loop metrics); reported means/stds are back-transformed.
        incumbent: EI/PI improve on the best *observed* value or (default, robust to noise) on
            the best posterior mean at the measured locations.
    """

    acquisition: Acquisition = "log_ei"
    beta: float = 4.0
    xi: float = 0.0
    objective_index: int = 0
    gp: GPOptions = field(default_factory=GPOptions)
    warm_start: bool = True
    output_transform: transforms.OutputTransform = "none"
    incumbent: Incumbent = "posterior_mean"
    name: str = "gp_bo"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            picks = MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
            return [
                Suggestion(s.location_id, self.name, info={"fallback": "maxmin"}) for s in picks
            ]
        warm = ctx.warm_start.get("gp") if self.warm_start else None
        x_obs = candidates.unit_features(observations.X[ok])
        gp = fit_gp(
            x_obs,
            transforms.forward(self.output_transform, col[ok]),
            options=self.gp,
            warm_start=GPHyperparameters.from_dict(warm) if warm else None,
            seed=ctx.seed + ctx.step,
        )
        best = float(np.max(gp.predict(x_obs)[0] if self.incumbent == "posterior_mean" else gp.y))
        if ctx.pending is not None and len(ctx.pending):  # believe pending points at their mean
            xp = candidates.unit_features(ctx.pending.features)
            gp = gp.condition_on(xp, gp.predict(xp)[0])
        return self._pick(gp, candidates, best, n, observations)

    def _pick(
        self, gp: FittedGP, candidates: CandidateSet, best: float, n: int, obs: Observations
    ) -> list[Suggestion]:
        xc = candidates.unit_features()
        alive = np.ones(len(candidates), dtype=bool)
        out: list[Suggestion] = []
        name = obs.objective_names[self.objective_index]
        state = {"gp": gp.hypers.to_dict()}
        info = {"fit_warnings": list(gp.warnings)} if gp.warnings else {}
        for _ in range(min(n, len(candidates))):
            mean, std = gp.predict(xc)
            a = score(
                self.acquisition,
                (mean - gp.y_mean) / gp.y_scale,
                std / gp.y_scale,
                (best - gp.y_mean) / gp.y_scale,
                beta=self.beta,
                xi=self.xi,
            )
            a = np.where(alive, a, -np.inf)
            k = int(np.argmax(a))
            t = self.output_transform
            mean_k = float(transforms.inverse(t, mean[k : k + 1])[0])
            std_k = float(transforms.inverse_std(t, mean[k : k + 1], std[k : k + 1])[0])
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    float(a[k]),
                    {name: mean_k},
                    {name: std_k},
                    info,
                    state,
                )
            )
            alive[k] = False
            if len(out) < n:
                gp = gp.condition_on(xc[k : k + 1], mean[k : k + 1])
        return out
