"""Library map: measured values at their stage positions over the library outline (keep-outs,
unvisited candidates, the best and the recommended locations), and the visit order beside it
(markers graded by measurement number, numbered, joined by a faint path). A gradient library
gets its composition scale on a second axis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.colour_range import ColourRange
from explorer.analysis.geometry import CompositionAxis, LibraryGeometry
from explorer.analysis.map_figure_data import LibraryMapData
from explorer.plots.style import HIGHLIGHT, NEUTRAL, STEP_CMAP, VALUE_CMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


def draw_outline(geometry: LibraryGeometry, ax: Axes, *, candidates: bool = True) -> Axes:
    """Library outline, keep-outs (hatched) and, optionally, every candidate as a faint dot."""
    from matplotlib.patches import Polygon  # noqa: PLC0415

    o = geometry.outline_mm
    if len(o):
        ax.plot(o[:, 0], o[:, 1], color=NEUTRAL, lw=0.8, zorder=0)
    for k, poly in enumerate(geometry.keep_outs_mm):
        ax.add_patch(
            Polygon(
                poly,
                closed=True,
                fill=False,
                hatch="////",
                ec=NEUTRAL,
                lw=0.5,
                zorder=0,
                label="keep-out" if k == 0 else None,
            )
        )
    if candidates and len(geometry.positions_mm):
        p = geometry.positions_mm
        ax.scatter(p[:, 0], p[:, 1], s=2, c=NEUTRAL, alpha=0.35, lw=0, zorder=0)
    (x0, x1), (y0, y1) = geometry.extent_mm
    pad = 0.04 * max(x1 - x0, y1 - y0, 1e-9)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("stage x (mm)")
    ax.set_ylabel("stage y (mm)")
    return ax


def draw_composition_axis(c: CompositionAxis | None, ax: Axes) -> Axes:
    """A second scale on the gradient's stage axis in the dopant fraction (top or right)."""
    if c is None:
        return ax
    funcs: Any = (c.to_fraction, c.to_mm)
    if c.axis == 0:
        ax.secondary_xaxis("top", functions=funcs).set_xlabel(f"{c.element} fraction")
    else:
        ax.secondary_yaxis("right", functions=funcs).set_ylabel(f"{c.element} fraction")
    return ax


def scatter_infeasible(ax: Axes, x: FloatArray, y: FloatArray, *, zorder: int) -> None:
    """Measurements that failed a constraint or a fit: red crosses, counted in the legend
    (nothing drawn when there are none)."""
    if len(x):
        ax.scatter(
            x,
            y,
            marker="X",
            s=26,
            c="#b00020",
            lw=0.3,
            zorder=zorder,
            label=f"infeasible ({len(x)})",
        )


def scatter_clipped(
    ax: Axes, x: FloatArray, y: FloatArray, r: ColourRange, *, cmap: str, s: float, zorder: int
) -> None:
    """Points beyond the colour range: drawn in the end colour as triangles (up: above the
    range, down: below it) with a thick black edge, labelled for the legend."""
    from matplotlib import colormaps  # noqa: PLC0415

    cm = colormaps[cmap]
    for mask, marker, colour, where in (
        (r.above, "^", cm(1.0), "above"),
        (r.below, "v", cm(0.0), "below"),
    ):
        if mask.any():
            ax.scatter(
                x[mask],
                y[mask],
                marker=marker,
                s=1.6 * s,
                color=colour,
                edgecolors="k",
                linewidths=1.0,
                zorder=zorder,
                label=f"{where} colour range ({int(mask.sum())})",
            )


