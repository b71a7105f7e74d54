"""One objective's measured values at the visited library locations, with visit order, origins
and the best location, as plain data for the library map (no matplotlib).

Visit order is the measurement number (1 = first measured, as in every figure and table); the
map labels the first and the last measurement and every `label_every`-th one between, chosen so
that about ten labels are drawn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.colour_range import ColourRange, robust_range
from explorer.analysis.geometry import LibraryGeometry, library_geometry
from explorer.analysis.run_views import best_index, objective_label, origins
from explorer.analysis.rundata import RunData
from explorer.engine.recommendations import last_logged

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
        colour: the robust colour range of the feasible values (explorer.analysis.colour_range;
            its masks run over all m measurements, False where infeasible or unusable).
        numbers: (m,) measurement numbers 1..m.
        labelled: indices of the measurements whose number is written beside the marker.
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
    colour: ColourRange | None = None
    numbers: NDArray[np.int64] | None = None
    labelled: tuple[int, ...] = ()


#: about this many measurement numbers are written on a map
MAX_LABELS = 10


def labelled_measurements(m: int, max_labels: int = MAX_LABELS) -> tuple[int, ...]:
    """Indices of the measurements to number on a map: the first, the last, and every k-th
    (k a round 1, 2, 5 x 10^j) so that at most about `max_labels` are written."""
    if m == 0:
        return ()
    raw = max(m / max(max_labels, 1), 1.0)
    k = min(
        (b * 10**j for j in range(7) for b in (1, 2, 5) if b * 10**j >= raw),
        default=m,
    )
    marks = {0, m - 1, *range(k - 1, m, k)}
    return tuple(sorted(i for i in marks if i == m - 1 or i == 0 or m - 1 - i >= k / 2))


def library_map_data(run: RunData, objective: str | None = None) -> LibraryMapData:
    name = objective or run.objective_names[0]
    values = run.values(name)
    pos = run.positions_mm
    direction = run.directions[name]
    shown = np.where(run.feasible, values, np.nan)
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
        robust_range(shown),
        np.arange(1, len(values) + 1, dtype=np.int64),
        labelled_measurements(len(values)),
    )


def _recommended_xy_mm(run: RunData) -> FloatArray:
    rec = last_logged(run.log.events)
    points = rec.points if rec is not None else ()
    return np.array([[p.x_mm, p.y_mm] for p in points], dtype=float).reshape(-1, 2)
