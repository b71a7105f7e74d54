"""Benchmark curves of one strategy on one library, as plain data (drawn by
explorer.plots.efficiency_figures, computed by explorer.bench.efficiency)."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.analysis.bands import MedianBand


@dataclass(frozen=True)
class StrategyCurves:
    """One strategy on one library.

    Attributes:
        best: best-so-far of the measured objective (user units).
        true_gap: (optimum − best noise-free value measured so far) / |optimum| (0 = found
            the optimum), or None when the instrument knows no truth.
        n_runs / n_failed: successful and failed campaigns.
    """

    dataset: str
    strategy: str
    objective: str
    direction: str
    best: MedianBand
    true_gap: MedianBand | None
    n_runs: int
    n_failed: int
