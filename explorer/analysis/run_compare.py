"""Compare many runs: progress curves per run, and their median and interquartile range per
group (strategy by default), as pandas tables. No matplotlib (explorer.plots.compare_figures draws).

Curves, against the measurement number (1-based):

* `best_so_far` of each objective the runs share (user units and direction);
* `hypervolume` when the runs share >= 2 objectives: recomputed for every run from its measured
  values against ONE reference point, so runs are comparable. It is the logged reference point
  (the campaign's `ref_point:`; runs that logged none share it; runs that logged different ones
  are refused), or, when no run logged one, derived from the pooled values of all runs
  (`reference` says which; derived values are comparable only within this comparison);
* `classes_found` when runs log a class label scalar (`measured.scalars[classes_scalar]`), or,
  with `classes=NAME`, from the ground-truth label NAME of the dataset each (replayed) run read;
* `stage_travel`: cumulative straight-line stage travel in mm between measured locations (the
  cost SANE-style strategies trade against discovery).

A group's statistics at step i use the runs that reached step i (`n_runs`); shorter runs do
not pull the median down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from explorer.analysis.ground_truth import classes_found_from_dataset
from explorer.analysis.metrics import (
    CLASS_SCALAR,
    RefPoint,
    classes_found_curve,
    derived_ref_point,
    hypervolume_curve,
    logged_ref_point,
    objective_matrix,
    travel_distance_mm,
)
from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.engine.rundir import is_run_dir
from explorer.errors import InputFileError

CURVE_COLUMNS = ["run", "group", "seed", "metric", "objective", "step", "value"]
SUMMARY_COLUMNS = ["group", "metric", "objective", "step", "n_runs", "median", "q25", "q75"]


@dataclass(frozen=True)
class Comparison:
    """Curves of every run (long format) and their per-group summary.

    Attributes:
        curves: columns CURVE_COLUMNS (one row per run, metric, step); `run` is the run
            directory as given (run ids are only unique within one output directory).
        summary: columns SUMMARY_COLUMNS (median / quartiles over the runs of a group).
        by: what the runs were grouped by.
        reference: hypervolume reference point used (None if no hypervolume).
        skipped: paths that were not run directories (or had no measurements).
    """

    curves: pd.DataFrame
    summary: pd.DataFrame
    by: str
    reference: RefPoint | None
    skipped: tuple[str, ...]
    labels: dict[str, str]


def group_key(run: RunData, by: str) -> str:
    """Group label of a run: 'strategy' (label), 'name', 'seed', or a dotted config path."""
    if by == "strategy":
        return run.strategy_label
    if by == "name":
        return run.name
    if by == "seed":
        return str(run.started.seed)
    node: Any = run.config
    for part in by.split("."):
        if not isinstance(node, dict) or part not in node:
            raise InputFileError(
                f"--by {by!r}: run {run.run_dir.name} has no config key {part!r}; use strategy, "
                "name, seed or a dotted config path such as strategy.then.acquisition"
            )
        node = node[part]
    return str(node)


def load_runs(paths: Sequence[Path]) -> tuple[list[RunData], list[str]]:
    """Distinct run directories with measurements (symlinks such as runs/latest resolved)."""
    runs, skipped, seen = [], [], set()
    for p in paths:
        real = p.resolve()
        if real in seen:
            continue
        seen.add(real)
        if not is_run_dir(p):
            skipped.append(f"{p} (not a run directory)")
            continue
        run = RunData.load(p)
        if not run.measured:
            skipped.append(f"{p} (no measurements)")
            continue
        runs.append(run)
    if not runs:
        raise InputFileError("no run directory with measurements among the given paths")
    return runs, skipped


def _shared_objectives(runs: Sequence[RunData]) -> list[str]:
    names = [n for n in runs[0].objective_names if all(n in r.objective_names for r in runs)]
    for n in names:
        dirs = {r.directions[n] for r in runs}
        if len(dirs) > 1:
            raise InputFileError(
                f"objective {n!r} is maximised in some runs and minimised in others"
            )
    return names


def comparison_ref_point(runs: Sequence[RunData], names: Sequence[str]) -> RefPoint:
    """The one reference point all runs are scored against: the one they logged (runs that
    logged none share it), or, when no run logged one, a point derived from all their data.
    Runs that logged different points are refused, naming them."""
    logged = {str(r.run_dir): logged_ref_point(r) for r in runs}
    points = {
        run: {n: float(ref[n]) for n in names}
        for run, ref in logged.items()
        if ref is not None and set(names) <= set(ref)
    }
    distinct = {tuple(sorted(p.items())) for p in points.values()}
    if len(distinct) > 1:
        listed = "; ".join(f"{run}: {p}" for run, p in points.items())
        raise InputFileError(
            f"runs logged different hypervolume reference points ({listed}); compare runs of "
            "one campaign-level `ref_point:` or give them the same one"
        )
    if points:
        return RefPoint(next(iter(points.values())), "logged")
    pooled = np.vstack([objective_matrix(r, names) for r in runs])
    return derived_ref_point(pooled, names, [runs[0].directions[n] for n in names])


def _rows(
    run: RunData, group: str, metric: str, objective: str, values: np.ndarray
) -> list[dict[str, Any]]:
    return [
        {
            "run": str(run.run_dir),
            "group": group,
            "seed": run.started.seed,
            "metric": metric,
            "objective": objective,
            "step": i + 1,
            "value": float(v),
        }
        for i, v in enumerate(values)
        if np.isfinite(v)
    ]


def compare_runs(
    paths: Sequence[Path],
    *,
    by: str = "strategy",
    classes_scalar: str = CLASS_SCALAR,
    classes: str | None = None,
) -> Comparison:
    """Curves and group statistics of the runs at `paths` (see module docstring)."""
    runs, skipped = load_runs(paths)
    names = _shared_objectives(runs)
    ref = comparison_ref_point(runs, names) if len(names) >= 2 else None
    rows: list[dict[str, Any]] = []
    for run in runs:
        g = group_key(run, by)
        for n in names:
            rows += _rows(run, g, "best_so_far", n, run.best_so_far(n))
        if ref is not None:
            dirs = [run.directions[n] for n in names]
            hv = hypervolume_curve(objective_matrix(run, names), dirs, ref.internal(names, dirs))
            rows += _rows(run, g, "hypervolume", "", hv)
        if classes is not None:
            rows += _rows(
                run, g, "classes_found", classes, classes_found_from_dataset(run, classes)
            )
        elif (found := classes_found_curve(run, classes_scalar)) is not None:
            rows += _rows(run, g, "classes_found", classes_scalar, found)
        rows += _rows(run, g, "stage_travel", "", travel_distance_mm(run.positions_mm))
    curves = pd.DataFrame(rows, columns=CURVE_COLUMNS)
    labels = {n: _label(runs[0], n) for n in names}
    return Comparison(curves, summarise(curves), by, ref, tuple(skipped), labels)


def _label(run: RunData, name: str) -> str:
    return objective_label(run, name)


def summarise(curves: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles per (group, metric, objective, step) over the runs."""
    if curves.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    g = curves.groupby(["group", "metric", "objective", "step"], sort=True)["value"]
    out = pd.DataFrame(
        {
            "n_runs": g.count(),
            "median": g.median(),
            "q25": g.quantile(0.25),
            "q75": g.quantile(0.75),
        }
    ).reset_index()
    return out[SUMMARY_COLUMNS]


def final_table(c: Comparison) -> pd.DataFrame:
    """Per group and metric: runs, median [q25, q75] of each run's last value."""
    if c.curves.empty:
        return pd.DataFrame()
    last = c.curves.sort_values("step").groupby(["group", "metric", "objective", "run"]).tail(1)
    g = last.groupby(["group", "metric", "objective"])["value"]
    return pd.DataFrame(
        {
            "n_runs": g.count(),
            "median": g.median(),
            "q25": g.quantile(0.25),
            "q75": g.quantile(0.75),
        }
    ).reset_index()


def write_csv(c: Comparison, out_dir: Path) -> list[Path]:
    """compare_curves.csv (per run) and compare_summary.csv (per group) in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "compare_curves.csv", out_dir / "compare_summary.csv"]
    c.curves.to_csv(paths[0], index=False)
    c.summary.to_csv(paths[1], index=False, float_format="%.6g")
    return paths
