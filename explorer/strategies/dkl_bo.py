"""Deep-kernel-learning Bayesian optimisation (`kind: dkl_bo`): structure -> property.

Each decision trains a DKL model (explorer.models.dkl: a CNN/MLP feature extractor under an
exact GP, trained jointly by marginal likelihood) on the measured locations' features, e.g.
the structure-image patch around each location, and the scalar the campaign's objective makes
of each measured spectrum (loop area, maximum amplitude, a user function...). It predicts every
remaining candidate in one batched posterior and takes the argmax of a closed-form acquisition
(EI, log-EI, PI, UCB, max-variance; explorer.strategies.gp_bo.score). Batches use the Kriging
believer in latent space; pending locations are believed at their predicted mean.

With a pretrained extractor (`network.pretrain: autoencoder`), `prepare` trains it on every
library location's inputs once per run, as the run's preparation (explorer.engine.preparation:
before the first measurement, saved in the run directory, logged as `prepared`, reused on
resume); every decision starts from those weights (without a preparation, fit_dkl pretrains
them itself, with the same result).

Warm start: the trained weights and hyperparameters go into `model_state` (logged with the
suggestion, ~10-30 kB) and the next decision continues training from them, so a resumed run
trains from exactly the state the uninterrupted run would have used. With fewer than two
usable observations it falls back to a max-min space-filling pick.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.models.dkl import (
    DKLOptions,
    FittedDKL,
    PretrainedExtractor,
    dkl_from_state,
    fit_dkl,
    pretrained_state,
)
from explorer.models.gp import FittedGP
from explorer.observations import Observations
from explorer.strategies.base import Preparation, SuggestContext, Suggestion
from explorer.strategies.explain import Explanation
from explorer.strategies.gp_bo import Acquisition, score
from explorer.strategies.space_filling import MaxMinStrategy

FloatArray = NDArray[np.float64]
InputTransform = Literal["unit", "quantile"]


def quantile_transform(pool: FloatArray, X: FloatArray) -> FloatArray:
    """Each column of X mapped to its mid-rank fraction among the pool's values of that column
    (vectorised over rows; a loop over the d columns only)."""
    out = np.empty(X.shape, dtype=float)
    m = len(pool)
    for j in range(X.shape[1]):
        s = np.sort(pool[:, j])
        lo = np.searchsorted(s, X[:, j], side="left")
        hi = np.searchsorted(s, X[:, j], side="right")
        out[:, j] = (lo + hi) / (2.0 * m)
    return out


@dataclass(frozen=True)
class DKLBOStrategy:
    """DKL-BO on one objective (column `objective_index` of Y, larger is better).

    Attributes:
        acquisition: ei | log_ei | pi | ucb | max_variance.
        beta: UCB weight (μ + sqrt(β)·σ); xi: EI/PI margin in standardised units.
        dkl: network and training options.
        input_transform: "unit" (library-wide min-max per feature) or "quantile" (mid-rank
            among all library locations per feature; robust to skewed image intensities).
        warm_start: continue from the logged weights of the previous decision.
    """

    acquisition: Acquisition = "ei"
    beta: float = 4.0
    xi: float = 0.0
    objective_index: int = 0
    dkl: DKLOptions = field(default_factory=DKLOptions)
    input_transform: InputTransform = "unit"
    warm_start: bool = True
    name: str = "dkl_bo"

    def transform(
        self, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        """Model inputs of (observations, candidates, pending)."""
        pend = ctx.pending.features if ctx.pending is not None and len(ctx.pending) else None
        if self.input_transform == "unit":
            unit = candidates.unit_features
            return unit(observations.X), unit(), None if pend is None else unit(pend)
        pool = self._pool(candidates, observations, ctx)
        q = lambda a: quantile_transform(pool, a)  # noqa: E731
        return q(observations.X), q(candidates.features), None if pend is None else q(pend)

    @staticmethod
    def _pool_rows(
        candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> tuple[list[int], list[int]]:
        """Rows of observations and of pending locations that are not among the candidates."""
        seen = set(candidates.ids.tolist())
        extra = [k for k, i in enumerate(observations.ids.tolist()) if i not in seen]
        keep: list[int] = []
        if ctx.pending is not None and len(ctx.pending):
            keep = [k for k, i in enumerate(ctx.pending.ids.tolist()) if i not in seen]
        return extra, keep

    @classmethod
    def _pool_ids(
        cls, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> list[NDArray[np.int64]]:
        extra, keep = cls._pool_rows(candidates, observations, ctx)
        parts = [np.asarray(candidates.ids), np.asarray(observations.ids)[extra]]
        if keep and ctx.pending is not None:
            parts.append(np.asarray(ctx.pending.ids)[keep])
        return [np.asarray(p, dtype=np.int64) for p in parts]

    @classmethod
    def _pool(
        cls, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> FloatArray:
        """Features of every library location known here, each once (candidates, measured and
        pending): the same set whether `candidates` holds the remaining locations (a decision)
        or the whole library (explain)."""
        extra, keep = cls._pool_rows(candidates, observations, ctx)
        parts = [candidates.features, observations.X[extra]]
        if keep and ctx.pending is not None:
            parts.append(ctx.pending.features[keep])
        return np.vstack(parts)

    def fit(
        self, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> tuple[FittedDKL, FloatArray, FloatArray | None] | None:
        """The trained model plus candidate and pending inputs; None with < 2 usable points."""
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            return None
        x_obs, x_cand, x_pend = self.transform(candidates, observations, ctx)
        warm = ctx.warm_start.get("dkl") if self.warm_start else None
        pretrained = self._pretrained(ctx, candidates.dim) if self.dkl.pretrained else None
        need_pool = self.dkl.pretrained and pretrained is None
        pool = self.pool_inputs(candidates, observations, ctx) if need_pool else None
        model = fit_dkl(
            x_obs[ok],
            col[ok],
            options=self.dkl,
            warm_start=warm,
            seed=ctx.seed,
            pool=pool,
            pretrained=pretrained,
        )
        return model, x_cand, x_pend

    def preparation_key(
        self, library: CandidateSet, seed: int, budget: int | None = None
    ) -> str | None:
        """Hash of what the pretraining depends on (every library location's inputs, the
        network and its pretraining settings, the seed); None without pretraining."""
        if not self.dkl.pretrained:
            return None
        return self._pool_key(self._library_pool(library, seed), library.dim, seed)

    def prepare(self, library: CandidateSet, seed: int) -> Preparation:
        """Pretrain the feature extractor on every library location's inputs (the run's
        preparation: once, before the first measurement, saved with the run)."""
        pool = self._library_pool(library, seed)
        pre = pretrained_state(self.dkl, library.dim, pool, seed)
        return Preparation(
            self._pool_key(pool, library.dim, seed),
            pre.to_arrays(),
            self._pretrain_tag(library.dim, seed),
            f"DKL extractor: autoencoder, {self.dkl.pretrain_iters} steps on {len(pool)} "
            f"locations (reconstruction error {pre.pretraining.error:.3g})",
        )

    def _pool_key(self, pool: FloatArray, input_dim: int, seed: int) -> str:
        text = f"{self._pretrain_tag(input_dim, seed)}:{pool.shape}:".encode()
        return hashlib.sha256(text + np.ascontiguousarray(pool).tobytes()).hexdigest()

    def _library_pool(self, library: CandidateSet, seed: int) -> FloatArray:
        empty = Observations.empty(library.dim, ("unlabelled",))
        return self.pool_inputs(library, empty, SuggestContext(seed=seed))

    def _pretrain_tag(self, input_dim: int, seed: int) -> str:
        signature = self.dkl.signature(input_dim)
        return f"dkl extractor {signature} it{self.dkl.pretrain_iters} seed {seed}"

    def _pretrained(self, ctx: SuggestContext, input_dim: int) -> PretrainedExtractor | None:
        """The run's pretraining of this extractor, when the runner prepared one."""
        prep = ctx.prepared
        if prep is None or prep.settings != self._pretrain_tag(input_dim, ctx.seed):
            return None
        return PretrainedExtractor.from_arrays(prep.arrays)

    def pool_inputs(
        self, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> FloatArray:
        """Model inputs of every library location known here (the unlabelled pretraining set;
        ordered by location id, so it is the same set in the same order at every decision)."""
        raw = self._pool(candidates, observations, ctx)
        ids = np.concatenate(self._pool_ids(candidates, observations, ctx))
        raw = raw[np.argsort(ids, kind="stable")]
        if self.input_transform == "unit":
            return candidates.unit_features(raw)
        return quantile_transform(raw, raw)

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        fitted = self.fit(candidates, observations, ctx)
        if fitted is None:
            picks = MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
            return [
                Suggestion(s.location_id, self.name, info={"fallback": "maxmin"}) for s in picks
            ]
        model, x_cand, x_pend = fitted
        if x_pend is not None:
            model = model.condition_on(x_pend, model.predict(x_pend)[0])
        col = observations.Y[:, self.objective_index]
        return self._pick(model, candidates, x_cand, float(np.nanmax(col)), n, observations)

    def _score(self, gp: FittedGP, mean: FloatArray, std: FloatArray, best: float) -> FloatArray:
        """The acquisition of posterior (mean, std) in the GP's standardised units."""
        return score(
            self.acquisition,
            (mean - gp.y_mean) / gp.y_scale,
            std / gp.y_scale,
            (best - gp.y_mean) / gp.y_scale,
            beta=self.beta,
            xi=self.xi,
        )

    def _pick(
        self,
        model: FittedDKL,
        candidates: CandidateSet,
        x_cand: FloatArray,
        best: float,
        n: int,
        obs: Observations,
    ) -> list[Suggestion]:
        z = model.latent(x_cand)
        gp = model.gp
        alive = np.ones(len(candidates), dtype=bool)
        name = obs.objective_names[self.objective_index]
        state = {"dkl": model.state()}
        info: dict[str, object] = {"train_loss": model.loss}
        if model.pretraining is not None:
            info["pretrain_error"] = model.pretraining.error
            info["pretrain_s"] = model.pretraining.seconds
        if model.warnings:
            info["fit_warnings"] = list(model.warnings)
        out: list[Suggestion] = []
        for _ in range(min(n, len(candidates))):
            mean, std = gp.predict(z)
            a = np.where(alive, self._score(gp, mean, std, best), -np.inf)
            k = int(np.argmax(a))
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    float(a[k]),
                    {name: float(mean[k])},
                    {name: float(std[k])},
                    info,
                    state,
                )
            )
            alive[k] = False
            if len(out) < n:
                gp = gp.condition_on(z[k : k + 1], mean[k : k + 1])
        return out

    def explain(
        self,
        candidates: CandidateSet,
        observations: Observations,
        model_state: Mapping[str, Any],
        ctx: SuggestContext,
    ) -> Explanation | None:
        """Posterior and acquisition of a logged decision at every candidate (see
        explorer.strategies.explain): the network and hyperparameters logged with the decision
        are rebuilt without training; without them the model is refitted from ctx."""
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            return None
        x_obs, x_cand, x_pend = self.transform(candidates, observations, ctx)
        logged = model_state.get("dkl") if model_state else None
        model = dkl_from_state(x_obs[ok], col[ok], logged, self.dkl) if logged else None
        source = "logged"
        if model is None:
            fitted = self.fit(candidates, observations, ctx)
            if fitted is None:
                return None
            model, source = fitted[0], "refitted"
        if x_pend is not None:
            model = model.condition_on(x_pend, model.predict(x_pend)[0])
        mean, std = model.predict(x_cand)
        gp = model.gp
        a = self._score(gp, mean, std, float(np.nanmax(col)))
        name = observations.objective_names[self.objective_index]
        return Explanation(
            {name: mean},
            {name: std},
            a,
            self.acquisition,
            source,
            {"latent_lengthscales": list(gp.hypers.lengthscales), "noise": gp.hypers.noise},
        )
