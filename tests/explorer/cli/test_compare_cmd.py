"""explorer compare: writes the CSV tables and the figure for groups of runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from explorer.analysis.run_compare import compare_runs
from explorer.cli import main
from explorer.errors import InputFileError


def test_cli_compare_writes_csv_and_figure(sim_runs: list[Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "cmp"
    not_a_run = tmp_path / "junk"
    not_a_run.mkdir()
    args = ["compare", *map(str, sim_runs), str(not_a_run), "--out", str(out), "--format", "svg"]
    assert main(args) == 0
    summary = pd.read_csv(out / "compare_summary.csv")
    assert list(summary.columns) == [
        "group",
        "metric",
        "objective",
        "step",
        "n_runs",
        "median",
        "q25",
        "q75",
    ]
    assert (out / "compare_curves.csv").stat().st_size > 0 and (out / "compare.svg").exists()
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "junk" in captured.err
    assert "random" in captured.out and "sobol" in captured.out
    assert main(["compare", *map(str, sim_runs), "--by", "seed", "--out", str(out)]) == 0
    assert set(pd.read_csv(out / "compare_summary.csv")["group"]) == {1, 2, 3}
    assert main(["compare", str(sim_runs[0]), "--by", "strategy.nope", "--out", str(out)]) == 2
    assert "strategy.nope" in capsys.readouterr().err
    assert main(["compare", str(not_a_run)]) == 2
    with pytest.raises(InputFileError, match="no run directory"):
        compare_runs([not_a_run])
