"""Time budget: where the campaign's time went (stage move, approach, tune, settle, measure,
overhead from `measured.durations_s` on the instrument's clock, virtual for simulators; decide
from `suggested.decision_s`, the computer's wall clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.budget_figure_data import TimeBudgetData, duration_text
from explorer.plots.style import PALETTE, TIME_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


def _colour(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def draw_time_budget(d: TimeBudgetData, ax: Axes) -> Axes:
    """Horizontal bars: total hours per category, labelled with the share of the total."""
    y = np.arange(len(d.categories))[::-1]
    unit, scale = d.unit
    values = d.total_s / scale
    ax.barh(y, values, color=[_colour(k) for k in range(len(values))], height=0.65)
    for yy, v, f in zip(y, d.total_s, d.fraction, strict=True):
        ax.annotate(
            f"{duration_text(v)} ({100 * f:.1f} %)",
            (v / scale, yy),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(y, [TIME_LABELS.get(c, c) for c in d.categories])
    ax.set_xlabel(f"time ({unit})")
    ax.set_xlim(0, max(float(values.max()) * 1.4, 1e-3) if len(values) else 1.0)
    ax.set_title(
        f"time budget: {duration_text(float(d.total_s.sum()))}, "
        f"{len(d.per_measurement_s)} measurements"
    )
    return ax


def draw_time_cumulative(d: TimeBudgetData, ax: Axes) -> Axes:
    """Stacked cumulative hours per category against measurement number."""
    n = len(d.per_measurement_s)
    steps = np.arange(1, n + 1)
    unit, scale = d.unit
    cum = np.cumsum(d.per_measurement_s, axis=0).T / scale
    ax.stackplot(
        steps,
        cum,
        colors=[_colour(k) for k in range(len(d.categories))],
        labels=[TIME_LABELS.get(c, c) for c in d.categories],
        alpha=0.85,
        lw=0,
    )
    ax.set_xlabel("measurement number")
    ax.set_ylabel(f"cumulative time ({unit})")
    if n:
        ax.set_xlim(1, max(n, 2))
    ax.set_title("cumulative time")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6.5)
    return ax