def draw_library_map(d: LibraryMapData, ax: Axes) -> Axes:
    """Measured values (robust colour range, clipped points as triangles), infeasible and
    unusable points, the best observed and the recommended locations."""
    from matplotlib.colors import Normalize  # noqa: PLC0415

    draw_outline(d.geometry, ax)
    ok = np.isfinite(d.values)
    feas = np.ones_like(ok) if d.feasible is None else d.feasible
    bad = ok & ~feas
    ok &= feas
    r = d.colour
    inside = ok & ~(r.below | r.above) if r is not None else ok
    norm = Normalize(r.vmin, r.vmax) if r is not None else None
    sc = ax.scatter(
        d.x_mm[inside],
        d.y_mm[inside],
        c=d.values[inside],
        cmap=VALUE_CMAP,
        norm=norm,
        s=22,
        edgecolors="k",
        linewidths=0.3,
        zorder=2,
    )
    if r is not None:
        scatter_clipped(ax, d.x_mm, d.y_mm, r, cmap=VALUE_CMAP, s=22, zorder=2)
    scatter_infeasible(ax, d.x_mm[bad], d.y_mm[bad], zorder=2)
    nan = ~np.isfinite(d.values)
    if nan.any():
        ax.scatter(
            d.x_mm[nan],
            d.y_mm[nan],
            marker="x",
            s=16,
            c="k",
            lw=0.8,
            zorder=2,
            label=f"unusable ({int(nan.sum())})",
        )
    if d.best is not None:
        ax.scatter(
            d.x_mm[d.best],
            d.y_mm[d.best],
            marker="*",
            s=110,
            facecolors="none",
            edgecolors=HIGHLIGHT,
            lw=1.1,
            zorder=3,
            label="best (observed, feasible)",
        )
    rec = d.recommended_xy_mm
    if rec is not None and len(rec):
        ax.scatter(
            rec[:, 0],
            rec[:, 1],
            marker="D",
            s=60,
            facecolors="none",
            edgecolors="k",
            lw=1.0,
            zorder=3,
            label=f"recommended (model, {len(rec)})",
        )
    if ok.any():
        ax.figure.colorbar(
            sc,
            ax=ax,
            label=d.label,
            shrink=0.9,
            pad=0.02,
            extend=r.extend if r is not None else "neither",
        )
    draw_composition_axis(d.geometry.composition_axis, ax)
    ax.set_title(f"measured {d.objective.replace('_', ' ')} ({len(d.x_mm)} locations)")
    return ax


#: a measurement number is not written closer than this fraction of the map's span to another
LABEL_GAP = 0.045


def _uncluttered(d: LibraryMapData) -> list[int]:
    """The labelled measurements, less those that would sit on top of a label already placed
    (the first and the last are placed first, so they are always written)."""
    (x0, x1), (y0, y1) = d.geometry.extent_mm
    span = max(x1 - x0, y1 - y0, 1e-9)
    order = sorted(d.labelled, key=lambda i: (i not in (d.labelled[0], d.labelled[-1]), i))
    placed: list[int] = []
    for i in order:
        if all(
            np.hypot(d.x_mm[i] - d.x_mm[j], d.y_mm[i] - d.y_mm[j]) >= LABEL_GAP * span
            for j in placed
        ):
            placed.append(i)
    return sorted(placed)


def draw_visit_order(d: LibraryMapData, ax: Axes, *, path: bool = True) -> Axes:
    """Where the run went, in order: markers graded by measurement number (colour bar), the
    numbers of the first, the last and every k-th measurement, and a faint path."""
    draw_outline(d.geometry, ax)
    numbers = d.numbers if d.numbers is not None else np.arange(1, len(d.x_mm) + 1)
    if path:
        ax.plot(
            d.x_mm, d.y_mm, "-", color=NEUTRAL, lw=0.5, alpha=0.35, zorder=1, label="visit path"
        )
    sc = ax.scatter(
        d.x_mm,
        d.y_mm,
        c=numbers,
        cmap=STEP_CMAP,
        vmin=1,
        vmax=max(len(numbers), 2),
        s=18,
        edgecolors="k",
        linewidths=0.25,
        zorder=2,
    )
    for i in _uncluttered(d):
        ax.annotate(
            str(int(numbers[i])),
            (d.x_mm[i], d.y_mm[i]),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=6.5,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.1", "fc": "w", "ec": "none", "alpha": 0.7},
        )
    if len(numbers):
        ax.figure.colorbar(sc, ax=ax, label="measurement number", shrink=0.9, pad=0.02)
    draw_composition_axis(d.geometry.composition_axis, ax)
    ax.set_title("visit order (1 = first measurement)")
    return ax
