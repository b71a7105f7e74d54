"""Paired statistics over seeds: median and IQR per strategy, the paired difference to a
baseline with a Wilcoxon signed-rank p-value, and whether a task separates strategies at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ALPHA = 0.05


@dataclass(frozen=True)
class Band:
    median: float
    q25: float
    q75: float


@dataclass(frozen=True)
class PairedDiff:
    """strategy - baseline over the same seeds: median difference, Wilcoxon p, seeds."""

    median_diff: float
    p_value: float
    n_pairs: int


def band(values: FloatArray) -> Band:
    v = np.asarray(values, float)
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return Band(float(med), float(q25), float(q75))


def paired_diff(a: FloatArray, b: FloatArray) -> PairedDiff:
    """a - b paired by seed; p = 1 when every pair ties (nothing to test)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    if len(d) == 0:
        return PairedDiff(float("nan"), float("nan"), 0)
    if np.all(d == 0):
        return PairedDiff(0.0, 1.0, len(d))
    from scipy.stats import wilcoxon  # noqa: PLC0415

    p = float(wilcoxon(a, b, zero_method="zsplit").pvalue)
    return PairedDiff(float(np.median(d)), p, len(d))


def separates(per_strategy: dict[str, FloatArray], alpha: float = ALPHA) -> bool:
    """Whether any pair of strategies differs at level alpha (paired Wilcoxon)."""
    names = list(per_strategy)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if paired_diff(per_strategy[a], per_strategy[b]).p_value < alpha:
                return True
    return False
