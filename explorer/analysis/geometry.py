"""The library as figures need it: candidate locations, outline, keep-outs and composition.

Rebuilt from the `library` section of the config logged in `run_started` (the same pydantic
model and `build()` the run used), so it needs neither the instrument nor the strategy. When that
section cannot be rebuilt (a library kind this build does not know), the geometry falls back to
the measured positions and their bounding box, and `note` says why. Each region draws its own
outline (`explorer.library.Region.outline_mm`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from explorer.analysis.rundata import RunData
from explorer.config.library_config import LibraryConfig
from explorer.config.replay import DatasetLibrary
from explorer.errors import ExplorerError
from explorer.library import LinearGradient, Rect

FloatArray = NDArray[np.float64]
CompositionFn = Callable[[FloatArray], FloatArray]
_LIBRARY: TypeAdapter[Any] = TypeAdapter(LibraryConfig)


@dataclass(frozen=True)
class CompositionAxis:
    """A binary spread's composition along one stage axis, for a composition scale beside the
    stage scale: `fraction` of `element` at stage coordinate `mm` on `axis` (0 = x, 1 = y),
    sampled densely and monotone (linear or sigmoidal deposition profiles)."""

    element: str
    axis: int
    mm: FloatArray
    fraction: FloatArray

    def to_fraction(self, mm: FloatArray) -> FloatArray:
        return _interp_extended(mm, self.mm, self.fraction)

    def to_mm(self, fraction: FloatArray) -> FloatArray:
        f, x = (
            (self.fraction, self.mm)
            if self.fraction[-1] > self.fraction[0]
            else (
                self.fraction[::-1],
                self.mm[::-1],
            )
        )
        return _interp_extended(fraction, f, x)


def _interp_extended(x: FloatArray, xp: FloatArray, fp: FloatArray) -> FloatArray:
    """np.interp, continued linearly past both ends (a scale beside the stage axis must stay
    one-to-one over the plot's margins, where np.interp would clamp)."""
    x = np.asarray(x, float)
    out = np.interp(x, xp, fp)
    overall = (fp[-1] - fp[0]) / (xp[-1] - xp[0])

    def slope(i: int, j: int) -> float:
        dx = xp[j] - xp[i]
        s = (fp[j] - fp[i]) / dx if dx != 0 else 0.0
        return float(s) if s != 0 and np.isfinite(s) else float(overall)

    lo_slope, hi_slope = slope(0, 1), slope(-2, -1)
    out = np.where(x < xp[0], fp[0] + (x - xp[0]) * lo_slope, out)
    return np.asarray(np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * hi_slope, out))


def composition_axis(
    comp: object, extent_mm: tuple[tuple[float, float], ...]
) -> CompositionAxis | None:
    """The composition scale of a gradient along one stage axis (None for other maps)."""
    if not isinstance(comp, LinearGradient):
        return None
    lo, hi = extent_mm[comp.axis]
    mm = np.linspace(min(lo, comp.span_mm[0]), max(hi, comp.span_mm[1]), 201)
    xy = np.zeros((len(mm), 2))
    xy[:, comp.axis] = mm
    fraction = np.asarray(comp(xy), float)[:, 0]
    if fraction[-1] == fraction[0]:
        return None
    return CompositionAxis(comp.element, comp.axis, mm, fraction)


@dataclass(frozen=True)
class LibraryGeometry:
    """Everything about the library that a map or a ternary plot draws.

    Attributes:
        ids: (n,) candidate location ids.
        positions_mm: (n, 2) candidate stage positions.
        outline_mm: (m, 2) closed polygon of the library outline (stage mm).
        keep_outs_mm: polygons (k_i, 2) of regions never visited.
        elements: composition end members (() when the library has no composition map).
        fractions: (n, len(elements)) composition of every candidate (empty if no map); for a
            binary spread the single column is the dopant fraction.
        composition_at: stage positions (p, 2) -> fractions (p, len(elements)), or None.
        note: why the geometry is approximate ('' when rebuilt from the config).
        composition_axis: for a gradient along one stage axis, its composition scale.
    """

    ids: NDArray[np.int64]
    positions_mm: FloatArray
    outline_mm: FloatArray
    keep_outs_mm: tuple[FloatArray, ...] = ()
    elements: tuple[str, ...] = ()
    fractions: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    composition_at: CompositionFn | None = None
    note: str = ""
    composition_axis: CompositionAxis | None = None

    @property
    def is_ternary(self) -> bool:
        return len(self.elements) == 3 and self.fractions.shape[1] == 3

    @property
    def extent_mm(self) -> tuple[tuple[float, float], tuple[float, float]]:
        pts = np.vstack([self.outline_mm, self.positions_mm])
        return (float(pts[:, 0].min()), float(pts[:, 0].max())), (
            float(pts[:, 1].min()),
            float(pts[:, 1].max()),
        )


