"""One objective's measured values at the visited library locations, with visit order, origins
and the best location, as plain data for the library map (no matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.geometry import LibraryGeometry, library_geometry
from explorer.analysis.run_views import best_index, objective_label, origins
from explorer.analysis.rundata import RunData
from explorer.engine.recommendations import last_logged

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LibraryMapData:
    """Measured values in visit order.

    Attributes:
        objective, label, direction: which objective, its axis label (with unit), direction.
        geometry: library outline, keep-outs and candidate positions.
        x_mm, y_mm: (m,) measured stage positions in visit order.
        values: (m,) objective values (user units; NaN = unusable measurement).
        origins: (m,) 'initial' | 'design' | 'strategy' | 'queue' per measurement.
        best: index of the best feasible value, or None.
        feasible: (m,) False where the measurement failed a constraint or a fit.
        recommended_xy_mm: (r, 2) the model's latest logged recommendation (see
            explorer.models.recommend), empty when none was logged.
    """

    objective: str
    label: str
    direction: str
    geometry: LibraryGeometry
    x_mm: FloatArray
    y_mm: FloatArray
    values: FloatArray
    origins: tuple[str, ...]
    best: int | None
    feasible: NDArray[np.bool_] | None = None
    recommended_xy_mm: FloatArray | None = None


def library_map_data(run: RunData, objective: str | None = None) -> LibraryMapData:
    name = objective or run.objective_names[0]
    values = run.values(name)
    pos = run.positions_mm
    direction = run.directions[name]
    return LibraryMapData(
        name,
        objective_label(run, name),
        direction,
        library_geometry(run),
        pos[:, 0].copy(),
        pos[:, 1].copy(),
        values,
        tuple(origins(run)),
        best_index(run.feasible_values(name), direction),
        run.feasible.copy(),
        _recommended_xy_mm(run),
    )


def _recommended_xy_mm(run: RunData) -> FloatArray:
    rec = last_logged(run.log.events)
    points = rec.points if rec is not None else ()
    return np.array([[p.x_mm, p.y_mm] for p in points], dtype=float).reshape(-1, 2)
