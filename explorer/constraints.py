"""Outcome constraints: bounds on a measured quantity (an objective or a recorded outcome).

A measured location is *feasible* when every constrained value is finite and within its bounds
(user units and sign). Infeasible locations never enter a Pareto front or its hypervolume; model
based strategies weight candidates by their probability of feasibility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from explorer.objectives import Objective
from explorer.observations import Observations

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class OutcomeConstraint:
    """min_value ≤ value(name) ≤ max_value in user units (either bound may be None)."""

    name: str
    min_value: float | None = None
    max_value: float | None = None

    def satisfied(self, values: FloatArray) -> BoolArray:
        v = np.asarray(values, float)
        ok = np.isfinite(v)
        if self.min_value is not None:
            ok &= v >= self.min_value
        if self.max_value is not None:
            ok &= v <= self.max_value
        return np.asarray(ok)

    def describe(self) -> str:
        lo = "" if self.min_value is None else f"{self.min_value:g} ≤ "
        hi = "" if self.max_value is None else f" ≤ {self.max_value:g}"
        return f"{lo}{self.name}{hi}"

    def internal_bounds(self, sign: float) -> tuple[float | None, float | None]:
        """The bounds on sign·value (the internal larger-is-better column of an objective)."""
        if sign > 0:
            return self.min_value, self.max_value
        lo = None if self.max_value is None else -self.max_value
        hi = None if self.min_value is None else -self.min_value
        return lo, hi


def user_columns(obs: Observations, objectives: Sequence[Objective]) -> dict[str, FloatArray]:
    """Every objective (user sign) and outcome column of the observations, by name."""
    cols = {o.name: o.sign * obs.Y[:, j] for j, o in enumerate(objectives)}
    cols.update({name: obs.outcomes[:, j] for j, name in enumerate(obs.outcome_names)})
    return cols


def feasible_mask(
    constraints: Sequence[OutcomeConstraint], columns: Mapping[str, FloatArray], n: int
) -> BoolArray:
    """(n,) True where every constraint holds; a missing column makes its rows infeasible."""
    ok = np.ones(n, dtype=bool)
    for c in constraints:
        ok &= c.satisfied(columns[c.name]) if c.name in columns else False
    return ok
