"""Ternary composition plots for ternary libraries: measured values (and optionally a model's
posterior mean, smooth on a barycentric lattice) in composition space, with the visit order;
colours on a robust range, clipped measurements drawn as triangles.

Compositions come from the library's composition map (rebuilt from the logged config) evaluated
at the measured stage positions. Projection: end member 0 at the bottom-left corner, 1 at the
bottom-right, 2 at the top; fractions are normalised to sum to 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.colour_range import robust_range
from explorer.analysis.ternary_figure_data import SQRT3_2, TernaryData, ternary_xy
from explorer.plots.maps import scatter_clipped, scatter_infeasible
from explorer.plots.style import HIGHLIGHT, NEUTRAL, VALUE_CMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


def draw_ternary_frame(elements: tuple[str, str, str], ax: Axes, ticks: int = 5) -> Axes:
    """Triangle, grid lines every 1/ticks, tick labels in at.%, and the end-member labels."""
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, SQRT3_2], [0.0, 0.0]])
    ax.plot(corners[:, 0], corners[:, 1], color="k", lw=0.8, zorder=5)
    for t in np.linspace(0, 1, ticks + 1)[1:-1]:
        for k in range(3):
            f0 = np.zeros(3)
            f1 = np.zeros(3)
            f0[k], f1[k] = t, t
            f0[(k + 1) % 3], f1[(k + 2) % 3] = 1 - t, 1 - t
            seg = ternary_xy(np.array([f0, f1]))
            ax.plot(seg[:, 0], seg[:, 1], color="0.3", lw=0.3, alpha=0.25, zorder=2)
            tip = ternary_xy(f0[None, :])[0]
            ax.annotate(
                f"{100 * t:.0f}",
                tip,
                fontsize=6,
                color="0.4",
                ha="center",
                va="center",
                xytext=[(-6, 4), (6, -6), (4, 4)][k],
                textcoords="offset points",
            )
    offsets = [(-0.03, -0.05, "right"), (1.03, -0.05, "left"), (0.5, SQRT3_2 + 0.04, "center")]
    for (x, y, ha), el in zip(offsets, elements, strict=True):
        ax.text(x, y, f"{el} (at.%)", ha=ha, va="center", fontsize=8, fontweight="bold")
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.1, SQRT3_2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_ternary_field(d: TernaryData, ax: Axes, norm: Any) -> bool:
    """The background field on its barycentric lattice, Gouraud-shaded (smooth), drawn only
    over the lattice triangles inside the library; False when there is none."""
    from matplotlib.tri import Triangulation  # noqa: PLC0415

    g = d.grid
    if d.background is None or g is None:
        return False
    xy = ternary_xy(g.fractions)
    bg = d.background
    tri = Triangulation(xy[:, 0], xy[:, 1], g.triangles)
    tri.set_mask(~np.all(np.isfinite(bg[g.triangles]), axis=1))
    ax.tripcolor(
        tri,
        np.where(np.isfinite(bg), bg, 0.0),
        cmap=VALUE_CMAP,
        norm=norm,
        shading="gouraud",
        antialiased=False,
        zorder=1,
        rasterized=True,
    )
    return True


def draw_ternary(d: TernaryData, ax: Axes) -> Axes:
    from matplotlib.colors import Normalize  # noqa: PLC0415

    draw_ternary_frame(d.elements, ax)
    cand = ternary_xy(d.candidates) if len(d.candidates) else np.zeros((0, 2))
    ok = np.isfinite(d.values)
    r = d.colour if d.colour is not None else robust_range(d.values, pool=d.background)
    norm = Normalize(r.vmin, r.vmax)
    if not draw_ternary_field(d, ax, norm) and len(cand):
        ax.scatter(cand[:, 0], cand[:, 1], s=2, c=NEUTRAL, alpha=0.4, lw=0, zorder=1)
    pts = ternary_xy(d.measured) if len(d.measured) else np.zeros((0, 2))
    ax.plot(pts[:, 0], pts[:, 1], "-", color=NEUTRAL, lw=0.4, alpha=0.3, zorder=2)
    feas = np.ones_like(ok) if d.feasible is None else d.feasible
    bad = ok & ~feas
    ok &= feas
    inside = ok & ~(r.below | r.above)
    sc = ax.scatter(
        pts[inside, 0],
        pts[inside, 1],
        c=d.values[inside],
        cmap=VALUE_CMAP,
        norm=norm,
        s=24,
        edgecolors="k",
        linewidths=0.4,
        zorder=3,
    )
    if len(pts):
        scatter_clipped(ax, pts[:, 0], pts[:, 1], r, cmap=VALUE_CMAP, s=24, zorder=3)
    scatter_infeasible(ax, pts[bad, 0], pts[bad, 1], zorder=3)
    nan = ~np.isfinite(d.values)
    if nan.any():
        ax.scatter(
            pts[nan, 0],
            pts[nan, 1],
            marker="x",
            c="k",
            s=16,
            zorder=3,
            label=f"unusable ({int(nan.sum())})",
        )
    if d.best is not None:
        ax.scatter(
            pts[d.best, 0],
            pts[d.best, 1],
            marker="*",
            s=130,
            facecolors="none",
            edgecolors=HIGHLIGHT,
            lw=1.1,
            zorder=4,
            label="best (observed, feasible)",
        )
    ax.figure.colorbar(sc, ax=ax, label=d.label, shrink=0.75, pad=0.0, extend=r.extend)
    if r.below.any() or r.above.any() or bad.any() or nan.any():
        ax.legend(loc="upper right", fontsize=6.5, frameon=False)
    sub = f"dots: {len(pts)} measured" + (
        ", background: posterior mean" if d.background is not None else ""
    )
    ax.set_title(f"{d.objective.replace('_', ' ')} in composition space\n({sub})")
    return ax
