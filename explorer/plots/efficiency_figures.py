"""Sample-efficiency curves: median and inter-quartile band over seeds, one line per strategy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.bands import MedianBand
from explorer.analysis.strategy_curves import StrategyCurves
from explorer.plots.band_figures import draw_median_bands
from explorer.plots.style import RC

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EfficiencyData:
    dataset: str
    ylabel: str
    lines: tuple[MedianBand, ...]
    log_y: bool


def efficiency_data(
    summary: list[StrategyCurves], dataset: str, measure: str = "best"
) -> EfficiencyData:
    """Lines of one library; measure "best" (best-so-far measured) or "true_gap"."""
    lines = []
    objective = ""
    for s in summary:
        band = s.best if measure == "best" else s.true_gap
        if s.dataset != dataset or band is None or not len(band.median):
            continue
        objective = s.objective
        lines.append(band.relabel(s.strategy))
    ylabel = (
        f"best {objective} so far" if measure == "best" else f"true gap to optimum ({objective})"
    )
    return EfficiencyData(dataset, ylabel, tuple(lines), measure == "true_gap")


def draw_efficiency(d: EfficiencyData, ax: Axes) -> Axes:
    draw_median_bands(ax, d.lines)
    if d.log_y:
        ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("measurements")
    ax.set_ylabel(d.ylabel)
    ax.set_title(f"{d.dataset}: median and IQR over seeds")
    ax.legend(loc="best", frameon=False)
    return ax


def save_efficiency_plots(summary: list[StrategyCurves], out_dir: str) -> list[str]:
    """One figure per library (best-so-far, and the true gap where the truth is known)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    paths = []
    with plt.rc_context(RC):  # type: ignore[arg-type]
        for dataset in dict.fromkeys(s.dataset for s in summary):
            truth = efficiency_data(summary, dataset, "true_gap")
            panels = 2 if truth.lines else 1
            fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.6), squeeze=False)
            draw_efficiency(efficiency_data(summary, dataset, "best"), axes[0, 0])
            if truth.lines:
                draw_efficiency(truth, axes[0, 1])
            path = f"{out_dir}/efficiency_{dataset}.png"
            fig.savefig(path)
            plt.close(fig)
            paths.append(path)
    return paths
