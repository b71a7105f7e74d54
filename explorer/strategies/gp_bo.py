"""Single-objective GP Bayesian optimisation over the finite candidate set.

Each decision: fit an exact GP (explorer.models.gp) to the finite observations in unit-cube
features, warm-started from the hyperparameters logged with the previous suggestion; compute the
posterior mean of all remaining candidates in one batched pass; evaluate a closed-form
acquisition (EI, log-EI, PI, UCB, max-variance) and take its exact argmax. With more than
`EXACT_STD_MAX_OBS` observations and an acquisition that grows with σ, the exact σ is computed
only for candidates whose upper bound could still win (explorer.strategies.argmax); the pick is
the same. Batches (n > 1) use the Kriging believer: the GP is conditioned on its own mean at each
pick (hyperparameters fixed, Cholesky factor extended) before the next pick; the posterior mean
is unchanged by such conditioning, so it is computed once. With fewer than 2 usable observations
it falls back to a max-min space-filling pick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.models.gp import FittedGP, GPHyperparameters, GPOptions, fit_gp
from explorer.observations import Observations
from explorer.strategies import acquisition as acq
from explorer.strategies.argmax import MONOTONE_IN_STD, Pick, argmax_bounded, argmax_full
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.space_filling import MaxMinStrategy

FloatArray = NDArray[np.float64]
Acquisition = Literal["ei", "log_ei", "pi", "ucb", "max_variance"]
#: up to this many observations every candidate's exact σ is computed (it is cheap there)
EXACT_STD_MAX_OBS = 384


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
    """

    acquisition: Acquisition = "log_ei"
    beta: float = 4.0
    xi: float = 0.0
    objective_index: int = 0
    gp: GPOptions = field(default_factory=GPOptions)
    warm_start: bool = True
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
        gp = fit_gp(
            candidates.unit_features(observations.X[ok]),
            col[ok],
            options=self.gp,
            warm_start=GPHyperparameters.from_dict(warm) if warm else None,
            seed=ctx.seed,  # a stable fit subset across steps keeps warm starts warm
        )
        if ctx.pending is not None and len(ctx.pending):  # believe pending points at their mean
            xp = candidates.unit_features(ctx.pending.features)
            gp = gp.condition_on(xp, gp.predict(xp)[0])
        return self._pick(gp, candidates, float(np.max(col[ok])), n, observations)

    def _pick(
        self, gp: FittedGP, candidates: CandidateSet, best: float, n: int, obs: Observations
    ) -> list[Suggestion]:
        xc = candidates.unit_features()
        alive = np.ones(len(candidates), dtype=bool)
        out: list[Suggestion] = []
        name = obs.objective_names[self.objective_index]
        state = {"gp": gp.hypers.to_dict()}
        info = {"fit_warnings": list(gp.warnings)} if gp.warnings else {}
        mean = gp.predict_mean(xc)
        bounded = self.acquisition in MONOTONE_IN_STD and len(gp.X) > EXACT_STD_MAX_OBS
        std_upper = gp.std_upper_bound(xc) if bounded else None
        for _ in range(min(n, len(candidates))):
            pick = self._best(gp, xc, mean, std_upper, alive, best)
            k = pick.row
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    pick.value,
                    {name: pick.mean},
                    {name: pick.std},
                    info,
                    state,
                )
            )
            alive[k] = False
            if len(out) < n:  # bounds stay valid: conditioning only lowers σ
                gp = gp.condition_on(xc[k : k + 1], mean[k : k + 1])
        return out

    def _best(
        self,
        gp: FittedGP,
        xc: FloatArray,
        mean: FloatArray,
        std_upper: FloatArray | None,
        alive: NDArray[np.bool_],
        best: float,
    ) -> Pick:
        def scorer(m: FloatArray, s: FloatArray) -> FloatArray:
            return score(
                self.acquisition,
                (m - gp.y_mean) / gp.y_scale,
                s / gp.y_scale,
                (best - gp.y_mean) / gp.y_scale,
                beta=self.beta,
                xi=self.xi,
            )

        if std_upper is None:
            return argmax_full(scorer, mean, gp.predict(xc)[1], alive)
        return argmax_bounded(gp, xc, scorer, mean, std_upper, alive)
