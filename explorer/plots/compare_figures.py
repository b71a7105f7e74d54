"""Comparison figure: per metric, the median (line) and interquartile range (band) of each
group's runs against the measurement number (data from explorer.analysis.run_compare)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.bands import MedianBand
from explorer.analysis.run_compare import Comparison
from explorer.plots.band_figures import draw_median_bands
from explorer.plots.style import DOUBLE_COLUMN_IN, PALETTE, figure, rc_context

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ComparePanel:
    """One metric (of one objective) for every group."""

    metric: str
    objective: str
    title: str
    ylabel: str
    bands: tuple[MedianBand, ...]


def _texts(c: Comparison, metric: str, objective: str) -> tuple[str, str]:
    if metric == "best_so_far":
        return f"best {objective.replace('_', ' ')} so far", c.labels.get(objective, objective)
    if metric == "hypervolume":
        how = "logged" if c.reference and c.reference.source == "logged" else "pooled-derived"
        return f"hypervolume ({how} reference)", "dominated hypervolume"
    if metric == "stage_travel":
        return "stage travel", "cumulative stage travel (mm)"
    return "distinct classes found", f"classes found ({objective})"


def compare_panels(c: Comparison) -> list[ComparePanel]:
    """Panels in a stable order: best-so-far per objective, hypervolume, classes found."""
    order = {"best_so_far": 0, "hypervolume": 1, "classes_found": 2, "stage_travel": 3}
    s = c.summary
    keys = sorted(
        {(m, o) for m, o in zip(s["metric"], s["objective"], strict=True)},
        key=lambda k: (order.get(k[0], 9), k[1]),
    )
    groups = sorted(set(s["group"]))
    panels = []
    for metric, objective in keys:
        sel = s[(s["metric"] == metric) & (s["objective"] == objective)]
        bands = []
        for g in groups:
            t = sel[sel["group"] == g].sort_values("step")
            if len(t):
                bands.append(
                    MedianBand(
                        g,
                        t["step"].to_numpy(),
                        t["median"].to_numpy(float),
                        t["q25"].to_numpy(float),
                        t["q75"].to_numpy(float),
                        t["n_runs"].to_numpy(),
                    )
                )
        title, ylabel = _texts(c, metric, objective)
        panels.append(ComparePanel(metric, objective, title, ylabel, tuple(bands)))
    return panels


def draw_compare_panel(p: ComparePanel, ax: Axes, colours: dict[str, str]) -> Axes:
    draw_median_bands(ax, p.bands, colours, stairs=True)
    ax.set_xlabel("measurement number")
    ax.set_ylabel(p.ylabel)
    ax.set_title(p.title)
    ax.legend(loc="best")
    return ax


def compare_figure(c: Comparison) -> Figure:
    panels = compare_panels(c)
    groups = sorted(set(c.summary["group"]))
    colours = {g: PALETTE[k % len(PALETTE)] for k, g in enumerate(groups)}
    cols = min(2, max(len(panels), 1))
    rows = max((len(panels) + cols - 1) // cols, 1)
    with rc_context():
        fig = figure(DOUBLE_COLUMN_IN if cols > 1 else DOUBLE_COLUMN_IN * 0.6, 2.7 * rows)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, p in zip(axes, panels, strict=False):
            draw_compare_panel(p, ax, colours)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        fig.suptitle(f"median and interquartile range over runs, grouped by {c.by}", fontsize=9)
    return fig
