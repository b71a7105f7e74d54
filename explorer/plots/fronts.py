"""Multi-objective runs: Pareto-front evolution and hypervolume against measurement number.

Both read only `measured` and `front_updated` events, whichever strategy produced them. With
more than two objectives the front plot shows the first two (a projection; the logged front is
the k-dimensional one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.front_figure_data import (
    HypervolumeData,
    ParetoData,
)
from explorer.analysis.metrics import (
    front_staircase,
)
from explorer.analysis.run_views import with_unit
from explorer.plots.style import HIGHLIGHT, NEUTRAL, STEP_CMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


def draw_pareto(d: ParetoData, ax: Axes) -> Axes:
    finite = np.all(np.isfinite(d.values), axis=1)
    feasible = d.feasible if d.feasible is not None else np.ones(len(d.values), dtype=bool)
    ok, bad = finite & feasible, finite & ~feasible
    sc = ax.scatter(
        d.values[ok, 0],
        d.values[ok, 1],
        c=d.step[ok],
        cmap=STEP_CMAP,
        vmin=1,
        vmax=max(len(d.step), 2),
        s=14,
        lw=0,
        zorder=2,
    )
    if bad.any():
        ax.scatter(
            d.values[bad, 0],
            d.values[bad, 1],
            s=14,
            facecolors="none",
            edgecolors=NEUTRAL,
            lw=0.8,
            zorder=2,
            label=f"infeasible ({', '.join(d.constraints)} violated)",
        )
    greys = np.linspace(0.8, 0.4, max(len(d.snapshots) - 1, 1))
    for snap, grey in zip(d.snapshots[:-1], greys, strict=False):
        xs, ys = front_staircase(snap.values, d.directions, d.ref)
        ax.plot(
            xs, ys, "-", color=str(grey), lw=0.9, zorder=1, label=f"front after {snap.n_measured}"
        )
    if d.final is not None:
        xs, ys = front_staircase(d.final.values, d.directions, d.ref)
        ax.plot(
            xs,
            ys,
            "-",
            color=HIGHLIGHT,
            lw=1.5,
            zorder=3,
            label=f"final front ({len(d.final.ids)})",
        )
        ax.scatter(
            d.final.values[:, 0],
            d.final.values[:, 1],
            s=40,
            facecolors="none",
            edgecolors=HIGHLIGHT,
            lw=1.1,
            zorder=4,
        )
    if d.ref is not None:
        ax.plot(*d.ref, "x", color="0.3", ms=5, label=f"reference ({d.ref_source})")
    ax.figure.colorbar(sc, ax=ax, label="measurement number", pad=0.02)
    better = {"maximize": "higher is better", "minimize": "lower is better"}
    ax.set_xlabel(f"{d.labels[0]}, {better[d.directions[0]]}")
    ax.set_ylabel(f"{d.labels[1]}, {better[d.directions[1]]}")
    title = "Pareto front evolution"
    if d.n_objectives > 2:
        title += f" (projection of {d.n_objectives} objectives)"
    ax.set_title(title)
    ax.legend(loc="best")
    return ax


def draw_hypervolume(d: HypervolumeData, ax: Axes) -> Axes:
    ax.step(d.n_measured, d.hypervolume, where="post", color="k", lw=1.4)
    ax.plot(d.n_measured, d.hypervolume, ".", color=NEUTRAL, ms=3)
    ax.set_xlabel("measurement number")
    ax.set_ylabel(with_unit("dominated hypervolume", d.unit))
    ref = ", ".join(f"{k.replace('_', ' ')} {v:.3g}" for k, v in d.ref.values.items())
    ax.set_title(f"hypervolume, reference ({d.ref.source}):\n{ref}", fontsize=8, wrap=True)
    if len(d.n_measured):
        ax.set_xlim(0.5, d.n_measured[-1] + 0.5)
    return ax
