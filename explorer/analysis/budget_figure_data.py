"""Where a run's time went, per measurement: instrument time per category and the computer's
decision time, as plain data for the time-budget figures (no matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.run_views import suggestion_of_each_measurement
from explorer.analysis.rundata import RunData
from hardware.protocols import TIME_CATEGORIES

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TimeBudgetData:
    """Per-category time.

    Attributes:
        categories: category keys in display order (instrument categories, then 'decide').
        per_measurement_s: (m, c) seconds per measurement and category.
        total_s: (c,) totals.
    """

    categories: tuple[str, ...]
    per_measurement_s: FloatArray
    total_s: FloatArray

    @property
    def total_h(self) -> FloatArray:
        return self.total_s / 3600.0

    @property
    def unit(self) -> tuple[str, float]:
        """Display unit and its length in seconds: h, min or s, by the total time."""
        total = float(self.total_s.sum())
        if total >= 1800.0:
            return "h", 3600.0
        return ("min", 60.0) if total >= 120.0 else ("s", 1.0)

    @property
    def fraction(self) -> FloatArray:
        s = float(self.total_s.sum())
        return self.total_s / s if s > 0 else np.zeros_like(self.total_s)


def time_budget_data(run: RunData) -> TimeBudgetData:
    extra = sorted({k for m in run.measured for k in m.durations_s} - set(TIME_CATEGORIES))
    cats = (*TIME_CATEGORIES, *extra, "decide")
    rows = np.zeros((len(run.measured), len(cats)))
    for i, (m, s) in enumerate(zip(run.measured, suggestion_of_each_measurement(run), strict=True)):
        for j, c in enumerate(cats[:-1]):
            rows[i, j] = float(m.durations_s.get(c, 0.0))
        rows[i, -1] = s.decision_s if s is not None else 0.0
    keep = rows.sum(axis=0) > 0
    keep[-1] = True  # always show 'decide', even when it is ~0
    return TimeBudgetData(
        tuple(c for c, k in zip(cats, keep, strict=True) if k),
        rows[:, keep],
        rows.sum(axis=0)[keep],
    )


def duration_text(seconds: float) -> str:
    """'1.25 h', '12.0 min' or '3.4 s', whichever reads best."""
    if seconds < 0.1:
        return "< 0.1 s" if seconds > 0 else "0 s"
    if seconds >= 3600.0:
        return f"{seconds / 3600.0:.2f} h"
    if seconds >= 60.0:
        return f"{seconds / 60.0:.1f} min"
    return f"{seconds:.1f} s"
