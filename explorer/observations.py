"""Observations: the immutable table of measured locations and their objective values.

Y is stored in the *internal* convention, larger is better for every column (minimised
objectives are negated on the way in by `Objective.to_internal`). Rows whose objectives are not
finite (a failed fit, a NaN reading) stay in the table so the location is never measured again,
but `finite()` drops them before a model is fitted.

Outcomes are further measured quantities that are recorded (and may be modelled, e.g. for
outcome constraints) but not optimised; they are stored in user units, NaN where missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from explorer.errors import CandidateError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Observations:
    """(ids, X, Y) of everything measured so far.

    Attributes:
        ids: (m,) location ids in measurement order.
        X: (m, d) features of those locations.
        Y: (m, k) objective values, larger is better; NaN marks an unusable measurement.
        objective_names: k names in column order.
        positions_mm: (m, 2) stage positions of the measured locations.
        outcome_names: c names of recorded, non-optimised outcomes (may be empty).
        outcomes: (m, c) their values in user units, NaN where missing.
    """

    ids: IntArray
    X: FloatArray
    Y: FloatArray
    objective_names: tuple[str, ...]
    positions_mm: FloatArray
    outcome_names: tuple[str, ...] = ()
    outcomes: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    def __post_init__(self) -> None:
        m = len(self.ids)
        if self.outcomes.size == 0 and self.outcomes.shape != (m, len(self.outcome_names)):
            object.__setattr__(self, "outcomes", np.full((m, len(self.outcome_names)), np.nan))
        if (
            self.X.shape[0] != m
            or self.Y.shape != (m, len(self.objective_names))
            or self.positions_mm.shape != (m, 2)
            or self.outcomes.shape != (m, len(self.outcome_names))
        ):
            raise CandidateError(
                f"observation shapes disagree: ids {self.ids.shape}, X {self.X.shape}, "
                f"Y {self.Y.shape}, objectives {self.objective_names}, outcomes "
                f"{self.outcomes.shape} {self.outcome_names}"
            )
        for arr in (self.ids, self.X, self.Y, self.positions_mm, self.outcomes):
            arr.setflags(write=False)

    @classmethod
    def empty(
        cls, dim: int, objective_names: tuple[str, ...], outcome_names: tuple[str, ...] = ()
    ) -> Observations:
        return cls(
            np.zeros(0, dtype=np.int64),
            np.zeros((0, dim)),
            np.zeros((0, len(objective_names))),
            objective_names,
            np.zeros((0, 2)),
            outcome_names,
            np.zeros((0, len(outcome_names))),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_objectives(self) -> int:
        return len(self.objective_names)

    def append(
        self,
        location_id: int,
        x: FloatArray,
        y: FloatArray,
        xy_mm: tuple[float, float],
        outcomes: FloatArray | None = None,
    ) -> Observations:
        """A new table with one more row (the original is unchanged); outcomes default to NaN."""
        if np.any(self.ids == location_id):
            raise CandidateError(f"location {location_id} is already measured; never re-measure")
        c = len(self.outcome_names)
        o = np.full(c, np.nan) if outcomes is None else np.asarray(outcomes, float).reshape(c)
        return Observations(
            np.append(self.ids, np.int64(location_id)),
            np.vstack([self.X, np.asarray(x, float).reshape(1, -1)]),
            np.vstack([self.Y, np.asarray(y, float).reshape(1, -1)]),
            self.objective_names,
            np.vstack([self.positions_mm, np.asarray(xy_mm, float).reshape(1, 2)]),
            self.outcome_names,
            np.vstack([self.outcomes, o.reshape(1, c)]),
        )

    def finite(self) -> Observations:
        """Only the rows whose objectives are all finite (what models are fitted on)."""
        keep = np.all(np.isfinite(self.Y), axis=1)
        if keep.all():
            return self
        return Observations(
            self.ids[keep],
            self.X[keep],
            self.Y[keep],
            self.objective_names,
            self.positions_mm[keep],
            self.outcome_names,
            self.outcomes[keep],
        )

    def best(self, column: int = 0) -> tuple[int, float] | None:
        """(location id, value) of the best finite value of one objective (internal sign)."""
        col = self.Y[:, column]
        ok = np.isfinite(col)
        if not ok.any():
            return None
        k = int(np.nanargmax(np.where(ok, col, -np.inf)))
        return int(self.ids[k]), float(col[k])
