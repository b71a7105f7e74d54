"""Histogram values as plain data: per-series values and counts over shared bin edges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


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
