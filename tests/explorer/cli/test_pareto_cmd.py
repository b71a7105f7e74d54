"""explorer pareto: prints the front of a two-objective run and writes its CSV; a run with one
objective or a folder that is no run is one line and exit 2, nothing written."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from explorer.analysis.pareto_report import pareto_table
from explorer.analysis.rundata import RunData
from explorer.cli import main


def test_prints_the_front_and_writes_the_csv(mo_run: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "front.csv"
    assert main(["pareto", str(mo_run), "--csv", str(path)]) == 0
    text = capsys.readouterr().out
    table = pareto_table(RunData.load(mo_run))
    assert f"({len(table.rows)} points)" in text and "10 measured, 10 feasible" in text
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(table.rows)
    run = RunData.load(mo_run)
    for r in rows:  # the measurement number, 1-based, is the one the spectra and maps show
        m = run.measured[int(r["measurement"]) - 1]
        assert m.location_id == int(r["location_id"]) and m.step + 1 == int(r["measurement"])
    assert "measurement" in text and "step" not in text


def test_default_csv_goes_into_the_run(mo_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "copy"
    shutil.copytree(mo_run, run)
    assert main(["pareto", str(run)]) == 0
    assert (run / "pareto.csv").is_file()


def test_one_objective_or_no_run_is_a_usage_error(so_run: Path, tmp_path: Path, capsys) -> None:
    assert main(["pareto", str(so_run), "--csv", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a Pareto front needs at least two" in err[0]
    assert main(["pareto", str(tmp_path)]) == 2
    assert "is not a run directory" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
