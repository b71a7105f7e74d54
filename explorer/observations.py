"""Observations: the immutable table of measured locations and their objective values.

Y is stored in the *internal* convention, larger is better for every column (minimised
objectives are negated on the way in by `Objective.to_internal`). Rows whose objectives are not
finite (a failed fit, a NaN reading) stay in the table so the location is never measured again,
but `finite()` drops them before a model is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    ids: IntArray
    X: FloatArray
    Y: FloatArray
    objective_names: tuple[str, ...]
    positions_mm: FloatArray

    def __post_init__(self) -> None:
        m = len(self.ids)
        if (
            self.X.shape[0] != m
            or self.Y.shape != (m, len(self.objective_names))
            or self.positions_mm.shape != (m, 2)
        ):
            raise CandidateError(
                f"observation shapes disagree: ids {self.ids.shape}, X {self.X.shape}, "
                f"Y {self.Y.shape}, objectives {self.objective_names}"
            )
        for arr in (self.ids, self.X, self.Y, self.positions_mm):
            arr.setflags(write=False)

    @classmethod
    def empty(cls, dim: int, objective_names: tuple[str, ...]) -> Observations:
        return cls(
            np.zeros(0, dtype=np.int64),
            np.zeros((0, dim)),
            np.zeros((0, len(objective_names))),
            objective_names,
            np.zeros((0, 2)),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_objectives(self) -> int:
        return len(self.objective_names)

    def append(
        self, location_id: int, x: FloatArray, y: FloatArray, xy_mm: tuple[float, float]
    ) -> Observations:
        """A new table with one more row (the original is unchanged)."""
        if np.any(self.ids == location_id):
            raise CandidateError(f"location {location_id} is already measured; never re-measure")
        return Observations(
            np.append(self.ids, np.int64(location_id)),
            np.vstack([self.X, np.asarray(x, float).reshape(1, -1)]),
            np.vstack([self.Y, np.asarray(y, float).reshape(1, -1)]),
            self.objective_names,
            np.vstack([self.positions_mm, np.asarray(xy_mm, float).reshape(1, 2)]),
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
        )

    def best(self, column: int = 0) -> tuple[int, float] | None:
        """(location id, value) of the best finite value of one objective (internal sign)."""
        col = self.Y[:, column]
        ok = np.isfinite(col)
        if not ok.any():
            return None
        k = int(np.nanargmax(np.where(ok, col, -np.inf)))
        return int(self.ids[k]), float(col[k])
