"""explorer compare: group statistics equal numpy's over the per-run curves; one hypervolume
reference for all runs; classes found; CSV, figure and CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.analysis.metrics import objective_matrix, signs
from explorer.analysis.run_compare import compare_runs, final_table
from explorer.analysis.rundata import RunData
from explorer.cli import main
from explorer.errors import InputFileError
from explorer.pareto import hypervolume
from explorer.plots.compare_figures import compare_figure, compare_panels
from explorer.plots.figures import Rendered, RenderResult
from tests.explorer import fixture_runs as runs
from tests.explorer.plots.test_render import assert_no_overlaps


@pytest.fixture(scope="module")
def sim_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("cmp")
    out = [runs.sim_run(tmp / f"r{s}", seed=s, stop={"max_points": 8}) for s in (1, 2, 3)]
    out += [
        runs.sim_run(tmp / f"s{s}", seed=s, strategy={"kind": "sobol"}, stop={"max_points": 6})
        for s in (1, 2)
    ]
    return out


@pytest.fixture(scope="module")
def replay_runs(tmp_path_factory: pytest.TempPathFactory, feconi_mat: Path) -> list[Path]:
    tmp = tmp_path_factory.mktemp("cmp-replay")
    return [
        runs.replay_run(tmp / f"{k}{s}", feconi_mat, seed=s, strategy={"kind": k})
        for k in ("random", "sobol")
        for s in (1, 2)
    ]


def test_group_statistics_are_numpy_statistics(sim_runs: list[Path]) -> None:
    c = compare_runs(sim_runs)
    assert set(c.summary["group"]) == {"random", "sobol"}
    curves = {p: RunData.load(p).best_so_far("loop_height") for p in sim_runs}
    random = [curves[p] for p in sim_runs[:3]]
    s = c.summary.set_index(["group", "metric", "objective", "step"])
    for step in range(1, 9):
        at = np.array([r[step - 1] for r in random])
        row = s.loc[("random", "best_so_far", "loop_height", step)]
        assert row["n_runs"] == 3
        assert row["median"] == pytest.approx(np.median(at))
        assert row["q25"] == pytest.approx(np.quantile(at, 0.25))
        assert row["q75"] == pytest.approx(np.quantile(at, 0.75))
    travel = c.curves[
        (c.curves["metric"] == "stage_travel") & (c.curves["run"] == str(sim_runs[0]))
    ]
    xy = RunData.load(sim_runs[0]).positions_mm
    assert travel["value"].iloc[-1] == pytest.approx(np.hypot(*np.diff(xy, axis=0).T).sum())
    sobol = c.summary[c.summary["group"] == "sobol"]
    assert sobol["step"].max() == 6 and set(sobol["n_runs"]) == {2}  # shorter runs: own length
    assert c.reference is None  # one objective: no hypervolume
    table = final_table(c)
    assert list(table["n_runs"]) == [3, 3, 2, 2]
    assert set(table["metric"]) == {"best_so_far", "stage_travel"}


def test_hypervolume_uses_one_reference_for_all_runs(replay_runs: list[Path]) -> None:
    c = compare_runs(replay_runs)
    assert c.reference is not None and c.reference.source == "derived"
    names, dirs = ["kerr", "coercivity"], ["maximize", "minimize"]
    ref = c.reference.internal(names, dirs)
    pooled = np.vstack([objective_matrix(RunData.load(p), names) for p in replay_runs])
    assert np.all(pooled * signs(dirs) > ref)  # the reference is worse than every point
    hv = c.curves[c.curves["metric"] == "hypervolume"]
    for p in replay_runs:
        run = RunData.load(p)
        mine = hv[hv["run"] == str(p)].sort_values("step")["value"].to_numpy()
        assert np.all(np.diff(mine) >= -1e-12)
        assert mine[-1] == pytest.approx(
            hypervolume(objective_matrix(run, names) * signs(dirs), ref)
        )
    classes = c.curves[c.curves["metric"] == "classes_found"]
    assert not classes.empty and classes["value"].max() <= 3
    assert set(c.summary["metric"]) == {
        "best_so_far",
        "hypervolume",
        "classes_found",
        "stage_travel",
    }


def test_compare_figure_renders_without_overlaps(replay_runs: list[Path]) -> None:
    c = compare_runs(replay_runs)
    panels = compare_panels(c)
    assert [(p.metric, p.objective) for p in panels] == [
        ("best_so_far", "coercivity"),
        ("best_so_far", "kerr"),
        ("hypervolume", ""),
        ("classes_found", "class_label"),
        ("stage_travel", ""),
    ]
    assert all(len(p.bands) == 2 for p in panels)
    fig = compare_figure(c)
    assert_no_overlaps(RenderResult([Rendered("compare", "", fig)]))


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
