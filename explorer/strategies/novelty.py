"""INS2ANE-like novelty discovery: novelty scores of measured spectra, a GP that predicts the
integrated novelty at unmeasured locations, and SANE's strategic acquisition (novelty/sane.py).

Each decision:
1. the measured spectra (`ctx.arrays[id][spectrum]`, e.g. the on-field SS-PFM loop) are cleaned,
   standardised and embedded (PCA); every scorer of novelty/scores.py rates each measured
   spectrum against the others (leave-one-out) and the integrated score combines them (robust z
   clipped at 3); low signal-to-noise spectra (dead spots) are shrunk towards the archive median
   (`signal_quality`, `shrink_by_quality`) so a single bad spot cannot become the target;
2. an exact GP (explorer.models.gp, warm-started) is fitted from the library features of the
   measured locations to the integrated score and predicts it at every candidate; the ROI
   bookkeeping reads the GP's (denoised) mean at the measured locations, not the raw scores;
3. the SANE acquisition (utility = GP mean of novelty + β × coverage gain by default, EI as an
   option; local/global travel-cost terms around the regions of interest with a bounded ratio,
   exploit/explore schedule, fully-explored switch) picks the point; votes
   (ctx.votes: location id -> +1 good / −1 bad) train a constraint GP whose negative region is
   penalised (SANE's human gate).

Why not EI on the novelty GP (measured on the phase library): an
exact GP's σ is largest on the library's rim, so EI put ~70-80 % of the picks on the outer ring
(15 % of the locations), and dead spots with clipped robust z of 10 made the GP chase noise; the
rare phase was found in 15 % of 20 seeds against 65 % for random picks. See novelty/sane.py.
The ROI list is part of `model_state`, so a resumed run decides identically. `info` logs every
scorer's value for the latest measured spectrum, the acquisition mode and the ROIs.
With fewer than `min_spectra` usable spectra it falls back to a max-min space-filling pick.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.models.gp import GPHyperparameters, GPOptions, fit_gp
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext, Suggestion, distinct_top
from explorer.strategies.space_filling import MaxMinStrategy
from novelty import sane
from novelty.scores import (
    Archive,
    IntegratedScore,
    clean_spectra,
    embed,
    shrink_by_quality,
    signal_quality,
    standardise,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class NoveltyStrategy:
    """Novelty discovery on one raw spectrum channel (see the module docstring).

    Attributes:
        spectrum: raw array key of the spectrum to score ("<channel>.<quantity>").
        scorer: the integrated novelty score (scorers, weights, normalisation).
        n_components: PCA embedding size.
        options: SANE strategic-sampling options.
        gp: fit options of the novelty GP (and the vote-constraint GP).
        min_spectra: usable spectra needed before the model takes over.
    """

    spectrum: str = "sspfm.pr_on"
    scorer: IntegratedScore = field(default_factory=IntegratedScore)
    n_components: int = 3
    options: sane.SANEOptions = field(default_factory=sane.SANEOptions)
    gp: GPOptions = field(default_factory=GPOptions)
    min_spectra: int = 4
    name: str = "novelty"

    @property
    def required_arrays(self) -> tuple[str, ...]:
        return (self.spectrum,)

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        rows = self._usable(observations, ctx)
        if len(rows) < self.min_spectra:
            picks = MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
            return [
                Suggestion(s.location_id, self.name, info={"fallback": "maxmin"}) for s in picks
            ]
        ids = observations.ids[rows]
        raw = clean_spectra([ctx.arrays[int(i)][self.spectrum] for i in ids])
        spectra = standardise(raw)
        x = candidates.unit_features(observations.X[rows])
        archive = Archive(spectra, embed(spectra, self.n_components), x)
        comps = self.scorer.components(archive)
        quality = signal_quality(raw, self.scorer.snr_scale)
        y = shrink_by_quality(self.scorer.combine(comps), quality)
        warm = ctx.warm_start.get("gp")
        gp = fit_gp(
            x,
            y,
            options=self.gp,
            warm_start=GPHyperparameters.from_dict(warm) if warm else None,
            seed=ctx.seed + ctx.step,
        )
        mean, std = gp.predict(candidates.unit_features())
        smooth, _ = gp.predict(x)  # denoised novelty at the measured locations
        unit = _PositionScale.of(candidates, observations, ctx)
        state = sane.update_rois(
            sane.ROIState.from_dict(ctx.warm_start.get("roi")),
            ids,
            unit(observations.positions_mm[rows]),
            smooth,
            rng,
            self.options,
        )
        roi_rows = [int(np.flatnonzero(ids == r)[0]) for r in state.rois]
        roi_pos = unit(observations.positions_mm[rows][roi_rows]).reshape(-1, 2)
        explorative = sane.is_explorative(ctx.step, ctx.budget, self.options)
        cand_pos = unit(candidates.positions_mm)
        coverage = None
        if self.options.acquisition == "mean_coverage":
            taken = [observations.positions_mm]
            if ctx.pending is not None:
                taken.append(ctx.pending.positions_mm)
            taken_pos = unit(np.vstack(taken))
            coverage = sane.coverage_gain(cand_pos, np.vstack([cand_pos, taken_pos]), taken_pos)
        decision = sane.acquire(
            mean, std, float(np.max(y)), cand_pos, roi_pos, explorative, self.options, coverage
        )
        acq, gated = self._gate(decision.acquisition, candidates, observations, ctx, unit)
        info: dict[str, Any] = {
            "mode": decision.mode,
            "rois": list(state.rois),
            "latest_id": int(ids[-1]),
            "latest_scores": {k: float(v[-1]) for k, v in comps.items()},
            "latest_novelty": float(y[-1]),
            "latest_quality": float(quality[-1]),
            "max_novelty": float(np.max(y)),
            "gated": gated,
            **decision.info,
        }
        model_state = {"gp": gp.hypers.to_dict(), "roi": state.to_dict()}
        out = []
        for k in distinct_top(acq, n, rng):
            row_info = {
                **info,
                "ei": float(decision.ei[k]),
                "local_cost": float(decision.local_cost[k]),
            }
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    float(acq[k]),
                    {"novelty": float(mean[k])},
                    {"novelty": float(std[k])},
                    row_info,
                    model_state,
                )
            )
        return out

    def _usable(self, observations: Observations, ctx: SuggestContext) -> NDArray[np.int64]:
        """Rows of the observations whose spectrum is present (failed measurements have none)."""
        keep = [
            k
            for k, i in enumerate(observations.ids)
            if self.spectrum in ctx.arrays.get(int(i), {})
            and np.isfinite(np.asarray(ctx.arrays[int(i)][self.spectrum], float)).any()
        ]
        return np.asarray(keep, dtype=np.int64)

    def _gate(
        self,
        acq: FloatArray,
        candidates: CandidateSet,
        observations: Observations,
        ctx: SuggestContext,
        unit: _PositionScale,
    ) -> tuple[FloatArray, bool]:
        """SANE's human gate: a GP of the vote target y_vote over the measured locations
        predicts g at the candidates; g ≤ 0 is penalised. No bad vote: no gate."""
        votes: Mapping[int, int] = ctx.votes
        if not votes:
            return acq, False
        pos_of = {
            int(i): p for i, p in zip(observations.ids, observations.positions_mm, strict=True)
        }
        good = np.array([pos_of[i] for i, v in votes.items() if v > 0 and i in pos_of]).reshape(
            -1, 2
        )
        bad = np.array([pos_of[i] for i, v in votes.items() if v < 0 and i in pos_of]).reshape(
            -1, 2
        )
        measured = unit(observations.positions_mm)
        y_vote = sane.vote_targets(measured, unit(good), unit(bad), self.options)
        if y_vote is None or len(measured) < 2:
            return acq, False
        x = candidates.unit_features(observations.X)
        g, _ = fit_gp(x, y_vote, options=self.gp, seed=ctx.seed).predict(candidates.unit_features())
        return sane.apply_gate(acq, g, self.options), True


@dataclass(frozen=True)
class _PositionScale:
    """Stage positions -> unit library coordinates (bounds of the whole library: candidates,
    measured and pending together, so they do not change as the campaign proceeds)."""

    lo: FloatArray
    span: FloatArray

    @classmethod
    def of(
        cls, candidates: CandidateSet, observations: Observations, ctx: SuggestContext
    ) -> _PositionScale:
        parts = [candidates.positions_mm, observations.positions_mm]
        if ctx.pending is not None:
            parts.append(ctx.pending.positions_mm)
        allpos = np.vstack(parts)
        lo, hi = allpos.min(axis=0), allpos.max(axis=0)
        return cls(lo, np.where(hi - lo > 0, hi - lo, 1.0))

    def __call__(self, pos_mm: FloatArray) -> FloatArray:
        return np.asarray((np.asarray(pos_mm, float).reshape(-1, 2) - self.lo) / self.span)
