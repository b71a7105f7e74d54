"""The curiosity benchmark's results as the data its figures draw: the loss histograms (with
the paper's bins and means when the paper's conditions hold) and loss-vs-measurement bands."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.bands import MedianBand
from explorer.analysis.histograms import FloatArray, HistogramData, histogram_edges
from explorer.bench.curiosity_benchmark import PAPER_LOSS, BenchmarkResult, paper_conditions

PAPER_BINS = (12.0, 15.0, 0.3)  # the paper's "Im2spec Loss" histogram: 12 to 15 by 0.3


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