def _bounding_box(xy: FloatArray) -> FloatArray:
    if len(xy) == 0:
        return np.zeros((0, 2))
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    return Rect((float(x0), float(x1)), (float(y0), float(y1))).outline_mm()


def _fallback(run: RunData, why: str) -> LibraryGeometry:
    pos = run.positions_mm
    return LibraryGeometry(
        run.location_ids.copy(), pos.copy(), _bounding_box(pos), note=f"approximate: {why}"
    )


def library_geometry(run: RunData) -> LibraryGeometry:
    """Rebuild the library of a run from its logged config (see module docstring)."""
    section: dict[str, Any] = run.config.get("library") or {}
    try:
        lib_cfg: Any = _LIBRARY.validate_python(section)
        library = lib_cfg.build()
    except (ValidationError, ExplorerError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _fallback(run, f"the library section could not be rebuilt ({first})")
    if isinstance(lib_cfg, DatasetLibrary):
        return _dataset_geometry(library, section)
    comp = lib_cfg.composition.build(lib_cfg.x_mm, lib_cfg.y_mm) if lib_cfg.composition else None
    fractions = comp(library.positions_mm) if comp is not None else np.zeros((len(library), 0))
    outline = lib_cfg.drawn_outline().outline_mm()
    pts = np.vstack([outline, library.positions_mm])
    extent = (
        (float(pts[:, 0].min()), float(pts[:, 0].max())),
        (float(pts[:, 1].min()), float(pts[:, 1].max())),
    )
    return LibraryGeometry(
        library.ids.copy(),
        library.positions_mm.copy(),
        outline,
        tuple(r.build().outline_mm() for r in lib_cfg.keep_out),
        tuple(comp.elements) if comp is not None else (),
        np.asarray(fractions, float),
        comp,
        composition_axis=composition_axis(comp, extent),
    )


def _dataset_geometry(library: Any, section: dict[str, Any]) -> LibraryGeometry:
    """A recorded library (`kind: dataset`): its locations, their bounding box as the outline,
    and, when its own features are composition fractions (each in [0, 1], one dopant or rows
    summing to 1), those as the composition; a stage position's composition is that of the
    recorded location there (nearest; there is no map between recorded points)."""
    feats = np.asarray(library.features, float)
    is_fraction = (
        section.get("features", "dataset") == "dataset"
        and feats.size > 0
        and bool(np.all((feats >= 0) & (feats <= 1)))
        and (feats.shape[1] == 1 or bool(np.allclose(feats.sum(axis=1), 1.0, atol=1e-6)))
    )
    composition_at: CompositionFn | None = None
    if is_fraction:
        from scipy.spatial import cKDTree  # noqa: PLC0415

        tree = cKDTree(library.positions_mm)
        table = feats.copy()

        def composition_at(xy_mm: FloatArray) -> FloatArray:
            return table[tree.query(np.asarray(xy_mm, float).reshape(-1, 2))[1]]

    return LibraryGeometry(
        library.ids.copy(),
        library.positions_mm.copy(),
        _bounding_box(library.positions_mm),
        (),
        tuple(library.feature_names) if is_fraction else (),
        feats.copy() if is_fraction else np.zeros((len(library), 0)),
        composition_at,
    )


def grid_raster(
    positions_mm: FloatArray, values: FloatArray, *, max_cells: int = 4_000_000
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Values on a regular grid for pcolormesh, when the positions form one.

    Returns (x_edges (nx+1,), y_edges (ny+1,), grid (ny, nx) with NaN where there is no
    candidate), or None when the positions are not on a rectangular lattice.
    """
    if len(positions_mm) < 2:
        return None
    xs = np.unique(np.round(positions_mm[:, 0], 9))
    ys = np.unique(np.round(positions_mm[:, 1], 9))
    if len(xs) * len(ys) > max_cells or len(xs) < 2 or len(ys) < 1:
        return None
    if not (
        np.allclose(np.diff(xs), np.diff(xs)[0])
        and (len(ys) < 2 or np.allclose(np.diff(ys), np.diff(ys)[0]))
    ):
        return None
    ix = np.searchsorted(xs, np.round(positions_mm[:, 0], 9))
    iy = np.searchsorted(ys, np.round(positions_mm[:, 1], 9))
    grid = np.full((len(ys), len(xs)), np.nan)
    grid[iy, ix] = values
    return _edges(xs), _edges(ys), grid


def _edges(centres: FloatArray) -> FloatArray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = 0.5 * (centres[1:] + centres[:-1])
    first, last = centres[0] - (mid[0] - centres[0]), centres[-1] + (centres[-1] - mid[-1])
    return np.concatenate([[first], mid, [last]])
