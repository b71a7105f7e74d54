"""A ternary library's measured (or modelled) values in triangle coordinates, as plain data for
the ternary figure (no matplotlib).

The model's posterior mean behind the points is evaluated on a fine regular barycentric grid
(`TernaryGrid`: every composition with fractions in steps of 1/GRID_DIVISIONS, and the
triangles of that lattice), not on the library's candidates, so it can be drawn smoothly. Only
grid points inside the region of composition space the library covers (the convex hull of its
candidates' compositions) are evaluated and drawn: the model knows nothing beyond it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.colour_range import ColourRange, robust_range
from explorer.analysis.geometry import LibraryGeometry, library_geometry
from explorer.analysis.posterior import PlotUnavailableError, PosteriorMaps
from explorer.analysis.run_views import best_index, objective_label
from explorer.analysis.rundata import RunData

FloatArray = NDArray[np.float64]


SQRT3_2 = float(np.sqrt(3.0) / 2.0)
#: the barycentric grid of a posterior background: fractions in steps of 1/GRID_DIVISIONS
GRID_DIVISIONS = 72


def ternary_xy(fractions: FloatArray) -> FloatArray:
    """(n, 3) fractions -> (n, 2) Cartesian coordinates in the unit equilateral triangle."""
    f = np.asarray(fractions, float)
    f = f / np.where(f.sum(axis=1, keepdims=True) > 0, f.sum(axis=1, keepdims=True), 1.0)
    return np.column_stack([f[:, 1] + 0.5 * f[:, 2], SQRT3_2 * f[:, 2]])


@dataclass(frozen=True)
class TernaryGrid:
    """A regular barycentric lattice over the triangle, for a smooth field.

    Attributes:
        fractions: (g, 3) compositions, i/n, j/n, k/n with i + j + k = n.
        triangles: (t, 3) vertex indices of the lattice's triangles.
        inside: (g,) True where the composition lies in the library's region.
        inputs: (g, d) the model inputs of every grid point (the feature columns of the
            library, which are composition fractions), or None when the model's inputs are not
            compositions (then no background is drawn).
    """

    fractions: FloatArray
    triangles: NDArray[np.int64]
    inside: NDArray[np.bool_]
    inputs: FloatArray | None


def barycentric_lattice(n: int = GRID_DIVISIONS) -> tuple[FloatArray, NDArray[np.int64]]:
    """((g, 3) fractions, (t, 3) triangles) of the regular lattice with n divisions a side."""
    index: dict[tuple[int, int], int] = {}
    pts: list[tuple[int, int, int]] = []
    for i in range(n + 1):  # i: steps of end member 2 (rows from the bottom edge)
        for j in range(n + 1 - i):  # j: steps of end member 1 along the row
            index[(i, j)] = len(pts)
            pts.append((n - i - j, j, i))
    tris: list[tuple[int, int, int]] = []
    for i in range(n):
        for j in range(n - i):
            tris.append((index[(i, j)], index[(i, j + 1)], index[(i + 1, j)]))
            if j + 1 <= n - i - 1:
                tris.append((index[(i, j + 1)], index[(i + 1, j + 1)], index[(i + 1, j)]))
    return np.asarray(pts, float) / n, np.asarray(tris, np.int64)


def _inside_hull(points_xy: FloatArray, hull_of_xy: FloatArray) -> NDArray[np.bool_]:
    from scipy.spatial import Delaunay  # noqa: PLC0415

    if len(hull_of_xy) < 3:
        return np.zeros(len(points_xy), bool)
    tri = Delaunay(hull_of_xy)
    pad = 1e-9
    return np.asarray(tri.find_simplex(points_xy, tol=pad) >= 0)


def ternary_grid(
    geometry: LibraryGeometry, feature_names: tuple[str, ...], n: int = GRID_DIVISIONS
) -> TernaryGrid:
    """The lattice, the part the library covers and the model inputs there (`feature_names`:
    the model's inputs, each an end member whose fraction it reads)."""
    fractions, triangles = barycentric_lattice(n)
    inside = _inside_hull(ternary_xy(fractions), ternary_xy(geometry.fractions))
    cols = [geometry.elements.index(f) if f in geometry.elements else -1 for f in feature_names]
    inputs = None if -1 in cols or not cols else fractions[:, cols].copy()
    return TernaryGrid(fractions, triangles, inside, inputs)


@dataclass(frozen=True)
class TernaryData:
    """Measured values in composition space.

    Attributes:
        elements: the three end members.
        measured: (m, 3) composition of each measurement, visit order.
        values: (m,) objective values (user units, NaN = unusable).
        candidates: (n, 3) composition of every library location.
        background: optional (g,) posterior mean on `grid` (NaN outside the library), and its
            label.
        grid: the barycentric lattice the background is given on (None without background).
        colour: robust colour range shared by the points and the background; its masks run
            over `values` (the clipped measurements).
        feasible: (m,) False where a measurement failed a constraint or a fit.
    """

    objective: str
    label: str
    elements: tuple[str, str, str]
    measured: FloatArray
    values: FloatArray
    candidates: FloatArray
    best: int | None  # the best feasible measurement (never one that failed a constraint)
    background: FloatArray | None = None
    background_label: str = ""
    grid: TernaryGrid | None = None
    colour: ColourRange | None = None
    feasible: NDArray[np.bool_] | None = None


def posterior_grid(run: RunData) -> TernaryGrid | None:
    """The lattice the ternary figures evaluate the model on, or None when the library is not
    ternary or the model's inputs are not its compositions."""
    geom = library_geometry(run)
    if not geom.is_ternary:
        return None
    grid = ternary_grid(geom, tuple(run.started.feature_names))
    return grid if grid.inputs is not None else None


def ternary_data(
    run: RunData,
    objective: str | None = None,
    posterior: PosteriorMaps | None = None,
    grid: TernaryGrid | None = None,
) -> TernaryData:
    """Measured values in composition space; with `posterior` evaluated on `grid` (its
    `grid_mean` at the grid points inside the library, in order), the background too."""
    geom = library_geometry(run)
    if not geom.is_ternary or geom.composition_at is None:
        raise PlotUnavailableError("the library has no ternary composition map")
    name = objective or run.objective_names[0]
    values = run.values(name)
    measured = geom.composition_at(run.positions_mm) if len(values) else np.zeros((0, 3))
    bg = None
    if (
        posterior is not None
        and grid is not None
        and posterior.objective == name
        and posterior.grid_mean is not None
        and len(posterior.grid_mean) == int(grid.inside.sum())
    ):
        bg = np.full(len(grid.fractions), np.nan)
        bg[grid.inside] = posterior.grid_mean
    a, b, c = geom.elements
    return TernaryData(
        name,
        objective_label(run, name),
        (a, b, c),
        np.asarray(measured, float),
        values,
        geom.fractions.copy(),
        best_index(run.feasible_values(name), run.directions[name]),
        bg,
        f"posterior mean of {objective_label(run, name)}" if bg is not None else "",
        grid if bg is not None else None,
        robust_range(run.feasible_values(name), pool=bg),
        run.feasible.copy(),
    )
