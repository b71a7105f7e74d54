"""One objective per measurement in order, with best-so-far and the origin of every point, as
plain data for the trace figure (no matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.run_views import first_model_step, objective_label, origins
from explorer.analysis.rundata import RunData

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TraceData:
    """One objective over the run.

    Attributes:
        step: (m,) measurement numbers 1..m.
        values: (m,) objective values (user units, NaN = unusable).
        best: (m,) best feasible value so far (NaN until the first feasible value).
        origins: (m,) who chose each location.
        instrument_h: (m,) instrument clock after each measurement, hours.
        model_from: first measurement chosen by a model (None for model-free runs).
        arming_changes: (first measurement number on the new state, the new state) for every
            resume that changed the arming state (real and simulated data are told apart).
        feasible: (m,) False where the measurement failed a constraint or a fit.
    """

    objective: str
    label: str
    direction: str
    step: NDArray[np.int64]
    values: FloatArray
    best: FloatArray
    origins: tuple[str, ...]
    instrument_h: FloatArray
    model_from: int | None
    arming_changes: tuple[tuple[int, str], ...] = ()
    feasible: NDArray[np.bool_] | None = None


def trace_data(run: RunData, objective: str | None = None) -> TraceData:
    name = objective or run.objective_names[0]
    v = run.values(name)
    return TraceData(
        name,
        objective_label(run, name),
        run.directions[name],
        np.arange(1, len(v) + 1),
        v,
        run.best_so_far(name),
        tuple(origins(run)),
        run.instrument_hours.copy(),
        first_model_step(run),
        tuple((c.step + 1, c.current) for c in run.arming_changes),
        run.feasible.copy(),
    )
