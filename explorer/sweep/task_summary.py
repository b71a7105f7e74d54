"""One finished run directory -> one row of the results table and its best-so-far curves.

Read from the event log only (explorer.analysis.rundata), so a task run by any worker, a reused
run and a resumed run are summarised identically. When the instrument knows the noise-free truth
(the simulators' `expected_metrics`; never used for decisions), each curve also carries the best
noise-free value among the locations measured so far and the library's noise-free optimum, so
efficiency can be scored without the luck of measurement noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig
from explorer.engine.build import build_instrument, build_library

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Truth:
    """Noise-free objective values: at every library location and the optimum."""

    by_location: dict[int, float]
    optimum: float


@dataclass(frozen=True)
class TaskResult:
    """What a task sends back: one results row and its curve rows (plain JSON-able values)."""

    row: dict[str, Any]
    curves: list[dict[str, Any]] = field(default_factory=list)


def ground_truth(cfg: CampaignConfig) -> dict[str, Truth]:
    """Truth per objective name, for instruments that expose `expected_metrics(x_mm, y_mm)`."""
    instrument = build_instrument(cfg)
    try:
        expected: Callable[[float, float], dict[str, float]] | None = getattr(
            instrument, "expected_metrics", None
        )
        if expected is None:
            return {}
        library = build_library(cfg)
        table = [expected(float(x), float(y)) for x, y in library.positions_mm]
    finally:
        instrument.close()
    out = {}
    for o in cfg.objectives:
        if o.field != "off" or o.function is not None or o.metric not in table[0]:
            continue
        values = np.array([t[o.metric] for t in table])
        best = values.max() if o.direction == "maximize" else values.min()
        out[o.name] = Truth(
            dict(zip(library.ids.tolist(), values.tolist(), strict=True)), float(best)
        )
    return out


def _true_best_so_far(truth: Truth, ids: NDArray[np.int64], direction: str) -> FloatArray:
    sign = 1.0 if direction == "maximize" else -1.0
    values = np.array([sign * truth.by_location[int(i)] for i in ids])
    return sign * np.maximum.accumulate(values) if len(values) else values


def summarise(run: RunData, base: dict[str, Any], truth: dict[str, Truth]) -> TaskResult:
    """The results row (base columns + outcome + best per objective) and long-format curves."""
    stopped = run.stopped
    budget = run.time_budget_s()
    row = {
        **base,
        "status": stopped.status if stopped else "incomplete",
        "reason": stopped.reason if stopped else "no run_stopped event",
        "run_dir": str(run.run_dir),
        "n_measured": len(run.measured),
        "instrument_hours": float(run.instrument_hours[-1]) if len(run.measured) else 0.0,
        "decide_s": budget.get("decide", 0.0),
        "error": None,
    }
    curves = []
    for name in run.objective_names:
        best = run.best_so_far(name)
        values = run.values(name)
        t = truth.get(name)
        true_best = _true_best_so_far(t, run.location_ids, run.directions[name]) if t else None
        row[f"best_{name}"] = float(best[-1]) if len(best) else math.nan
        row[f"true_best_{name}"] = (
            float(true_best[-1]) if true_best is not None and len(best) else math.nan
        )
        row[f"true_optimum_{name}"] = t.optimum if t else math.nan
        for k in range(len(values)):
            curves.append(
                {
                    **base,
                    "objective": name,
                    "direction": run.directions[name],
                    "step": k + 1,
                    "value": float(values[k]),
                    "best_so_far": float(best[k]),
                    "true_best_so_far": float(true_best[k]) if true_best is not None else math.nan,
                    "true_optimum": t.optimum if t else math.nan,
                }
            )
    return TaskResult(row, curves)
