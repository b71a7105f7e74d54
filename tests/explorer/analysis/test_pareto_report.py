"""The Pareto table of a two-objective run: exactly the non-dominated measurements, best first
in the first objective, in user units, and a CSV that reads back to the same rows."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from explorer.analysis.pareto_report import pareto_table, write_csv
from explorer.analysis.rundata import RunData
from explorer.pareto import non_dominated_mask


def test_rows_are_the_non_dominated_measurements(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    table = pareto_table(run)
    assert table.columns[:4] == ("measurement", "location_id", "x_mm", "y_mm")
    assert table.objective_names == ("loop_height", "coercive_bias")
    assert table.directions == ("maximize", "minimize")
    internal = np.column_stack([run.values("loop_height"), -run.values("coercive_bias")])
    front = set(run.location_ids[non_dominated_mask(internal)].tolist())
    assert {int(r[1]) for r in table.rows} == front
    heights = [r[4] for r in table.rows]
    assert heights == sorted(heights, reverse=True)
    assert table.n_measured == 10 and table.n_feasible == 10


def test_rows_are_in_user_units_at_their_measurement_number(mo_run: Path) -> None:
    """The first column is the measurement number, 1 = the first measured (measured.step + 1)."""
    run = RunData.load(mo_run)
    for row in pareto_table(run).rows:
        m = run.measured[int(row[0]) - 1]
        assert m.step + 1 == int(row[0])
        assert m.location_id == int(row[1]) and (m.x_mm, m.y_mm) == (row[2], row[3])
        assert row[5] == m.objectives["coercive_bias"]


def test_csv_reads_back_exactly(mo_run: Path, tmp_path: Path) -> None:
    table = pareto_table(RunData.load(mo_run))
    path = write_csv(table, tmp_path / "front.csv")
    with open(path, newline="") as fh:
        header, *rows = list(csv.reader(fh))
    assert tuple(header) == table.columns
    for got, want in zip(rows, table.rows, strict=True):
        assert int(got[0]) == want[0] and int(got[1]) == want[1]
        assert [float(v) for v in got[2:]] == list(want[2:])
