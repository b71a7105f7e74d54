"""A tiny end-to-end benchmark: 2 strategies x 1 simulated task x 2 paired seeds, run on the
sweep executor abstraction, scored against the simulator's truth, written as a leaderboard
(markdown, JSON) and a plot; and the CLI's one-line error for a bad registry."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import yaml

from explorer.benchmark.leaderboard import leaderboard, markdown
from explorer.benchmark.registry import load_registry
from explorer.benchmark.run import RunScore, decision_times, run_task
from explorer.cli import main
from explorer.plots.benchmark_figures import save_task_plot
from explorer.sweep.executors import InlineExecutor
from tests.conftest import REPO

REGISTRY = {
    "schema_version": 1,
    "strategies": {
        "random": {"strategy": {"kind": "random"}},
        "sobol": {"strategy": {"kind": "sobol"}},
    },
    "tasks": {
        "tiny": {
            "family": "optimise",
            "campaign": str(REPO / "campaigns" / "benchmark" / "smbfo-narrow.yaml"),
            "overrides": {"library": {"shape": [21, 2]}},
            "score": {"kind": "optimum", "objective": "loop_height"},
            "budgets": [2, 4],
            "strategies": ["random", "sobol"],
        }
    },
}


def test_tiny_benchmark_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(REGISTRY))
    reg = load_registry(path)
    outcome = run_task("tiny", reg.tasks["tiny"], reg, [0, 1], tmp_path / "out", InlineExecutor())
    assert not outcome.failed and not outcome.skipped
    assert sorted((r.strategy, r.seed) for r in outcome.runs) == [
        ("random", 0),
        ("random", 1),
        ("sobol", 0),
        ("sobol", 1),
    ]
    for r in outcome.runs:
        assert 0.0 <= r.scores[2] <= r.scores[4] <= 1.0  # more measurements never score less
    board = leaderboard([outcome], {"command": "test"})
    entry = json.loads(json.dumps(board))["tasks"]["tiny"]
    row = entry["budgets"]["4"]
    assert row["space_filling"] == "sobol"
    assert row["strategies"]["sobol"]["vs_random"]["n_pairs"] == 2
    scores = {(r.strategy, r.seed): r.scores[4] for r in outcome.runs}
    by_seed = row["strategies"]["random"]["by_seed"]  # per-seed scores, to re-test any pair
    assert by_seed == {"0": scores[("random", 0)], "1": scores[("random", 1)]}
    assert "| 4 | random |" in markdown(board)
    times = entry["decision_time"]["sobol"]  # wall from the events, and CPU seconds as recorded
    assert times["p90_s"] >= times["median_s"] >= 0.0
    assert times["cpu_max_s"] >= times["cpu_median_s"] >= 0.0
    png = save_task_plot("tiny", entry, tmp_path)
    assert png is not None and png.stat().st_size > 10_000


def test_decision_cpu_times_are_left_out_when_a_run_did_not_record_them() -> None:
    new = RunScore("gp", 0, {10: 0.5}, [0.2, 0.4, 3.0], [0.1, 0.3, 1.5])
    t = decision_times([new], "gp")
    assert (t.median_s, t.cpu_median_s, t.cpu_max_s) == (0.4, 0.3, 1.5)
    old = RunScore("gp", 1, {10: 0.5}, [0.2, 0.4])  # written before CPU time was logged
    t = decision_times([new, old], "gp")
    assert t.median_s == 0.4 and t.cpu_median_s is None and t.cpu_max_s is None
    board = {"tasks": {"t": {"family": "optimise", "score": "optimum", "seeds": [0, 1]}}}
    board["tasks"]["t"] |= {
        "budgets": {"10": {"separates": True, "strategies": {"gp": _row()}}},
        "decision_time": {"gp": asdict(t)},
        "failed": [],
    }
    assert "| 0.40 / 1.96 | – |" in markdown(board)


def _row() -> dict:
    return {"median": 0.5, "q25": 0.5, "q75": 0.5, "vs_random": None, "vs_space_filling": None}


def test_cli_bad_registry_is_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("strategies: {}\ntasks: {t: {family: nope}}\n")
    assert main(["benchmark", "--registry", str(bad), "--serial", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tasks.t" in err[0]
