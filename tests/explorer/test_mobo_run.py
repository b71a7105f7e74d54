"""Multi-objective campaigns end to end on the simulator: fronts every step, reference points
(explicit and auto, also across a resume), constraints, exclusion, `explorer pareto`."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from explorer.cli import main
from explorer.engine.events import FrontUpdated, Measured, RefPointChosen, RunStarted, read_events

TWO = [
    {"name": "loop_area", "from": "sspfm", "metric": "loop_area", "direction": "maximize"},
    {"name": "coercive_bias", "from": "sspfm", "metric": "coercive_bias", "direction": "minimize"},
]
GP = {"max_iter_cold": 60, "restarts": 0}


def _mobo(**then) -> dict:
    return {
        "kind": "two_phase",
        "initial": {"kind": "sobol", "n": 4},
        "then": {"kind": "mobo", "gp": GP, **then},
    }


def _run(make_config, write_yaml, out: Path, **cfg) -> Path:
    path = write_yaml(make_config(**cfg), f"{out.name}.yaml")
    assert main(["run", str(path), "-q", "--out", str(out)]) == 0
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


def test_front_and_hypervolume_after_every_measurement_and_pareto_csv(
    make_config, write_yaml, tmp_path, capsys
) -> None:
    ref = {"loop_area": 0.0, "coercive_bias": 3.5}
    run = _run(
        make_config,
        write_yaml,
        tmp_path / "runs",
        objectives=TWO,
        strategy=_mobo(acquisition="ehvi", ref_point=ref),
        stop={"max_points": 9},
    )
    log = read_events(run / "events.jsonl")
    started = log.of_type(RunStarted)[0]
    assert started.ref_point == ref
    measured, fronts = log.of_type(Measured), log.of_type(FrontUpdated)
    assert len(fronts) == len(measured) == 9
    hv = [f.hypervolume for f in fronts]
    assert all(h is not None for h in hv) and np.all(np.diff(hv) >= -1e-9) and hv[-1] > 0
    assert all(f.ref_point == ref for f in fronts)
    last = fronts[-1]
    by_id = {m.location_id: m for m in measured}
    for lid, values in zip(last.front_ids, last.front_values, strict=True):
        assert values == [
            by_id[lid].objectives["loop_area"],
            by_id[lid].objectives["coercive_bias"],
        ]
    capsys.readouterr()
    assert main(["pareto", str(run)]) == 0
    printed = capsys.readouterr().out
    assert "Pareto front" in printed and f"{last.hypervolume:.6g}" in printed
    with open(run / "pareto.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["location_id"]) for r in rows) == sorted(last.front_ids)
    columns = {"measurement", "location_id", "x_mm", "y_mm", "loop_area", "coercive_bias"}
    assert set(rows[0]) == columns


def test_auto_reference_point_is_logged_once_and_survives_resume(
    make_config, write_yaml, tmp_path
) -> None:
    cfg = dict(objectives=TWO, strategy=_mobo(acquisition="parego"), stop={"max_points": 10})
    full = _run(make_config, write_yaml, tmp_path / "full", **cfg)
    chosen = read_events(full / "events.jsonl").of_type(RefPointChosen)
    assert len(chosen) == 1 and chosen[0].rule == "auto" and chosen[0].step == 4
    fronts = read_events(full / "events.jsonl").of_type(FrontUpdated)
    assert [f.hypervolume is None for f in fronts] == [True] * 4 + [False] * 6

    part = _run(make_config, write_yaml, tmp_path / "part", **dict(cfg, stop={"max_points": 6}))
    assert main(["resume", str(part), "-q", "--max-points", "10"]) == 0
    a, b = read_events(full / "events.jsonl"), read_events(part / "events.jsonl")
    assert [m.location_id for m in a.of_type(Measured)] == [
        m.location_id for m in b.of_type(Measured)
    ]
    assert len(b.of_type(RefPointChosen)) == 1
    hv_a = [f.hypervolume for f in a.of_type(FrontUpdated)]
    hv_b = [f.hypervolume for f in b.of_type(FrontUpdated)]
    assert [h is None for h in hv_a] == [h is None for h in hv_b]
    assert [h for h in hv_a if h is not None] == pytest.approx(
        [h for h in hv_b if h is not None], rel=1e-12
    )


def test_three_objectives_with_constraints_and_exclusion(make_config, write_yaml, tmp_path) -> None:
    objectives = [
        {"name": "loop_height", "from": "sspfm", "metric": "loop_height"},
        *TWO,
    ]
    strategy = {
        "kind": "exclude",
        "regions": [{"kind": "rect", "x_mm": [0.0, 2.0], "y_mm": [0.0, 1.0]}],
        "wrapped": _mobo(
            acquisition="log_nehvi",
            mc_samples=32,
            ref_point={"loop_height": 0.0, "loop_area": 0.0, "coercive_bias": 3.5},
        ),
    }
    run = _run(
        make_config,
        write_yaml,
        tmp_path / "runs",
        objectives=objectives,
        outcomes=[{"name": "fit_r2", "from": "sspfm", "metric": "fit_r2"}],
        constraints=[{"name": "coercive_bias", "max": 2.5}, {"name": "fit_r2", "min": 0.8}],
        strategy=strategy,
        stop={"max_points": 8},
    )
    log = read_events(run / "events.jsonl")
    measured = log.of_type(Measured)
    assert all(m.x_mm > 2.0 for m in measured)
    assert all(set(m.outcomes) == {"fit_r2"} for m in measured)
    feasible = {
        m.location_id
        for m in measured
        if m.objectives["coercive_bias"] is not None
        and m.objectives["coercive_bias"] <= 2.5
        and (m.outcomes["fit_r2"] or 0.0) >= 0.8
    }
    assert len(feasible) < len(measured), "the test needs infeasible points to mean anything"
    for f in log.of_type(FrontUpdated):
        assert set(f.front_ids) <= feasible
        assert all(len(v) == 3 for v in f.front_values)


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (
            lambda c: c["strategy"]["then"].update(ref_point={"loop_area": 0.0, "bias": 1.0}),
            "strategy.then.ref_point",
        ),
        (lambda c: c.update(constraints=[{"name": "leakage", "max": 1.0}]), "constraints[0].name"),
        (lambda c: c.update(constraints=[{"name": "loop_area"}]), "constraints[0]"),
        (
            lambda c: c.update(
                outcomes=[{"name": "loop_area", "from": "sspfm", "metric": "fit_r2"}]
            ),
            "outcomes",
        ),
        (lambda c: c["strategy"]["then"].update(acquisition="qehvi"), "strategy.then.acquisition"),
        (  # the deprecated strategy-level alias must agree with the campaign's ref_point
            lambda c: c.update(ref_point={"loop_area": 0.0, "coercive_bias": 4.0}),
            "disagrees with the campaign's ref_point",
        ),
        (lambda c: c.update(ref_point={"loop_area": 0.0}), "ref_point: objectives"),
    ],
)
def test_bad_mobo_config_one_line_exit_2(make_config, write_yaml, capsys, mutate, key) -> None:
    cfg = make_config(
        objectives=TWO, strategy=_mobo(ref_point={"loop_area": 0.0, "coercive_bias": 3.5})
    )
    mutate(cfg)
    assert main(["validate", str(write_yaml(cfg))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0], err


def test_pareto_refuses_single_objective_runs(make_config, write_yaml, tmp_path, capsys) -> None:
    run = _run(make_config, write_yaml, tmp_path / "runs", stop={"max_points": 2})
    assert main(["pareto", str(run)]) == 2
    assert "at least two" in capsys.readouterr().err


def test_no_improvement_stop_watches_the_hypervolume(make_config) -> None:
    from explorer.config import parse_config
    from explorer.engine.build import build_objectives, build_stop
    from explorer.engine.stop import NoImprovement

    cfg = parse_config(
        make_config(
            objectives=TWO,
            strategy=_mobo(ref_point={"loop_area": 0.0, "coercive_bias": 3.5}),
            stop={"max_points": 30, "no_improvement": {"steps": 5}},
        )
    )
    (rule,) = [r for r in build_stop(cfg, build_objectives(cfg)) if isinstance(r, NoImprovement)]
    assert rule.ref_point == (0.0, -3.5)


def test_campaign_ref_point_reaches_mobo_and_the_stop_rule(make_config) -> None:
    from explorer.config import parse_config
    from explorer.engine.build import build_campaign, build_objectives, build_stop, validate_deep
    from explorer.engine.stop import NoImprovement

    cfg = parse_config(
        make_config(
            objectives=TWO,
            ref_point={"loop_area": 0.0, "coercive_bias": 3.5},
            strategy={"kind": "mobo", "gp": GP},
            stop={"max_points": 30, "no_improvement": {"steps": 5}},
        )
    )
    (rule,) = [r for r in build_stop(cfg, build_objectives(cfg)) if isinstance(r, NoImprovement)]
    assert rule.ref_point == (0.0, -3.5)
    strategy = build_campaign(cfg, validate_deep(cfg)).strategy
    assert tuple(strategy.ref_point) == (0.0, -3.5)  # type: ignore[attr-defined]


def test_a_sobol_baseline_logs_its_hypervolume(make_config, write_yaml, tmp_path) -> None:
    ref = {"loop_area": 0.0, "coercive_bias": 3.5}
    run = _run(
        make_config,
        write_yaml,
        tmp_path / "runs",
        objectives=TWO,
        ref_point=ref,
        strategy={"kind": "sobol"},
        stop={"max_points": 5},
    )
    log = read_events(run / "events.jsonl")
    assert log.of_type(RunStarted)[0].ref_point == ref
    fronts = log.of_type(FrontUpdated)
    assert len(fronts) == 5 and all(f.ref_point == ref for f in fronts)
    assert fronts[-1].hypervolume is not None and fronts[-1].hypervolume > 0


def test_batches_are_measured_in_order(make_config, write_yaml, tmp_path) -> None:
    run = _run(
        make_config,
        write_yaml,
        tmp_path / "runs",
        objectives=TWO,
        strategy=_mobo(acquisition="ehvi", ref_point={"loop_area": 0.0, "coercive_bias": 3.5}),
        batch_size=3,
        stop={"max_points": 10},
    )
    log = read_events(run / "events.jsonl")
    from explorer.engine.events import Suggested

    suggested = log.of_type(Suggested)
    assert [s.location_id for s in suggested] == [m.location_id for m in log.of_type(Measured)]
    assert len(suggested) == 10, "a batch never runs past stop.max_points"
    model = [s for s in suggested if s.strategy == "mobo"]
    assert [s.batch_index for s in model] == [1, 2, 0, 1, 2, 0]  # straddles the initial design
    assert len({s.location_id for s in suggested}) == 10
