"""Library geometry: candidate locations, composition maps, outlines and keep-out regions.

A `CandidateSet` is the finite set of stage positions a campaign may visit. Location ids are
stable: for a grid they are the row-major index in the *full* grid (before keep-outs and the
outline remove points), so the same physical spot keeps its id when a keep-out is added.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from explorer.errors import CandidateError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Finite set of library locations.

    Attributes:
        ids: (n,) stable integer location ids, unique.
        positions_mm: (n, 2) stage positions (x_mm, y_mm).
        features: (n, d) model inputs (composition fractions, or normalised positions).
        feature_names: d names, e.g. ("Sm",) or ("Al", "Sc", "B") or ("x_mm", "y_mm").
        feature_bounds: (d, 2) lower/upper bounds used to normalise features to the unit cube
            (taken from the full library so normalisation does not change as points are used).
    """

    ids: IntArray
    positions_mm: FloatArray
    features: FloatArray
    feature_names: tuple[str, ...]
    feature_bounds: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.positions_mm.shape != (n, 2):
            raise CandidateError(f"positions_mm must be ({n}, 2), got {self.positions_mm.shape}")
        if self.features.ndim != 2 or self.features.shape[0] != n:
            raise CandidateError(f"features must be ({n}, d), got {self.features.shape}")
        if self.features.shape[1] != len(self.feature_names):
            raise CandidateError(
                f"{self.features.shape[1]} feature columns but names {self.feature_names}"
            )
        if len(np.unique(self.ids)) != n:
            raise CandidateError("location ids must be unique")
        if self.feature_bounds.shape != (self.features.shape[1], 2):
            lo = self.features.min(axis=0) if n else np.zeros(self.features.shape[1])
            hi = self.features.max(axis=0) if n else np.ones(self.features.shape[1])
            object.__setattr__(self, "feature_bounds", np.stack([lo, hi], axis=1))
        for arr in (self.ids, self.positions_mm, self.features, self.feature_bounds):
            arr.setflags(write=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return self.features.shape[1]

    def index_of(self, location_ids: Sequence[int] | IntArray) -> IntArray:
        """Row indices of the given ids; raises CandidateError for unknown ids."""
        lookup = {int(i): k for k, i in enumerate(self.ids)}
        try:
            return np.array([lookup[int(i)] for i in location_ids], dtype=np.int64)
        except KeyError as exc:
            raise CandidateError(f"location id {exc.args[0]} is not in the library") from None

    def contains(self, location_id: int) -> bool:
        return bool(np.any(self.ids == location_id))

    def subset(self, rows: IntArray | NDArray[np.bool_]) -> CandidateSet:
        """The candidates at the given rows (keeps the library-wide feature bounds)."""
        return CandidateSet(
            self.ids[rows].copy(),
            self.positions_mm[rows].copy(),
            self.features[rows].copy(),
            self.feature_names,
            self.feature_bounds.copy(),
        )

    def without(self, location_ids: Collection[int]) -> CandidateSet:
        """All candidates except the given ids."""
        if not location_ids:
            return self
        mask = ~np.isin(self.ids, np.fromiter(location_ids, dtype=np.int64))
        return self.subset(mask)

    def unit_features(self, features: FloatArray | None = None) -> FloatArray:
        """Features scaled to [0, 1] with the library-wide bounds."""
        f = self.features if features is None else features
        lo, hi = self.feature_bounds[:, 0], self.feature_bounds[:, 1]
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        return np.asarray((f - lo) / span)

    def position_of(self, location_id: int) -> tuple[float, float]:
        row = int(self.index_of([location_id])[0])
        return float(self.positions_mm[row, 0]), float(self.positions_mm[row, 1])

    def nearest(self, x_mm: float, y_mm: float) -> int:
        """Id of the candidate closest to a stage position."""
        d = np.hypot(self.positions_mm[:, 0] - x_mm, self.positions_mm[:, 1] - y_mm)
        return int(self.ids[int(np.argmin(d))])


# ---- regions -------------------------------------------------------------------------------
class Region(Protocol):
    def contains(self, xy_mm: FloatArray) -> NDArray[np.bool_]: ...

    def outline_mm(self) -> FloatArray:
        """(m, 2) closed polygon of the region's boundary (first point repeated last)."""
        ...


@dataclass(frozen=True)
class Rect:
    x_mm: tuple[float, float]
    y_mm: tuple[float, float]

    def contains(self, xy_mm: FloatArray) -> NDArray[np.bool_]:
        x, y = xy_mm[:, 0], xy_mm[:, 1]
        return np.asarray(
            (x >= self.x_mm[0]) & (x <= self.x_mm[1]) & (y >= self.y_mm[0]) & (y <= self.y_mm[1])
        )

    def outline_mm(self) -> FloatArray:
        (x0, x1), (y0, y1) = self.x_mm, self.y_mm
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], float)


