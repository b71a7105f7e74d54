"""Figures of the curiosity benchmark: the paper's loss histogram and loss-vs-measurement curves.

`*_data` functions turn a BenchmarkResult into plain arrays (no matplotlib); `draw_*` render them
on an Axes; `save_curiosity_plots` writes the PNGs next to the JSON results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.bands import MedianBand
from explorer.plots.band_figures import draw_median_bands
from explorer.science.curiosity_bench import PAPER_LOSS, BenchmarkResult, paper_conditions

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FloatArray = NDArray[np.float64]
PAPER_BINS = (12.0, 15.0, 0.3)  # the paper's "Im2spec Loss" histogram: 12 to 15 by 0.3


@dataclass(frozen=True)
class HistogramData:
    """Per-strategy values of one metric and shared bin edges."""

    metric: str
    edges: FloatArray
    values: dict[str, FloatArray]
    counts: dict[str, NDArray[np.int64]]
    paper: dict[str, tuple[float, float]]


def histogram_edges(values: FloatArray, lo: float, hi: float, width: float) -> FloatArray:
    """Edges lo, lo + width, ..., hi, extended by whole bins to cover every value."""
    lo = min(lo, lo - width * np.ceil((lo - float(values.min())) / width)) if len(values) else lo
    hi = max(hi, hi + width * np.ceil((float(values.max()) - hi) / width)) if len(values) else hi
    n = round((hi - lo) / width)
    return np.asarray(lo + width * np.arange(n + 1))


def histogram_data(result: BenchmarkResult, metric: str = "loss") -> HistogramData:
    """Values and counts per strategy; the loss uses the paper's bins (extended if needed)."""
    values: dict[str, FloatArray] = {
        s: result.values(s, metric) for s in result.settings.strategies
    }
    every = np.concatenate(list(values.values()))
    if metric == "loss":
        edges = histogram_edges(every, *PAPER_BINS)
    else:
        edges = np.histogram_bin_edges(every, bins=10)
    counts: dict[str, NDArray[np.int64]] = {
        s: np.histogram(v, bins=edges)[0] for s, v in values.items()
    }
    shown = metric == "loss" and paper_conditions(result.settings)
    paper = dict(PAPER_LOSS) if shown else {}
    return HistogramData(metric, edges, values, counts, paper)


def draw_histogram(d: HistogramData, ax: Axes) -> Axes:
    from matplotlib.ticker import MaxNLocator

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


def curve_data(result: BenchmarkResult) -> list[MedianBand]:
    """Summed per-pixel MSE after each post-initial measurement (the initial-fit evaluations
    are dropped): median and quartiles over trials, one band per strategy."""
    bands = []
    for s in result.settings.strategies:
        rows = [r for r in result.results if r.strategy == s]
        k = min(len(r.loss_curve) - r.n_initial_evaluations for r in rows)
        curves = np.array([r.loss_curve[r.n_initial_evaluations :][:k] for r in rows])
        first = rows[0].steps[0].t if rows[0].steps else 0
        bands.append(MedianBand.of_runs(curves, s, np.arange(first + 1, first + 1 + k)))
    return bands


def draw_curves(d: list[MedianBand], ax: Axes) -> Axes:
    draw_median_bands(ax, d)
    ax.set_xlabel("measurements after the start point")
    ax.set_ylabel("Σ per-pixel MSE over the grid")
    ax.set_title("surrogate loss during exploration (median, IQR shaded)")
    ax.legend(loc="best", frameon=False)
    return ax


def save_curiosity_plots(result: BenchmarkResult, out_dir: Path, fmt: str = "png") -> list[Path]:
    """Write the loss and max-loss histograms and the loss curves; returns the paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from explorer.plots.style import RC

    figures = {
        "curiosity_loss_hist": lambda ax: draw_histogram(histogram_data(result, "loss"), ax),
        "curiosity_max_loss_hist": lambda ax: draw_histogram(
            histogram_data(result, "max_loss"), ax
        ),
        "curiosity_loss_curves": lambda ax: draw_curves(curve_data(result), ax),
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
