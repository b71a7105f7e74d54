"""Objective traces: every measured value in measurement order, the best so far, and where the
initial design gave way to the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.trace_figure_data import TraceData
from explorer.plots.style import NEUTRAL, PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]

ORIGIN_STYLE: dict[str, tuple[str, str]] = {  # origin -> (marker, colour)
    "initial": ("s", PALETTE[1]),
    "design": ("o", PALETTE[5]),
    "strategy": ("o", PALETTE[0]),
    "queue": ("D", PALETTE[4]),
    "unknown": ("o", NEUTRAL),
}


def draw_trace(d: TraceData, ax: Axes) -> Axes:
    if d.model_from is not None and d.model_from > 1:
        ax.axvspan(0.5, d.model_from - 0.5, color=NEUTRAL, alpha=0.12, lw=0)
        ax.text(
            0.5 * d.model_from,
            1.0,
            "initial design",
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
            color="0.35",
        )
    feas = np.ones(len(d.step), bool) if d.feasible is None else d.feasible
    for origin in dict.fromkeys(d.origins):
        sel = np.array([o == origin for o in d.origins]) & feas
        marker, colour = ORIGIN_STYLE.get(origin, ORIGIN_STYLE["unknown"])
        ax.plot(d.step[sel], d.values[sel], marker, ms=3.5, color=colour, alpha=0.8, label=origin)
    if (~feas).any():
        ax.plot(
            d.step[~feas],
            d.values[~feas],
            "X",
            ms=4.5,
            color="#b00020",
            alpha=0.9,
            label=f"infeasible ({int((~feas).sum())})",
        )
    ax.step(d.step, d.best, where="post", lw=1.4, color="k", label="best feasible so far")
    for first, state in d.arming_changes:
        ax.axvline(first - 0.5, color=PALETTE[3], lw=1.0, ls=":")
        ax.text(
            first - 0.5,
            0.02,
            f" from here: {state.replace('_', ' ')}",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            fontsize=7,
            color=PALETTE[3],
            va="bottom",
        )
    ax.set_xlabel("measurement number")
    ax.set_ylabel(d.label)
    arrow = "↑" if d.direction == "maximize" else "↓"
    ax.set_title(f"{d.objective.replace('_', ' ')} ({d.direction} {arrow})")
    if len(d.step):
        ax.set_xlim(0.5, d.step[-1] + 0.5)
    ax.legend(loc="best", ncols=2)
    return ax