@dataclass(frozen=True)
class Circle:
    center_mm: tuple[float, float]
    radius_mm: float

    def contains(self, xy_mm: FloatArray) -> NDArray[np.bool_]:
        d = np.hypot(xy_mm[:, 0] - self.center_mm[0], xy_mm[:, 1] - self.center_mm[1])
        return np.asarray(d <= self.radius_mm)

    def outline_mm(self) -> FloatArray:
        t = np.linspace(0.0, 2.0 * np.pi, 129)
        (cx, cy), r = self.center_mm, float(self.radius_mm)
        return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


@dataclass(frozen=True)
class Polygon:
    vertices_mm: tuple[tuple[float, float], ...]

    def contains(self, xy_mm: FloatArray) -> NDArray[np.bool_]:
        """Even-odd ray casting, vectorised over points."""
        v = np.asarray(self.vertices_mm, float)
        x, y = xy_mm[:, 0][:, None], xy_mm[:, 1][:, None]
        x1, y1 = v[:, 0][None, :], v[:, 1][None, :]
        x2, y2 = np.roll(v[:, 0], -1)[None, :], np.roll(v[:, 1], -1)[None, :]
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        return np.asarray(np.sum(crosses & (x < x_at), axis=1) % 2 == 1)

    def outline_mm(self) -> FloatArray:
        v = np.asarray(self.vertices_mm, float)
        return np.vstack([v, v[:1]])


def inset_distance_ok(region: Region, xy_mm: FloatArray, margin_mm: float) -> NDArray[np.bool_]:
    """True where a point and its 8 neighbours at `margin_mm` all lie inside `region`."""
    ok = region.contains(xy_mm)
    if margin_mm <= 0:
        return ok
    for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        shifted = xy_mm + margin_mm * np.array([np.cos(ang), np.sin(ang)])
        ok &= region.contains(shifted)
    return ok


# ---- composition maps ----------------------------------------------------------------------
class CompositionMap(Protocol):
    @property
    def elements(self) -> tuple[str, ...]: ...

    def __call__(self, xy_mm: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class LinearGradient:
    """Binary spread: the dopant fraction varies linearly (or sigmoidally) along one axis.

    `features` are the dopant fraction only (a binary library has one free composition variable).
    """

    element: str
    axis: int  # 0 = x, 1 = y
    span_mm: tuple[float, float]
    fraction_range: tuple[float, float]
    profile: str = "linear"  # or "sigmoid" (deposition profiles are not exactly linear)
    sigmoid_steepness: float = 4.0

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.element,)

    def __call__(self, xy_mm: FloatArray) -> FloatArray:
        a, b = self.span_mm
        s = np.clip((xy_mm[:, self.axis] - a) / (b - a), 0.0, 1.0)
        if self.profile == "sigmoid":
            k = self.sigmoid_steepness
            g = 1.0 / (1.0 + np.exp(-k * (s - 0.5)))
            g0, g1 = 1.0 / (1.0 + np.exp(k / 2)), 1.0 / (1.0 + np.exp(-k / 2))
            s = (g - g0) / (g1 - g0)
        lo, hi = self.fraction_range
        return np.asarray((lo + (hi - lo) * s)[:, None])


