"""exclude: wrap any strategy so that it never picks locations inside given stage regions.

Unlike `library.keep_out` (locations that do not exist for the campaign at all), an excluded
location stays in the library: it can still be measured through `initial_points` or the queue
file, and it still counts as measured data for the models; only the strategy may not choose it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.errors import NoCandidatesLeftError
from explorer.library import CandidateSet, Region
from explorer.observations import Observations
from explorer.strategies.base import (
    Preparation,
    Strategy,
    SuggestContext,
    Suggestion,
    preparable,
    required_arrays,
)


@dataclass(frozen=True)
class ExcludeRegionsStrategy:
    """Delegate to `wrapped` on the candidates outside every region (stage coordinates, mm)."""

    wrapped: Strategy
    regions: tuple[Region, ...]
    name: str = "exclude"

    @property
    def required_arrays(self) -> tuple[str, ...]:
        return required_arrays(self.wrapped)

    def preparation_key(
        self, library: CandidateSet, seed: int, budget: int | None = None
    ) -> str | None:
        """The wrapped strategy's preparation key, over the whole library: excluded locations
        are still data for its models."""
        if not preparable(self.wrapped):
            return None
        return self.wrapped.preparation_key(library, seed, budget)  # type: ignore[attr-defined]

    def prepare(self, library: CandidateSet, seed: int) -> Preparation:
        return self.wrapped.prepare(library, seed)  # type: ignore[attr-defined]

    def allowed(self, candidates: CandidateSet) -> CandidateSet:
        banned = np.zeros(len(candidates), dtype=bool)
        for region in self.regions:
            banned |= region.contains(candidates.positions_mm)
        return candidates.subset(~banned) if banned.any() else candidates

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        pool = self.allowed(candidates)
        if len(pool) == 0:
            raise NoCandidatesLeftError(
                "every remaining location lies in an excluded region (strategy kind: exclude)"
            )
        return self.wrapped.suggest(pool, observations, min(n, len(pool)), rng, ctx)
