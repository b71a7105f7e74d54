"""The final Pareto front of a run, as a table (for `explorer pareto` and reports).

Read from the event log only (via RunData): objective and outcome values in user units, the
campaign's outcome constraints from the logged config, the reference point from `run_started`
or `ref_point_chosen`. Infeasible and unusable measurements are never on the front.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.constraints import feasible_mask
from explorer.pareto import front_snapshot

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ParetoTable:
    """Front members, best first in the first objective.

    Attributes:
        columns: header names ("measurement", "location_id", "x_mm", "y_mm", objectives...,
            outcomes...); `measurement` is the measurement number, 1 = the first measured.
        rows: one tuple of values per front member (user units).
        objective_names, directions: the objectives and their directions.
        hypervolume: of the front w.r.t. ref_point (None without a reference point).
        ref_point: user units, or None.
        n_measured, n_feasible: measurements in the run, and how many satisfy the constraints.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    objective_names: tuple[str, ...]
    directions: tuple[str, ...]
    hypervolume: float | None
    ref_point: dict[str, float] | None
    n_measured: int
    n_feasible: int


def pareto_table(run: RunData) -> ParetoTable:
    names = tuple(run.objective_names)
    dirs = tuple(run.directions[n] for n in names)
    signs = np.array([1.0 if d == "maximize" else -1.0 for d in dirs])
    user = np.column_stack([run.values(n) for n in names]) if run.measured else np.zeros((0, 0))
    outcomes = run.outcome_names
    cols = {n: user[:, j] for j, n in enumerate(names)} | {
        o: run.outcome_values(o) for o in outcomes
    }
    feasible = feasible_mask(run.constraints, cols, len(run.measured))
    ref = run.ref_point
    ref_int = None if ref is None else signs * np.array([ref[n] for n in names])
    snap = front_snapshot(run.location_ids, user * signs, ref_int, feasible)
    rows = [_row(run, int(i), names, outcomes) for i in snap.ids]
    rows.sort(key=lambda r: -signs[0] * r[4])
    header = ("measurement", "location_id", "x_mm", "y_mm", *names, *outcomes)
    return ParetoTable(
        header,
        tuple(rows),
        names,
        dirs,
        snap.hypervolume,
        ref,
        len(run.measured),
        int(feasible.sum()),
    )


def _row(
    run: RunData, location_id: int, names: tuple[str, ...], outcomes: tuple[str, ...]
) -> tuple[float, ...]:
    k = int(np.flatnonzero(run.location_ids == location_id)[0])
    m = run.measured[k]
    obj = [float(m.objectives[n]) for n in names]  # type: ignore[arg-type]
    out = [np.nan if m.outcomes.get(o) is None else float(m.outcomes[o]) for o in outcomes]  # type: ignore[arg-type]
    return (float(k + 1), float(location_id), m.x_mm, m.y_mm, *obj, *out)


def write_csv(table: ParetoTable, path: Path) -> Path:
    """Write the front as CSV (header row, then one row per member); returns the path."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.columns)
        for r in table.rows:
            w.writerow([int(v) if j < 2 else repr(float(v)) for j, v in enumerate(r)])
    return path
