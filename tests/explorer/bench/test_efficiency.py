"""A tiny efficiency benchmark: campaigns through the sweep machinery, median/IQR bands over
seeds, a pluggable library file, the table, JSON and plot."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import yaml

from explorer.analysis.bands import MedianBand
from explorer.bench.efficiency import LIBRARIES, efficiency_plan, summarise
from explorer.cli import main
from explorer.plots.efficiency_figures import draw_efficiency, efficiency_data


def test_band_is_median_and_quartiles_over_seeds() -> None:
    runs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.nan], [7.0, 8.0]])
    band = MedianBand.of_runs(runs)
    np.testing.assert_allclose(band.median, [4.0, 4.0])
    np.testing.assert_allclose(band.q25, [2.5, 3.0])
    np.testing.assert_allclose(band.q75, [5.5, 6.0])


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, curves = [], []
    for seed, vals in ((1, [1.0, 3.0, 3.0]), (2, [2.0, 2.0, 5.0]), (3, [0.5, 4.0, 4.0])):
        task = f"lib/s/seed-{seed}"
        rows.append({"task": task, "dataset": "lib", "override": "s", "status": "success"})
        for k, v in enumerate(vals):
            curves.append(
                {
                    "task": task,
                    "dataset": "lib",
                    "override": "s",
                    "objective": "f",
                    "direction": "maximize",
                    "step": k + 1,
                    "best_so_far": v,
                    "true_best_so_far": v,
                    "true_optimum": 5.0,
                }
            )
    rows.append({"task": "lib/s/seed-4", "dataset": "lib", "override": "s", "status": "error"})
    return pd.DataFrame(rows), pd.DataFrame(curves)


def test_summarise_counts_failures_and_scores_the_true_gap() -> None:
    (s,) = summarise(*_tables())
    assert (s.n_runs, s.n_failed) == (3, 1)
    np.testing.assert_allclose(s.best.median, [1.0, 3.0, 4.0])
    assert s.true_gap is not None
    np.testing.assert_allclose(s.true_gap.median, [0.8, 0.4, 0.2])
    data = efficiency_data([s], "lib", "true_gap")
    assert data.log_y and len(data.lines) == 1


def test_plan_uses_the_same_initial_design_for_model_based_strategies(tmp_path) -> None:
    plan = efficiency_plan(LIBRARIES, ["gp_bo", "botorch", "random"], [1, 2], 12, tmp_path)
    assert len(plan.tasks) == 2 * 3 * 2
    inits = {t.override: t.campaign["strategy"].get("initial") for t in plan.tasks}
    assert inits["gp_bo"] == inits["botorch"] == {"kind": "sobol", "n": 5}


def test_cli_runs_campaigns_and_writes_table_json_plot(tmp_path, capsys) -> None:
    lib = tmp_path / "quiet-smbfo.yaml"
    lib.write_text(
        yaml.safe_dump({**LIBRARIES["smbfo-sim"], "instrument": {"kind": "sim", "noise": "none"}})
    )
    args = [
        "bench",
        "efficiency",
        "--library",
        "smbfo-sim",
        "--library-file",
        str(lib),
        "--strategies",
        "gp_bo,random",
        "--seeds",
        "2",
        "--max-points",
        "7",
        "--checkpoints",
        "3,7",
        "--serial",
        "--out",
        str(tmp_path / "out"),
        "-q",
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "quiet-smbfo" in text and "best @ 7" in text
    folder = tmp_path / "out" / "efficiency"
    record = json.loads((folder / "efficiency.json").read_text())
    assert {(r["dataset"], r["strategy"]) for r in record} == {
        (d, s) for d in ("smbfo-sim", "quiet-smbfo") for s in ("gp_bo", "random")
    }
    assert all(len(r["best_so_far"]["median"]) == 7 and r["n_runs"] == 2 for r in record)
    assert (folder / "efficiency_smbfo-sim.png").stat().st_size > 10_000
    assert main(args) == 0  # rerun: every campaign reused
    assert "reused" not in capsys.readouterr().err  # -q: no progress output


def test_draw_efficiency_renders() -> None:
    import matplotlib.pyplot as plt

    (s,) = summarise(*_tables())
    fig, ax = plt.subplots()
    draw_efficiency(efficiency_data([s], "lib"), ax)
    assert len(ax.lines) == 1 and ax.get_ylabel() == "best f so far"
    plt.close(fig)
