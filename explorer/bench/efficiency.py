"""Sample efficiency: whole campaigns of several strategies on the same libraries and seeds,
summarised as median and inter-quartile range over seeds of best-so-far vs measurements.

The campaigns are a sweep (explorer.sweep): libraries are its datasets, strategies its
overrides, so they run on Dask like any sweep, write ordinary run directories, and a rerun
reuses finished campaigns. Every model-based strategy starts from the same 5-point Sobol design
(same seed -> same design), so the curves differ only by what the models choose afterwards.

Libraries are pluggable: `LIBRARIES` holds the built-in ones (partial campaigns: library,
instrument, objectives); any partial-campaign YAML (e.g. a replay dataset once `kind: replay`
exists) can be added with `explorer bench efficiency --library-file FILE`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.bands import MedianBand
from explorer.analysis.strategy_curves import StrategyCurves
from explorer.sweep.spec import SweepPlan, plan_sweep

FloatArray = NDArray[np.float64]
Partial = dict[str, Any]

_SMBFO: Partial = {
    "library": {
        "kind": "grid",
        "x_mm": [0.0, 8.0],
        "y_mm": [0.0, 2.0],
        "shape": [41, 5],
        "composition": {"kind": "linear", "element": "Sm", "axis": "x", "range": [0.0, 0.2]},
    },
    "instrument": {"kind": "sim", "sample": "smbfo", "noise": "realistic"},
    "objectives": [{"name": "loop_height", "from": "sspfm", "metric": "loop_height"}],
}
LIBRARIES: dict[str, Partial] = {
    "smbfo-sim": _SMBFO,
    "smbfo-sim-low-noise": {**_SMBFO, "instrument": {"kind": "sim", "noise": "low"}},
}


def _after_sobol(then: Partial) -> Partial:
    return {"strategy": {"kind": "two_phase", "initial": {"kind": "sobol", "n": 5}, "then": then}}


STRATEGIES: dict[str, Partial] = {
    "gp_bo": _after_sobol({"kind": "gp_bo", "acquisition": "log_ei"}),
    "gp_bo_ucb": _after_sobol({"kind": "gp_bo", "acquisition": "ucb", "beta": 4.0}),
    "botorch": _after_sobol({"kind": "botorch"}),
    "skopt": _after_sobol({"kind": "skopt", "acq_func": "EI"}),
    "random": {"strategy": {"kind": "random"}},
}
DEFAULT_STRATEGIES = ("gp_bo", "botorch", "skopt", "random")


def efficiency_plan(
    libraries: Mapping[str, Partial],
    strategies: Sequence[str],
    seeds: Sequence[int],
    max_points: int,
    out_dir: Path,
    name: str = "efficiency",
) -> SweepPlan:
    """The sweep of strategies x libraries x seeds (validated like any sweep)."""
    base = {"schema_version": 1, "name": name, "seed": 0, "strategy": {"kind": "random"}}
    sweep = {
        "schema_version": 1,
        "name": name,
        "base": base,
        "overrides": {s: copy.deepcopy(STRATEGIES[s]) for s in strategies},
        "datasets": {k: copy.deepcopy(v) for k, v in libraries.items()},
        "seeds": list(seeds),
        "max_points": max_points,
        "output": {"dir": str(out_dir)},
    }
    return plan_sweep(sweep, source=f"bench efficiency ({name})")


def summarise(results: Any, curves: Any) -> list[StrategyCurves]:
    """pandas results + curves tables (explorer.sweep) -> curves per (dataset, strategy)."""
    out = []
    ok = set(results.loc[results.status == "success", "task"])
    for (dataset, strategy), group in curves.groupby(["dataset", "override"], sort=False):
        group = group[group.task.isin(ok)]
        objective = str(group.objective.iloc[0]) if len(group) else ""
        group = group[group.objective == objective]
        direction = str(group.direction.iloc[0]) if len(group) else "maximize"
        best = group.pivot(index="task", columns="step", values="best_so_far").to_numpy(float)
        gap = _true_gap(group, direction)
        mine = results[(results.dataset == dataset) & (results.override == strategy)]
        failed = int((mine.status != "success").sum())
        out.append(
            StrategyCurves(
                str(dataset),
                str(strategy),
                objective,
                direction,
                MedianBand.of_runs(best, str(strategy)),
                gap,
                len(mine) - failed,
                failed,
            )
        )
    return out


def _true_gap(group: Any, direction: str) -> MedianBand | None:
    if group.true_optimum.isna().all():
        return None
    sign = 1.0 if direction == "maximize" else -1.0
    gap = sign * (group.true_optimum - group.true_best_so_far) / group.true_optimum.abs()
    table = group.assign(gap=gap).pivot(index="task", columns="step", values="gap")
    return MedianBand.of_runs(table.to_numpy(float), str(group.override.iloc[0]))


def to_json(summary: list[StrategyCurves]) -> list[dict[str, Any]]:
    def band(b: MedianBand | None) -> dict[str, list[float]] | None:
        return None if b is None else b.to_json()

    return [
        {
            "dataset": s.dataset,
            "strategy": s.strategy,
            "objective": s.objective,
            "direction": s.direction,
            "n_runs": s.n_runs,
            "n_failed": s.n_failed,
            "best_so_far": band(s.best),
            "true_gap": band(s.true_gap),
        }
        for s in summary
    ]
