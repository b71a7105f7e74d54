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
    Strategy,
    SuggestContext,
    Suggestion,
    prepare,
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

    def prepare(self, library: CandidateSet, ctx: SuggestContext) -> None:
        """Both phases' unlabelled preparation (explorer.strategies.base.prepare)."""
        prepare(self.initial, library, ctx)
        prepare(self.then, library, ctx)

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
