"""Figures of the curiosity benchmark: the paper's loss histogram and loss-vs-measurement curves.

`draw_*` render the plain data of explorer.bench.curiosity_figure_data on an Axes;
`save_curiosity_plots` writes the PNGs next to the JSON results.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.analysis.bands import MedianBand
from explorer.analysis.histograms import HistogramData
from explorer.plots.band_figures import draw_median_bands
from explorer.plots.style import RC

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def draw_histogram(d: HistogramData, ax: Axes) -> Axes:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    labels = {"curiosity": "Curiosity", "random": "Random"}
    for name, v in d.values.items():
        ax.hist(v, bins=d.edges.tolist(), alpha=0.5, label=f"{labels.get(name, name)} (n={len(v)})")
    for k, (name, (mean, _std)) in enumerate(d.paper.items()):
        ax.axvline(mean, color=f"C{k}", ls="--", lw=1, label=f"paper {name} mean {mean:.2f}")
    ax.set_xlim(d.edges[0], d.edges[-1])
    ax.set_xlabel(
        "im2spec loss (min over steps of Σ per-pixel MSE)"
        if d.metric == "loss"
        else "mean of the 10 largest per-pixel MSEs (min over steps)"
    )
    ax.set_ylabel("trials")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Im2spec loss" if d.metric == "loss" else "Mean of max. im2spec MSE")
    ax.legend(loc="best", frameon=False)
    return ax


def draw_curves(d: list[MedianBand], ax: Axes) -> Axes:
    draw_median_bands(ax, d)
    ax.set_xlabel("measurements after the start point")
    ax.set_ylabel("Σ per-pixel MSE over the grid")
    ax.set_title("surrogate loss during exploration (median, IQR shaded)")
    ax.legend(loc="best", frameon=False)
    return ax


def save_curiosity_plots(
    loss: HistogramData,
    max_loss: HistogramData,
    curves: Sequence[MedianBand],
    out_dir: Path,
    fmt: str = "png",
) -> list[Path]:
    """Write the loss and max-loss histograms and the loss curves; returns the paths."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figures = {
        "curiosity_loss_hist": lambda ax: draw_histogram(loss, ax),
        "curiosity_max_loss_hist": lambda ax: draw_histogram(max_loss, ax),
        "curiosity_loss_curves": lambda ax: draw_curves(list(curves), ax),
    }
    paths = []
    with plt.rc_context(RC):  # type: ignore[arg-type]
        for name, draw in figures.items():
            fig, ax = plt.subplots(figsize=(5.5, 3.6))
            draw(ax)
            path = out_dir / f"{name}.{fmt}"
            fig.savefig(path)
            plt.close(fig)
            paths.append(path)
    return paths
