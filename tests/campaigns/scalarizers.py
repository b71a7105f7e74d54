"""User scalarizers (`objectives[].function`) used by the fault-matrix tests."""

from __future__ import annotations

import math

import numpy as np

from explorer.objectives import last_cycle
from hardware.pfm.loops import loop_metrics

MIN_R2 = 0.5


def gated_loop_height(arrays: dict[str, np.ndarray]) -> float:
    """Loop height of the remanent loop, NaN when the loop model explains < MIN_R2 of the
    variance (a dead spot: the analysis failed, not the instrument)."""
    bias = np.asarray(arrays["bias_v"], float)
    sl = last_cycle(bias)
    m = loop_metrics(bias[sl], np.asarray(arrays["pr_off"], float)[sl])
    return m.loop_height if m.fit_r2 >= MIN_R2 else math.nan


def broken(arrays: dict[str, np.ndarray]) -> float:
    """A scalarizer with a bug."""
    return float(arrays["no_such_quantity"].max())
