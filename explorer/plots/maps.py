"""Library map: measured values at their stage positions over the library outline, with the
visit order drawn as a path (and keep-outs, unvisited candidates, the best location)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.geometry import LibraryGeometry
from explorer.analysis.map_figure_data import LibraryMapData
from explorer.plots.style import HIGHLIGHT, NEUTRAL, VALUE_CMAP

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


def draw_library_map(d: LibraryMapData, ax: Axes) -> Axes:
    draw_outline(d.geometry, ax)
    ax.plot(d.x_mm, d.y_mm, "-", color=NEUTRAL, lw=0.6, alpha=0.8, zorder=1, label="visit path")
    ok = np.isfinite(d.values)
    feas = np.ones_like(ok) if d.feasible is None else d.feasible
    bad = ok & ~feas
    ok &= feas
    sc = ax.scatter(
        d.x_mm[ok],
        d.y_mm[ok],
        c=d.values[ok],
        cmap=VALUE_CMAP,
        s=22,
        edgecolors="k",
        linewidths=0.3,
        zorder=2,
    )
    if bad.any():
        ax.scatter(
            d.x_mm[bad],
            d.y_mm[bad],
            marker="X",
            s=26,
            c="#b00020",
            lw=0.3,
            zorder=2,
            label=f"infeasible ({int(bad.sum())})",
        )
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
    if len(d.x_mm):
        ax.annotate("1", (d.x_mm[0], d.y_mm[0]), xytext=(-6, 4), textcoords="offset points")
        ax.annotate(
            str(len(d.x_mm)), (d.x_mm[-1], d.y_mm[-1]), xytext=(4, 4), textcoords="offset points"
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
        ax.figure.colorbar(sc, ax=ax, label=d.label, shrink=0.9, pad=0.02)
    ax.set_title(f"measured {d.objective.replace('_', ' ')} ({len(d.x_mm)} locations)")
    ax.figure.legend(loc="outside lower center", ncols=4, fontsize=7)
    return ax