@dataclass(frozen=True)
class TernaryTriangle:
    """Ternary spread over a triangle: composition = barycentric coordinates of the position.

    Corner k is the pure-element end member `elements[k]`; points outside the triangle have no
    defined composition and are removed from the library.
    """

    elements: tuple[str, str, str]
    corners_mm: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]

    def __call__(self, xy_mm: FloatArray) -> FloatArray:
        c = np.asarray(self.corners_mm, float)
        t = np.array([c[0] - c[2], c[1] - c[2]]).T
        lam = np.linalg.solve(t, (xy_mm - c[2]).T).T
        return np.asarray(np.column_stack([lam[:, 0], lam[:, 1], 1.0 - lam.sum(axis=1)]))

    def inside(self, xy_mm: FloatArray) -> NDArray[np.bool_]:
        return np.asarray(np.all(self(xy_mm) >= -1e-9, axis=1))


@dataclass(frozen=True)
class TernarySources:
    """Co-deposition from three sources (e.g. a wafer under three sputter guns).

    The local flux of source k falls off as exp(−d_k/decay_mm); fractions are the normalised
    fluxes (barycentric weights of the distances to the sources).
    """

    elements: tuple[str, str, str]
    sources_mm: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    decay_mm: float

    def __call__(self, xy_mm: FloatArray) -> FloatArray:
        s = np.asarray(self.sources_mm, float)
        d = np.linalg.norm(xy_mm[:, None, :] - s[None, :, :], axis=2)
        w = np.exp(-d / self.decay_mm)
        return np.asarray(w / w.sum(axis=1, keepdims=True))


def grid_positions(
    x_mm: tuple[float, float], y_mm: tuple[float, float], shape: tuple[int, int]
) -> tuple[IntArray, FloatArray]:
    """Row-major ids and (x, y) of a rectangular nx × ny grid (shape = (nx, ny))."""
    nx, ny = shape
    xs = np.linspace(x_mm[0], x_mm[1], nx)
    ys = np.linspace(y_mm[0], y_mm[1], ny)
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx): id = iy * nx + ix
    pos = np.column_stack([gx.ravel(), gy.ravel()])
    return np.arange(nx * ny, dtype=np.int64), pos


def build_library(
    ids: IntArray,
    positions_mm: FloatArray,
    *,
    composition: CompositionMap | None,
    outline: Region | None = None,
    edge_margin_mm: float = 0.0,
    keep_outs: Sequence[Region] = (),
    feature_mode: str = "composition",
) -> CandidateSet:
    """Filter positions by outline/margin/keep-outs and attach features."""
    keep = np.ones(len(ids), dtype=bool)
    if outline is not None:
        keep &= inset_distance_ok(outline, positions_mm, edge_margin_mm)
    for region in keep_outs:
        keep &= ~region.contains(positions_mm)
    if isinstance(composition, TernaryTriangle):
        keep &= composition.inside(positions_mm)
    if not keep.any():
        raise CandidateError(
            "the library has no locations left after the outline, edge margin and keep-outs; "
            "check library.outline / keep_out / edge_margin_mm"
        )
    pos = positions_mm[keep]
    if composition is not None and feature_mode in ("composition", "both"):
        comp = composition(pos)
        names: tuple[str, ...] = tuple(composition.elements)
        feats = comp
        if feature_mode == "both":
            feats = np.column_stack([comp, pos])
            names = (*names, "x_mm", "y_mm")
    else:
        feats, names = pos.copy(), ("x_mm", "y_mm")
    if isinstance(composition, TernaryTriangle | TernarySources) and feature_mode == "composition":
        feats, names = feats[:, :2], names[:2]  # fractions sum to 1: two are free
    return CandidateSet(ids[keep].copy(), pos.copy(), np.asarray(feats, float), names)
