"""Composition of strategies: two_phase (an initial design, then a model-based rule)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import (
    Preparation,
    Strategy,
    SuggestContext,
    Suggestion,
    preparable,
    required_arrays,
)
from explorer.strategies.explain import Explanation, explain


def _with_pending(ctx: SuggestContext, extra: CandidateSet) -> SuggestContext:
    pending = extra if ctx.pending is None else _concat(ctx.pending, extra)
    return dataclasses.replace(ctx, pending=pending, step=ctx.step + len(extra))


def _concat(a: CandidateSet, b: CandidateSet) -> CandidateSet:
    return CandidateSet(
        np.concatenate([a.ids, b.ids]),
        np.vstack([a.positions_mm, b.positions_mm]),
        np.vstack([a.features, b.features]),
        a.feature_names,
        a.feature_bounds.copy(),
    )


@dataclass(frozen=True)
class TwoPhaseStrategy:
    """Use `initial` for the first `n_initial` measurements (counting user initial points),
    then `then`. A batch that straddles the switch is split between the two."""

    initial: Strategy
    n_initial: int
    then: Strategy
    name: str = "two_phase"

    @property
    def required_arrays(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(required_arrays(self.initial) + required_arrays(self.then)))

    def _preparable_phase(self) -> tuple[Strategy, bool] | None:
        """The phase whose preparation the run makes (`then` before `initial`), and whether
        it is the later phase."""
        if preparable(self.then):
            return self.then, True
        if preparable(self.initial):
            return self.initial, False
        return None

    def preparation_key(
        self, library: CandidateSet, seed: int, budget: int | None = None
    ) -> str | None:
        """A phase's preparation key (explorer.strategies.base.Preparation); None when no phase
        has one, or the run ends (`budget`) before the later phase that needs it."""
        found = self._preparable_phase()
        if found is None:
            return None
        phase, later = found
        if later and budget is not None and budget <= self.n_initial:
            return None
        return phase.preparation_key(library, seed, budget)  # type: ignore[attr-defined]

    def prepare(self, library: CandidateSet, seed: int) -> Preparation:
        """The preparation of the phase that has one; both phases see it in their context and
        each uses only a preparation made with its own settings."""
        found = self._preparable_phase()
        assert found is not None, "prepare() called on a two_phase with nothing to prepare"
        return found[0].prepare(library, seed)  # type: ignore[attr-defined]

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        ctx = ctx or SuggestContext(step=len(observations))
        k_initial = max(0, min(n, self.n_initial - ctx.step))
        out: list[Suggestion] = []
        if k_initial:
            out = self.initial.suggest(candidates, observations, k_initial, rng, ctx)
        rest = n - len(out)
        if rest > 0:
            chosen = [s.location_id for s in out]
            remaining = candidates.without(chosen)
            if len(remaining):
                sub_ctx = _with_pending(ctx, candidates.subset(candidates.index_of(chosen)))
                out += self.then.suggest(remaining, observations, rest, rng, sub_ctx)
        return out

    def explain(
        self,
        candidates: CandidateSet,
        observations: Observations,
        model_state: Mapping[str, Any],
        ctx: SuggestContext,
    ) -> Explanation | None:
        """The model-based phase's view (also during the initial design, where it is refitted
        because no model state was logged yet)."""
        return explain(self.then, candidates, observations, model_state, ctx)
