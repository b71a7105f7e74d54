"""Median and interquartile range over runs: the one summary that every many-run table and
figure uses (`explorer compare` groups, `explorer bench efficiency`, the curiosity benchmark's
loss curves). Drawing it is `explorer.plots.band_figures.draw_median_bands`."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class MedianBand:
    """One line of a many-run figure.

    Attributes:
        label: what the runs have in common (a group, a strategy).
        step: x values, usually measurement numbers.
        median, q25, q75: over the runs with a value at that step.
        n_runs: how many runs had a value at each step (shorter runs drop out).
    """

    label: str
    step: IntArray
    median: FloatArray
    q25: FloatArray
    q75: FloatArray
    n_runs: IntArray

    @classmethod
    def of_runs(cls, runs: FloatArray, label: str = "", step: IntArray | None = None) -> MedianBand:
        """runs: (n_runs, n_steps), NaN where a run has no value (it was shorter); every step
        needs at least one value. `step` defaults to 1..n_steps."""
        runs = np.asarray(runs, dtype=float)
        if runs.size:
            q = np.nanpercentile(runs, [50, 25, 75], axis=0)
            n = np.sum(~np.isnan(runs), axis=0).astype(np.int64)
        else:
            q, n = np.zeros((3, 0)), np.zeros(0, dtype=np.int64)
        x = np.arange(1, q.shape[1] + 1) if step is None else np.asarray(step, dtype=np.int64)
        return cls(label, x, q[0], q[1], q[2], n)

    def relabel(self, label: str) -> MedianBand:
        return replace(self, label=label)

    def to_json(self) -> dict[str, list[float]]:
        return {"median": self.median.tolist(), "q25": self.q25.tolist(), "q75": self.q75.tolist()}
