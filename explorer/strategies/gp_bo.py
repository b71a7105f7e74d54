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

Numerical fallbacks, all deterministic: the covariance gets increasing jitter and a failed
marginal-likelihood fit falls back to default hyperparameters (explorer.models.gp); if the fit
or the posterior still fails (or is not finite), the decision is redone with fixed default
hyperparameters and a noise floor; if that fails too, the max-min space-filling pick. Each
fallback and every numerical warning raised on the way is listed in the suggestion's
`info["fit_warnings"]` (and `info["fallback"]`), which the runner turns into a `warning` event.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.models import transforms
from explorer.models.gp import (
    FittedGP,
    GPHyperparameters,
    GPOptions,
    fit_gp,
    gp_from_hypers,
    resolution_prior,
)
from explorer.observations import Observations
from explorer.strategies import acquisition as acq
from explorer.strategies.argmax import MONOTONE_IN_STD, Pick, argmax_bounded, argmax_full
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.explain import Explanation
from explorer.strategies.fallbacks import (
    FALLBACK_NOISE,
    decide_with_fallbacks,
    maxmin_fallback,
)

FloatArray = NDArray[np.float64]
Acquisition = Literal["ei", "log_ei", "pi", "ucb", "max_variance"]
Incumbent = Literal["observed", "posterior_mean"]
LengthscalePrior = Literal["default", "resolution"]
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
        output_transform: "bilog" models sign(y)·log(1+|y|): use it when the noise grows with
            the signal (PFM loop metrics); reported means/stds are back-transformed.
        incumbent: EI/PI improve on the best *observed* value or (default, robust to noise) on
            the best posterior mean at the measured locations.
        lengthscale_prior: "default" (gp.lengthscale_prior, else Gamma(3, 6), mode 1/3 of the
            domain) or "resolution": a Gamma(2, ·) prior with its mode at `resolution_cells`
            candidate spacings (explorer.models.gp.resolution_prior), for properties with
            features only a few candidates wide (a narrow peak on a fine grid).
        resolution_cells: the mode of the resolution prior, in candidate spacings.
    """

    acquisition: Acquisition = "log_ei"
    beta: float = 4.0
    xi: float = 0.0
    objective_index: int = 0
    gp: GPOptions = field(default_factory=GPOptions)
    warm_start: bool = True
    output_transform: transforms.OutputTransform = "none"
    incumbent: Incumbent = "posterior_mean"
    lengthscale_prior: LengthscalePrior = "default"
    resolution_cells: float = 4.0
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
            return maxmin_fallback(self.name, candidates, observations, n, rng, ctx, [])
        return decide_with_fallbacks(
            lambda fixed: self._decide(candidates, observations, n, ctx, fixed),
            lambda notes: maxmin_fallback(self.name, candidates, observations, n, rng, ctx, notes),
            "GP",
        )

    def _decide(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        ctx: SuggestContext,
        fixed: bool,
    ) -> list[Suggestion]:
        fallback = None
        if fixed:  # default hyperparameters, a noise floor, no optimisation
            default = GPHyperparameters.default(candidates.dim)
            fallback = replace(default, noise=FALLBACK_NOISE).to_dict()
        gp = self._model(candidates, observations, ctx, fallback, fixed_noise=not fixed)
        best = self._incumbent(gp)
        if not np.isfinite(best):
            raise FloatingPointError("the posterior mean is not finite")
        return self._pick(gp, candidates, best, n, observations)

    def _incumbent(self, gp: FittedGP) -> float:
        """Best posterior mean at the measured points (robust to noise) or best observation,
        in the model's (transformed) units; believed pending points count as data."""
        if self.incumbent == "posterior_mean":
            return float(np.max(gp.predict_mean(gp.X)))
        return float(np.max(gp.y))

    def _model(
        self,
        candidates: CandidateSet,
        observations: Observations,
        ctx: SuggestContext,
        logged: Mapping[str, Any] | None,
        *,
        fixed_noise: bool = True,
    ) -> FittedGP:
        """The decision's GP: fitted (warm-started from ctx), or rebuilt from `logged`
        hyperparameters; pending points are believed at their mean (Kriging believer).
        `fixed_noise=False` uses the hyperparameters' noise even when gp.noise_variance is
        set (the fixed-hyperparameter fallback keeps its noise floor)."""
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        x = candidates.unit_features(observations.X[ok])
        y = transforms.forward(self.output_transform, col[ok])
        if logged is not None:
            opts = self.gp if fixed_noise else replace(self.gp, noise_variance=None)
            gp = gp_from_hypers(x, y, GPHyperparameters.from_dict(logged), options=opts)
        else:
            warm = ctx.warm_start.get("gp") if self.warm_start else None
            gp = fit_gp(
                x,
                y,
                options=self._gp_options(candidates),
                warm_start=GPHyperparameters.from_dict(warm) if warm else None,
                seed=ctx.seed,  # a stable fit subset across steps keeps warm starts warm
            )
        if ctx.pending is not None and len(ctx.pending):  # believe pending points at their mean
            xp = candidates.unit_features(ctx.pending.features)
            gp = gp.condition_on(xp, gp.predict(xp)[0])
        return gp

    def _gp_options(self, candidates: CandidateSet) -> GPOptions:
        if self.lengthscale_prior == "default":
            return self.gp
        prior = resolution_prior(candidates.unit_features(), self.resolution_cells)
        return replace(self.gp, lengthscale_prior=prior)

    def _scorer(self, gp: FittedGP, best: float) -> Callable[[FloatArray, FloatArray], FloatArray]:
        """(mean, std) in the model's units -> acquisition (standardised internally)."""

        def scorer(m: FloatArray, s: FloatArray) -> FloatArray:
            return score(
                self.acquisition,
                (m - gp.y_mean) / gp.y_scale,
                s / gp.y_scale,
                (best - gp.y_mean) / gp.y_scale,
                beta=self.beta,
                xi=self.xi,
            )

        return scorer

    def _scores(self, gp: FittedGP, xc: FloatArray, best: float) -> tuple[FloatArray, ...]:
        """(mean, std, acquisition) at unit-cube inputs xc (internal units)."""
        mean, std = gp.predict(xc)
        return mean, std, self._scorer(gp, best)(mean, std)

    def explain(
        self,
        candidates: CandidateSet,
        observations: Observations,
        model_state: Mapping[str, Any],
        ctx: SuggestContext,
    ) -> Explanation | None:
        """Posterior and acquisition of the logged decision at every candidate (see
        explorer.strategies.explain); None before two usable observations exist."""
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            return None
        logged = model_state.get("gp") if model_state else None
        gp = self._model(candidates, observations, ctx, logged)
        mean, std, a = self._scores(gp, candidates.unit_features(), self._incumbent(gp))
        name = observations.objective_names[self.objective_index]
        t = self.output_transform
        return Explanation(
            {name: transforms.inverse(t, mean)},
            {name: transforms.inverse_std(t, mean, std)},
            a,
            self.acquisition,
            "logged" if logged is not None else "refitted",
            {"lengthscales": list(gp.hypers.lengthscales), "noise": gp.hypers.noise},
            lower={name: transforms.inverse(t, mean - 2 * std)},
            upper={name: transforms.inverse(t, mean + 2 * std)},
        )

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
        if not np.all(np.isfinite(mean)):
            raise FloatingPointError("the posterior mean at the candidates is not finite")
        bounded = self.acquisition in MONOTONE_IN_STD and len(gp.X) > EXACT_STD_MAX_OBS
        std_upper = gp.std_upper_bound(xc) if bounded else None
        t = self.output_transform
        for _ in range(min(n, len(candidates))):
            pick = self._best(gp, xc, mean, std_upper, alive, best)
            k = pick.row
            m_k, s_k = np.array([pick.mean]), np.array([pick.std])
            if not (math.isfinite(pick.mean) and math.isfinite(pick.std)) or math.isnan(pick.value):
                raise FloatingPointError("the posterior at the candidates is not finite")
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    pick.value,
                    {name: float(transforms.inverse(t, m_k)[0])},
                    {name: float(transforms.inverse_std(t, m_k, s_k)[0])},
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
        scorer = self._scorer(gp, best)
        if std_upper is None:
            return argmax_full(scorer, mean, gp.predict(xc)[1], alive)
        return argmax_bounded(gp, xc, scorer, mean, std_upper, alive)
