"""`explorer recommend`: the runner's `recommended` events and the command that prints them,
on a real simulated MOBO campaign with outcome constraints."""

from __future__ import annotations

import json
from pathlib import Path

from explorer.cli import main
from explorer.engine.events import Measured, Recommended, read_events

TWO = [
    {"name": "loop_area", "from": "sspfm", "metric": "loop_area", "direction": "maximize"},
    {"name": "coercive_bias", "from": "sspfm", "metric": "coercive_bias", "direction": "minimize"},
]


def _feasible(m: Measured) -> bool:
    bias, r2 = m.objectives["coercive_bias"], m.outcomes["fit_r2"]
    area = m.objectives["loop_area"]
    return None not in (bias, r2, area) and bias <= 2.5 and r2 >= 0.8  # type: ignore[operator]


def _run(make_config, write_yaml, out: Path) -> Path:
    cfg = make_config(
        objectives=TWO,
        outcomes=[{"name": "fit_r2", "from": "sspfm", "metric": "fit_r2"}],
        constraints=[{"name": "coercive_bias", "max": 2.5}, {"name": "fit_r2", "min": 0.8}],
        strategy={
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": 4},
            "then": {
                "kind": "mobo",
                "gp": {"max_iter_cold": 60, "restarts": 0},
                "ref_point": {"loop_area": 0.0, "coercive_bias": 3.5},
            },
        },
        stop={"max_points": 10},
    )
    cfg["output"] = {**cfg.get("output", {}), "recommend_every": 4}
    assert main(["run", str(write_yaml(cfg, "mobo.yaml")), "-q", "--out", str(out)]) == 0
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


def test_recommendations_are_logged_and_never_infeasible(make_config, write_yaml, tmp_path, capsys):
    run = _run(make_config, write_yaml, tmp_path / "runs")
    log = read_events(run / "events.jsonl")
    recs = log.of_type(Recommended)
    assert [r.n_measured for r in recs] == [4, 8, 10]
    measured = log.of_type(Measured)
    assert any(not _feasible(m) for m in measured), "the test needs an infeasible point"
    for r in recs:
        feasible = {m.location_id for m in measured[: r.n_measured] if _feasible(m)}
        assert r.n_infeasible == r.n_measured - len(feasible)
        assert {p["location_id"] for p in r.points} <= feasible
        assert r.points or r.reason
    capsys.readouterr()
    out_json = tmp_path / "rec.json"
    assert main(["recommend", str(run), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert f"({recs[-1].n_infeasible} infeasible)" in printed
    assert "observed best loop_area" in printed
    points = json.loads(out_json.read_text())
    assert points == recs[-1].points
    for p in points:
        assert {"location_id", "x_mm", "y_mm", "mean", "lower", "upper"} <= set(p)
        for name in ("loop_area", "coercive_bias"):
            assert p["lower"][name] <= p["mean"][name] <= p["upper"][name]


def test_recommend_refuses_a_folder_that_is_not_a_run(tmp_path, capsys) -> None:
    assert main(["recommend", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a run directory" in err[0]
