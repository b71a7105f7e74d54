"""Campaign: the stateful ask/tell object over a stateless Strategy.

It owns the library, the objectives, the observations, the pending set and the warm-start state
of the model. Every decision gets a fresh generator derived from (seed, step), so a campaign
rebuilt from its event log (explorer.engine.restore) makes exactly the decisions the
uninterrupted run would have made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.constraints import OutcomeConstraint, feasible_mask, user_columns
from explorer.errors import NoCandidatesLeftError, StrategyError
from explorer.library import CandidateSet
from explorer.objectives import Objective, evaluate
from explorer.observations import Observations
from explorer.strategies.base import (
    Preparation,
    Strategy,
    SuggestContext,
    Suggestion,
    required_arrays,
)
from explorer.strategies.explain import Explanation, explain
from hardware.protocols import Measurement

RngFactory = Callable[[int], np.random.Generator]


@dataclass
class Campaign:
    """ask(n) / tell(suggestion, measurement) over a finite library.

    Attributes:
        library: every location of the library (ids, positions, features).
        objectives: objectives in column order.
        strategy: the decision rule.
        rng_for_step: generator factory, step -> Generator (derived from the campaign seed).
        strategy_seed: stable seed for designs (see SuggestContext.seed).
        budget: planned number of measurements (for schedules), or None.
        outcomes: measured quantities recorded alongside the objectives but not optimised.
        constraints: outcome constraints; infeasible measurements never join a Pareto front.
        arrays: raw arrays of measured locations that the strategy declared in
            `required_arrays` (location id -> key -> array), handed to it in SuggestContext.
        votes: good (+1) / bad (−1) verdicts on measured locations, handed to the strategy.
        vetoed: locations a person vetoed (explorer.control); never suggested again.
        prepared: the strategy's preparation of this library (explorer.engine.preparation),
            handed to it in SuggestContext; None until the runner prepares.
    """

    library: CandidateSet
    objectives: tuple[Objective, ...]
    strategy: Strategy
    rng_for_step: RngFactory
    strategy_seed: int = 0
    budget: int | None = None
    outcomes: tuple[Objective, ...] = ()
    constraints: tuple[OutcomeConstraint, ...] = ()
    observations: Observations = field(init=False)
    pending: dict[int, Suggestion] = field(default_factory=dict)
    warm_start: Mapping[str, Any] = field(default_factory=dict)
    last_xy_mm: tuple[float, float] | None = None
    last_decision_s: float = 0.0
    last_decision_cpu_s: float = 0.0
    arrays: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    votes: dict[int, int] = field(default_factory=dict)
    vetoed: set[int] = field(default_factory=set)
    prepared: Preparation | None = None

    def __post_init__(self) -> None:
        self.observations = Observations.empty(
            self.library.dim, self.objective_names, tuple(o.name for o in self.outcomes)
        )

    @property
    def objective_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.objectives)

    @property
    def step(self) -> int:
        """Index of the next decision: measured + pending."""
        return len(self.observations) + len(self.pending)

    def remaining(self) -> CandidateSet:
        taken = set(self.observations.ids.tolist()) | set(self.pending) | self.vetoed
        return self.library.without(taken)

    def ask(self, n: int = 1) -> list[Suggestion]:
        """Up to n new, distinct, unmeasured locations from the strategy (marked pending)."""
        remaining = self.remaining()
        if len(remaining) == 0:
            raise NoCandidatesLeftError("every library location is measured or pending")
        ctx = self.context()
        t0, cpu0 = time.perf_counter(), time.process_time()
        suggestions = self.strategy.suggest(
            remaining, self.observations, min(n, len(remaining)), self.rng_for_step(self.step), ctx
        )
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        self._check(suggestions, remaining, n)
        for s in suggestions:
            self.pending[s.location_id] = s
            if s.model_state:
                self.warm_start = s.model_state
        self.last_decision_s = elapsed
        self.last_decision_cpu_s = cpu
        return [self._to_user_units(s) for s in suggestions]

    def context(self) -> SuggestContext:
        """What the strategy gets besides candidates, observations, n and rng."""
        pending = (
            self.library.subset(self.library.index_of(list(self.pending))) if self.pending else None
        )
        return SuggestContext(
            seed=self.strategy_seed,
            step=self.step,
            pending=pending,
            warm_start=self.warm_start,
            budget=self.budget,
            last_xy_mm=self.last_xy_mm,
            arrays=MappingProxyType(self.arrays),
            votes=MappingProxyType(self.votes),
            prepared=self.prepared,
        )

    def explain(self, model_state: Mapping[str, Any]) -> Explanation | None:
        """The strategy's posterior/acquisition over the whole library for the decision the
        campaign is about to make, given the model state logged with it (see
        explorer.strategies.explain). Internal units; None for model-free strategies."""
        return explain(self.strategy, self.library, self.observations, model_state, self.context())

    def _check(self, suggestions: Sequence[Suggestion], remaining: CandidateSet, n: int) -> None:
        ids = [s.location_id for s in suggestions]
        if not ids:
            raise StrategyError(f"strategy {self.strategy.name!r} returned no suggestion")
        if len(ids) > n or len(set(ids)) != len(ids):
            raise StrategyError(f"strategy {self.strategy.name!r} returned duplicates or > {n}")
        bad = [i for i in ids if not remaining.contains(i)]
        if bad:
            raise StrategyError(
                f"strategy {self.strategy.name!r} suggested measured/pending/unknown ids {bad}"
            )

    def _to_user_units(self, s: Suggestion) -> Suggestion:
        """Strategies think 'larger is better'; logs and users see the objectives' own sign."""
        signs = {o.name: o.sign for o in self.objectives}
        mean = {k: signs.get(k, 1.0) * v for k, v in s.mean.items()}
        return Suggestion(
            s.location_id, s.strategy, s.acquisition, mean, dict(s.std), s.info, s.model_state
        )

    def propose(self, location_id: int, origin: str) -> Suggestion:
        """Mark a user-chosen location (initial point, queue entry) pending, bypassing the
        strategy. Raises StrategyError if it is unknown, measured or already pending."""
        if not self.library.contains(location_id):
            raise StrategyError(f"location {location_id} is not in the library")
        if location_id in self.pending or np.any(self.observations.ids == location_id):
            raise StrategyError(f"location {location_id} is already measured or pending")
        s = Suggestion(location_id, origin)
        self.pending[location_id] = s
        return s

    def tell(self, suggestion: Suggestion, measurement: Measurement) -> dict[str, float]:
        """Reduce a measurement to objective and outcome values (user units), record them and
        return them (objectives first, then outcomes, by name)."""
        values = evaluate(self.objectives + self.outcomes, measurement)
        xy_mm = (measurement.x_mm, measurement.y_mm)
        self.record(suggestion.location_id, values, xy_mm, measurement.arrays)
        return values

    @property
    def required_arrays(self) -> tuple[str, ...]:
        """Raw array keys the strategy needs (kept in memory, reloaded on resume)."""
        return required_arrays(self.strategy)

    def record(
        self,
        location_id: int,
        values: Mapping[str, float | None],
        xy_mm: tuple[float, float],
        arrays: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Add one measured location with its objective (and outcome) values in user units
        (None/NaN or a missing name marks an unusable value) and, of its raw arrays, those the
        strategy requires."""
        y = np.array(
            [
                o.to_internal(float(v)) if (v := values.get(o.name)) is not None else np.nan
                for o in self.objectives
            ]
        )
        extra = np.array(
            [float(v) if (v := values.get(o.name)) is not None else np.nan for o in self.outcomes]
        )
        row = int(self.library.index_of([location_id])[0])
        self.observations = self.observations.append(
            location_id, self.library.features[row], y, xy_mm, extra
        )
        self.pending.pop(location_id, None)
        self.last_xy_mm = xy_mm
        keep = {k: np.asarray(arrays[k]) for k in self.required_arrays if arrays and k in arrays}
        if keep:
            self.arrays[location_id] = keep

    def feasible(self) -> NDArray[np.bool_]:
        """(m,) True for measured locations that satisfy every outcome constraint."""
        cols = user_columns(self.observations, self.objectives)
        return feasible_mask(self.constraints, cols, len(self.observations))

    def cancel(self, location_id: int) -> None:
        """Forget a pending suggestion (e.g. the user removed it)."""
        self.pending.pop(location_id, None)
