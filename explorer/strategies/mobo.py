"""Multi-objective GP Bayesian optimisation over the finite candidate set.

Each decision fits one exact GP per objective (and per constrained outcome) with
`explorer.models.gp`, independently, warm-started from the hyperparameters logged with the
previous suggestion; predicts every remaining candidate in one batched posterior; and scores
them with one of

* `ehvi`: exact expected hypervolume improvement in closed form (log space), over the box
  decomposition of the incumbent front (`hypervolume_acq`); exact for any number of objectives,
  cheapest for two;
* `log_nehvi`: BoTorch's qLogNEHVI on GPs carrying our hyperparameters (`nehvi`): integrates over
  the noise in the incumbent front, for noisy data and 3+ objectives;
* `parego`: a random augmented Chebyshev scalarisation per pick (weights from the step rng) of
  the objectives normalised to the observed range, and the Monte-Carlo log expected improvement
  of that scalarisation under the independent GP posteriors (qParEGO with q = 1);
* `ucb_scalarized`: random-scalarisation UCB (Paria et al. 2019): the same scalarisation applied
  to per-objective upper confidence bounds μ + √β·σ.

Outcome constraints multiply the acquisition by the probability of feasibility (added in log
space; NEHVI weights its samples by a smooth feasibility indicator instead); infeasible
measurements never enter the incumbent front. (Regions the strategy must never pick from are
handled by wrapping it: `kind: exclude`, explorer.strategies.exclude.)

Reference point: explicit (internal units, from the YAML) or, when `ref_point` is None, the `auto`
rule of `explorer.pareto.auto_ref_point` applied once to the observations available at the first
model-based decision. It travels in `model_state` so later (and resumed) decisions reuse it, and
the runner logs it once as a `ref_point_chosen` event.

Batches (n > 1) and pending points: Kriging believer for ehvi/parego/ucb_scalarized (each GP is
conditioned on its own mean at the pick, and the believed objective vector joins the incumbent
front); sequential greedy with jointly sampled pending points for log_nehvi.

Stalled EHVI: on a finite set of real candidates the GPs soon predict the observed front well
everywhere they have data and are confident (small posterior std) elsewhere, so after a few tens
of measurements every candidate's EHVI is a vanishing fraction of the hypervolume already
dominated (log-EHVI of -5 to -10 against a hypervolume of order 1): the argmax then ranks
Gaussian tails, i.e. numerical noise, and the picks spread without purpose. When the largest
EHVI of a decision is below `stall_threshold` times the incumbent hypervolume, the pick is
exploration instead (`stall_explore`): the candidate of largest total posterior variance in
objective units normalised to the observed range (`variance`, the model's own uncertainty), or
the candidate farthest from every measured and already-picked location (`maxmin`). The
suggestion's info says so (`stalled`, `ehvi_relative`). `stall_threshold: null` keeps pure EHVI.
A second way EHVI fails is a flat acquisition: GPs whose posterior is near the prior at every
unmeasured candidate (many input dimensions, few data) give every candidate nearly the same EHVI,
which need not be small. Each EHVI decision logs `ehvi_contrast`, the best candidate's EHVI over
the median candidate's; near 1 the pick is arbitrary. No exploration rule is tied to it: on the
benchmark's BEPS front, exploring there (variance or max-min) lost to the flat picks
(docs/benchmarks.md).

Numerical fallbacks, the same deterministic chain as gp_bo: a decision whose fits or posteriors
fail (or are not finite) is redone with every GP on default hyperparameters and a noise floor,
then with a max-min space-filling pick; each level and every numerical warning go into
`info["fit_warnings"]` / `info["fallback"]`, which the runner logs as a `warning` event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from explorer.heavy_modules import heavy
from explorer.library import CandidateSet
from explorer.models.gp import FittedGP, GPHyperparameters, GPOptions, fit_gp, gp_from_hypers
from explorer.observations import Observations
from explorer.pareto import auto_ref_point, hypervolume, non_dominated_mask
from explorer.strategies import hypervolume_acq as hva
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.explain import Explanation
from explorer.strategies.fallbacks import FALLBACK_NOISE, decide_with_fallbacks, maxmin_fallback

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
MOAcquisition = Literal["ehvi", "log_nehvi", "parego", "ucb_scalarized"]
Incumbent = Literal["observed", "posterior_mean"]
StallExplore = Literal["variance", "maxmin"]
_TAU = 1e-3  # softplus temperature of ParEGO's smoothed improvement, in normalised units
_Bound = tuple[int, float | None, float | None]  # (model column, lower, upper)


@dataclass(frozen=True)
class ModelConstraint:
    """lower ≤ column ≤ upper, on an objective (internal units) or an outcome (user units)."""

    name: str
    lower: float | None = None
    upper: float | None = None


@dataclass
class _Models:
    """The GPs of one decision: objectives first, then constrained outcomes."""

    names: list[str]
    gps: list[FittedGP]
    n_objectives: int
    bounds: list[_Bound]

    def predict(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        preds = [gp.predict(X) for gp in self.gps]
        return np.column_stack([p[0] for p in preds]), np.column_stack([p[1] for p in preds])

    def condition_on(self, X: FloatArray, means: FloatArray) -> _Models:
        gps = [gp.condition_on(X, means[:, j]) for j, gp in enumerate(self.gps)]
        return _Models(self.names, gps, self.n_objectives, self.bounds)

    def log_pof(self, mean: FloatArray, std: FloatArray) -> FloatArray:
        out = np.zeros(len(mean))
        for col, lo, hi in self.bounds:
            out += hva.log_prob_between(mean[:, col], std[:, col], lo, hi)
        return out

    def believed_feasible(self, mean_row: FloatArray) -> bool:
        return all(
            (lo is None or mean_row[c] >= lo) and (hi is None or mean_row[c] <= hi)
            for c, lo, hi in self.bounds
        )


@dataclass(frozen=True)
class MOBOStrategy:
    """Multi-objective BO (every objective column of Y, larger is better).

    Attributes:
        acquisition: ehvi | log_nehvi | parego | ucb_scalarized.
        ref_point: reference point in internal units, or None for the `auto` rule.
        constraints: outcome constraints (by objective or outcome name).
        beta: UCB exploration weight (μ + √β·σ) for ucb_scalarized.
        rho: augmentation weight of the Chebyshev scalarisation.
        mc_samples: Monte-Carlo samples (log_nehvi, parego).
        incumbent: the front EHVI/ParEGO improve on: observed values or the GP posterior mean
            at the measured locations (robust to noise).
        gp: kernel / fit options; warm_start: reuse the logged hyperparameters.
        refit_every: re-optimise the hyperparameters every this many decisions (by step); in
            between, every GP is conditioned on all the data with the logged hyperparameters
            (one likelihood evaluation instead of an L-BFGS run: the fit dominates the cost).
        stall_threshold: for `ehvi`, explore when the largest EHVI is below this fraction of
            the incumbent hypervolume (None: never; see the module docstring).
        stall_explore: how a stalled decision explores: `variance` or `maxmin`.
    """

    acquisition: MOAcquisition = "ehvi"
    ref_point: tuple[float, ...] | None = None
    constraints: tuple[ModelConstraint, ...] = ()
    beta: float = 4.0
    rho: float = 0.05
    mc_samples: int = 128
    incumbent: Incumbent = "posterior_mean"
    gp: GPOptions = field(default_factory=GPOptions)
    warm_start: bool = True
    refit_every: int = 1
    stall_threshold: float | None = 1e-3
    stall_explore: StallExplore = "variance"
    name: str = "mobo"

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        pool = candidates
        usable = np.all(np.isfinite(observations.Y), axis=1)
        if usable.sum() < 2:
            return maxmin_fallback(self.name, pool, observations, n, rng, ctx, [])
        return decide_with_fallbacks(
            lambda fixed: self._decide(pool, observations, n, rng, ctx, fixed),
            lambda notes: maxmin_fallback(self.name, pool, observations, n, rng, ctx, notes),
            "GPs",
        )

    def _decide(
        self,
        pool: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext,
        fixed: bool,
    ) -> list[Suggestion]:
        usable = np.all(np.isfinite(observations.Y), axis=1)
        models = self._fit(pool, observations, ctx, fixed)
        for gp in models.gps:
            if not np.all(np.isfinite(gp.predict(gp.X)[0])):
                raise FloatingPointError("a posterior mean is not finite")
        ref = self._ref_point(observations.Y[usable], ctx)
        state = {
            "gps": {
                nm: gp.hypers.to_dict() for nm, gp in zip(models.names, models.gps, strict=True)
            },
            "ref_point": [float(v) for v in ref],
            "ref_rule": "explicit" if self.ref_point is not None else "auto",
        }
        if self.acquisition == "log_nehvi":
            return self._pick_nehvi(pool, observations, models, ref, n, rng, ctx, state)
        return self._pick_believer(pool, observations, models, ref, n, rng, ctx, state)

    def explain(
        self,
        candidates: CandidateSet,
        observations: Observations,
        model_state: Mapping[str, Any],
        ctx: SuggestContext,
    ) -> Explanation | None:
        """Per-objective posterior at every candidate from the GPs logged with the decision
        (`model_state["gps"]`, no refit; refitted when nothing was logged) and, for `ehvi`,
        the exact log-EHVI the decision maximised (with the logged reference point). The other
        acquisitions draw scalarisation weights / MC samples from the step rng, which is not
        logged, so they get no acquisition map. None before two usable observations."""
        if np.all(np.isfinite(observations.Y), axis=1).sum() < 2:
            return None
        logged = model_state.get("gps") if model_state else None
        if isinstance(logged, dict) and logged:
            models = self._rebuild(candidates, observations, logged)
        else:
            models = self._fit(candidates, observations, ctx)
        xc = candidates.unit_features()
        mean, std = models.predict(xc)
        acq = None
        if self.acquisition == "ehvi":
            usable = np.all(np.isfinite(observations.Y), axis=1)
            ref_ctx = replace(ctx, warm_start={"ref_point": model_state.get("ref_point")})
            ref = self._ref_point(observations.Y[usable], ref_ctx)
            front = self._incumbents(observations, models, candidates.unit_features(observations.X))
            if ctx.pending is not None and len(ctx.pending):
                xp = candidates.unit_features(ctx.pending.features)
                pm, _ = models.predict(xp)
                models = models.condition_on(xp, pm)
                feas = np.array([models.believed_feasible(r) for r in pm], dtype=bool)
                front = np.vstack([front, pm[feas, : models.n_objectives]])
                mean, std = models.predict(xc)
            lo, hi = _normaliser(observations.Y)
            rng = np.random.default_rng(0)  # unused by ehvi
            base = np.zeros((1, models.n_objectives))
            acq, _ = self._score(mean, std, front, ref, lo, hi, base, rng, models)
        m = models.n_objectives
        names = models.names[:m]
        return Explanation(
            {nm: mean[:, j] for j, nm in enumerate(names)},
            {nm: std[:, j] for j, nm in enumerate(names)},
            acq,
            ("log_ehvi" if self.acquisition == "ehvi" else self.acquisition)
            if acq is not None
            else f"{self.acquisition} (not reproducible)",
            "logged" if isinstance(logged, dict) and logged else "refitted",
            {
                nm: {"lengthscales": list(gp.hypers.lengthscales), "noise": gp.hypers.noise}
                for nm, gp in zip(models.names, models.gps, strict=True)
            },
        )

    def _rebuild(self, pool: CandidateSet, obs: Observations, logged: Mapping[str, Any]) -> _Models:
        """The decision's GPs from the logged hyperparameters (conditioned on the same data)."""
        names, Y, bounds = self._columns(obs)
        X = pool.unit_features(obs.X)
        keep = [j for j, nm in enumerate(names) if nm in logged]
        remap = {j: i for i, j in enumerate(keep)}
        gps = []
        for j in keep:
            ok = np.isfinite(Y[:, j])
            hypers = GPHyperparameters.from_dict(logged[names[j]])
            gps.append(gp_from_hypers(X[ok], Y[ok, j], hypers, options=self.gp))
        bounds = [(remap[c], lo, hi) for c, lo, hi in bounds if c in remap]
        return _Models([names[j] for j in keep], gps, obs.n_objectives, bounds)

    # ---- setup ---------------------------------------------------------------------------
    def _columns(self, obs: Observations) -> tuple[list[str], FloatArray, list[_Bound]]:
        names = list(obs.objective_names)
        cols = [obs.Y[:, j] for j in range(len(names))]
        bounds: list[_Bound] = []
        for c in self.constraints:
            if c.name not in names:
                names.append(c.name)
                cols.append(obs.outcomes[:, obs.outcome_names.index(c.name)])
            bounds.append((names.index(c.name), c.lower, c.upper))
        return names, np.column_stack(cols), bounds

    def _fit(
        self, pool: CandidateSet, obs: Observations, ctx: SuggestContext, fixed: bool = False
    ) -> _Models:
        names, Y, bounds = self._columns(obs)
        k = obs.n_objectives
        # a constrained outcome with no measured value yet cannot be modelled: its constraint
        # is left out of this decision (and reported in the suggestion's info)
        keep = [j for j in range(len(names)) if j < k or np.isfinite(Y[:, j]).any()]
        remap = {j: i for i, j in enumerate(keep)}
        bounds = [(remap[c], lo, hi) for c, lo, hi in bounds if c in remap]
        X = pool.unit_features(obs.X)
        warm = ctx.warm_start.get("gps", {}) if self.warm_start else {}
        refit = self.refit_every <= 1 or ctx.step % self.refit_every == 0
        options = self.gp if refit else dataclasses.replace(self.gp, max_iter_warm=0)
        gps = []
        for j in keep:
            ok = np.isfinite(Y[:, j])
            h = warm.get(names[j]) if isinstance(warm, dict) else None
            if fixed:  # default hyperparameters with a noise floor, no optimisation
                hypers = replace(GPHyperparameters.default(X.shape[1]), noise=FALLBACK_NOISE)
                opts = dataclasses.replace(options, noise_variance=None)
                gps.append(gp_from_hypers(X[ok], Y[ok, j], hypers, options=opts))
                continue
            gps.append(
                fit_gp(
                    X[ok],
                    Y[ok, j],
                    options=options,
                    warm_start=GPHyperparameters.from_dict(h) if h else None,
                    seed=ctx.seed + ctx.step + 1009 * j,
                )
            )
        return _Models([names[j] for j in keep], gps, k, bounds)

    def _ref_point(self, Y_usable: FloatArray, ctx: SuggestContext) -> FloatArray:
        if self.ref_point is not None:
            return np.asarray(self.ref_point, float)
        logged = ctx.warm_start.get("ref_point")
        if isinstance(logged, list) and len(logged) == Y_usable.shape[1]:
            return np.asarray(logged, float)
        return auto_ref_point(Y_usable)

    def _incumbents(self, obs: Observations, models: _Models, X_unit: FloatArray) -> FloatArray:
        """(p, k) objective vectors of feasible measured points that the next pick improves on."""
        k = models.n_objectives
        _, Y, bounds = self._columns(obs)
        ok = np.all(np.isfinite(obs.Y), axis=1)
        for col, lo, hi in bounds:
            v = Y[:, col]
            ok &= np.isfinite(v) & (v >= (lo if lo is not None else -np.inf))
            ok &= v <= (hi if hi is not None else np.inf)
        if self.incumbent == "observed" or not ok.any():
            return np.asarray(obs.Y[ok])
        mean, _ = models.predict(X_unit[ok])
        return np.asarray(mean[:, :k])

    # ---- Kriging-believer picks (ehvi, parego, ucb_scalarized) ----------------------------
    def _pick_believer(
        self,
        pool: CandidateSet,
        obs: Observations,
        models: _Models,
        ref: FloatArray,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext,
        state: dict[str, Any],
    ) -> list[Suggestion]:
        xc = pool.unit_features()
        front = self._incumbents(obs, models, pool.unit_features(obs.X))
        lo, hi = _normaliser(obs.Y)
        if ctx.pending is not None and len(ctx.pending):
            xp = pool.unit_features(ctx.pending.features)
            pm, _ = models.predict(xp)
            models = models.condition_on(xp, pm)
            feas = np.array([models.believed_feasible(r) for r in pm], dtype=bool)
            front = np.vstack([front, pm[feas, : models.n_objectives]])
        base = hva.normal_base_samples(rng, self.mc_samples, models.n_objectives)
        alive = np.ones(len(pool), dtype=bool)
        out: list[Suggestion] = []
        taken = pool.unit_features(obs.X)
        for _ in range(min(n, len(pool))):
            mean, std = models.predict(xc)
            scores, info = self._score(mean, std, front, ref, lo, hi, base, rng, models)
            scores = np.where(alive, scores, -np.inf)
            if self._stalled(scores, front, ref, info):
                scores = self._explore_scores(xc, std, taken, lo, hi, models, mean, alive)
            k = int(np.argmax(scores))
            taken = np.vstack([taken, xc[k : k + 1]])
            out.append(self._suggestion(pool, k, float(scores[k]), mean, std, models, info, state))
            alive[k] = False
            if len(out) < n:
                models = models.condition_on(xc[k : k + 1], mean[k : k + 1])
                if models.believed_feasible(mean[k]):
                    front = np.vstack([front, mean[k : k + 1, : models.n_objectives]])
        return out

    def _stalled(
        self, scores: FloatArray, front: FloatArray, ref: FloatArray, info: dict[str, Any]
    ) -> bool:
        """Whether every EHVI is negligible next to the incumbent hypervolume (noted in info)."""
        if self.acquisition != "ehvi" or not len(front):
            return False
        best = float(np.max(scores))
        alive = scores[np.isfinite(scores)]
        if np.isfinite(best) and len(alive):
            # best against the median candidate: near 1, EHVI no longer tells them apart
            info["ehvi_contrast"] = float(np.exp(best - np.median(alive)))
        if self.stall_threshold is None:
            return False
        hv = hypervolume(front[non_dominated_mask(front)], ref)
        if hv <= 0.0 or not np.isfinite(best):
            return False
        relative = float(np.exp(best) / hv)
        info["ehvi_relative"] = relative
        info["stalled"] = relative < self.stall_threshold
        return bool(info["stalled"])

    def _explore_scores(
        self,
        xc: FloatArray,
        std: FloatArray,
        taken: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        models: _Models,
        mean: FloatArray,
        alive: BoolArray,
    ) -> FloatArray:
        """log exploration score of every candidate (dead ones -inf), feasibility-weighted."""
        k = models.n_objectives
        if self.stall_explore == "variance":
            total = np.sum((std[:, :k] / (hi - lo)) ** 2, axis=1)
        else:
            d2 = ((xc[:, None, :] - taken[None, :, :]) ** 2).sum(axis=2)
            total = d2.min(axis=1)
        with np.errstate(divide="ignore"):
            scores = np.log(total) + models.log_pof(mean, std)
        return np.where(alive, scores, -np.inf)

    def _score(
        self,
        mean: FloatArray,
        std: FloatArray,
        front: FloatArray,
        ref: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        base: FloatArray,
        rng: np.random.Generator,
        models: _Models,
    ) -> tuple[FloatArray, dict[str, Any]]:
        k = models.n_objectives
        mu, sd = mean[:, :k], std[:, :k]
        log_pof = models.log_pof(mean, std)
        if self.acquisition == "ehvi":
            front = front[non_dominated_mask(front)] if len(front) else front
            lower, upper = hva.pareto_cells(front, ref)
            return hva.log_ehvi(mu, sd, lower, upper) + log_pof, {"n_cells": len(lower)}
        w = hva.sample_simplex(rng, k)
        span = hi - lo
        if self.acquisition == "parego":
            samples = (mu[:, None, :] + sd[:, None, :] * base[None, :, :] - lo) / span
            s = hva.chebyshev(samples, w, self.rho)
            best = (
                float(np.max(hva.chebyshev((front - lo) / span, w, self.rho)))
                if len(front)
                else -np.inf
            )
            if not np.isfinite(best):
                best = float(np.min(s))
            return hva.log_mc_improvement(s, best, _TAU) + log_pof, {"weights": w.tolist()}
        ucb = hva.chebyshev((mu + np.sqrt(self.beta) * sd - lo) / span, w, self.rho)
        return np.log(ucb - ucb.min() + 1e-12) + log_pof, {"weights": w.tolist()}

    # ---- sequential greedy NEHVI ---------------------------------------------------------
    def _pick_nehvi(
        self,
        pool: CandidateSet,
        obs: Observations,
        models: _Models,
        ref: FloatArray,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext,
        state: dict[str, Any],
    ) -> list[Suggestion]:
        ColumnBound = heavy("explorer.strategies.nehvi", "ColumnBound")
        log_nehvi = heavy("explorer.strategies.nehvi", "log_nehvi")
        recorded_numerics = heavy("explorer.strategies.nehvi", "recorded_numerics")

        xc = pool.unit_features()
        usable = np.all(np.isfinite(obs.Y), axis=1)
        baseline = pool.unit_features(obs.X[usable])
        pending = [] if ctx.pending is None else list(pool.unit_features(ctx.pending.features))
        bounds = [ColumnBound(c, lo, hi) for c, lo, hi in models.bounds]
        mean, std = models.predict(xc)
        alive = np.ones(len(pool), dtype=bool)
        out: list[Suggestion] = []
        for _ in range(min(n, len(pool))):
            with recorded_numerics() as numerics:
                scores = log_nehvi(
                    models.gps,
                    models.n_objectives,
                    xc,
                    baseline,
                    ref,
                    constraints=bounds,
                    pending=np.asarray(pending) if pending else None,
                    mc_samples=self.mc_samples,
                    seed=int(rng.integers(2**31)),
                )
            scores = np.where(alive, scores, -np.inf)
            k = int(np.argmax(scores))
            info = {"numerics": numerics} if numerics else {}
            out.append(self._suggestion(pool, k, float(scores[k]), mean, std, models, info, state))
            alive[k] = False
            pending.append(xc[k])
        return out

    # ---- output --------------------------------------------------------------------------
    def _suggestion(
        self,
        pool: CandidateSet,
        k: int,
        score: float,
        mean: FloatArray,
        std: FloatArray,
        models: _Models,
        info: dict[str, Any],
        state: dict[str, Any],
    ) -> Suggestion:
        m = models.n_objectives
        names = models.names
        extra: dict[str, Any] = {"acquisition": self.acquisition, **info}
        if models.bounds:
            extra["pof"] = float(np.exp(models.log_pof(mean[k : k + 1], std[k : k + 1])[0]))
            extra["outcomes"] = {
                nm: {"mean": float(mean[k, j]), "std": float(std[k, j])}
                for j, nm in enumerate(names[m:], start=m)
            }
        missing = [c.name for c in self.constraints if c.name not in names]
        if missing:
            extra["constraints_without_data"] = missing
        warnings = [w for gp in models.gps for w in gp.warnings]
        if warnings:
            extra["fit_warnings"] = warnings
        return Suggestion(
            int(pool.ids[k]),
            self.name,
            score,
            {nm: float(mean[k, j]) for j, nm in enumerate(names[:m])},
            {nm: float(std[k, j]) for j, nm in enumerate(names[:m])},
            extra,
            state,
        )


def _normaliser(Y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Observed min and max per objective (finite rows); a zero range becomes 1."""
    ok = np.all(np.isfinite(Y), axis=1)
    lo, hi = Y[ok].min(axis=0), Y[ok].max(axis=0)
    return lo, np.where(hi - lo > 0, hi, lo + 1.0)
