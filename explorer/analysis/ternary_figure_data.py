"""A ternary library's measured (or modelled) values in triangle coordinates, as plain data for
the ternary figure (no matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.geometry import library_geometry
from explorer.analysis.posterior import PlotUnavailableError, PosteriorMaps
from explorer.analysis.run_views import best_index, objective_label
from explorer.analysis.rundata import RunData

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


SQRT3_2 = float(np.sqrt(3.0) / 2.0)


def ternary_xy(fractions: FloatArray) -> FloatArray:
    """(n, 3) fractions -> (n, 2) Cartesian coordinates in the unit equilateral triangle."""
    f = np.asarray(fractions, float)
    f = f / np.where(f.sum(axis=1, keepdims=True) > 0, f.sum(axis=1, keepdims=True), 1.0)
    return np.column_stack([f[:, 1] + 0.5 * f[:, 2], SQRT3_2 * f[:, 2]])


@dataclass(frozen=True)
class TernaryData:
    """Measured values in composition space.

    Attributes:
        elements: the three end members.
        measured: (m, 3) composition of each measurement, visit order.
        values: (m,) objective values (user units, NaN = unusable).
        candidates: (n, 3) composition of every library location.
        background: optional (n,) field over the candidates (posterior mean) and its label.
    """

    objective: str
    label: str
    elements: tuple[str, str, str]
    measured: FloatArray
    values: FloatArray
    candidates: FloatArray
    best: int | None
    background: FloatArray | None = None
    background_label: str = ""


def ternary_data(
    run: RunData, objective: str | None = None, posterior: PosteriorMaps | None = None
) -> TernaryData:
    geom = library_geometry(run)
    if not geom.is_ternary or geom.composition_at is None:
        raise PlotUnavailableError("the library has no ternary composition map")
    name = objective or run.objective_names[0]
    values = run.values(name)
    measured = geom.composition_at(run.positions_mm) if len(values) else np.zeros((0, 3))
    bg = None
    if posterior is not None and posterior.objective == name:
        bg = posterior.mean
    a, b, c = geom.elements
    return TernaryData(
        name,
        objective_label(run, name),
        (a, b, c),
        np.asarray(measured, float),
        values,
        geom.fractions.copy(),
        best_index(values, run.directions[name]),
        bg,
        f"posterior mean of {objective_label(run, name)}" if bg is not None else "",
    )
