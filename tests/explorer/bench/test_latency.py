"""A tiny latency benchmark end to end: identical inputs, warm start from the previous step,
memory peaks, ratios, targets, JSON and the CLI (bad options: one line, exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.bench.latency import (
    METHODS,
    Case,
    LatencySettings,
    Timing,
    ratios,
    run_latency,
    to_json,
)
from explorer.bench.memory import MemoryPeak, measure
from explorer.bench.problems import make_problem
from explorer.bench.targets import check_targets
from explorer.cli import main

TINY = LatencySettings(dims=(2,), n_obs=(25,), n_candidates=150, repeats=2, trace=True)


@pytest.fixture(scope="module")
def timings() -> list[Timing]:
    return run_latency(TINY)


def test_problem_is_deterministic_and_consistent() -> None:
    a, b = make_problem(30, 100, 3, seed=4), make_problem(30, 100, 3, seed=4)
    np.testing.assert_array_equal(a.observations.Y, b.observations.Y)
    assert len(a.candidates) == 100 and a.n_obs == 30
    assert not set(a.candidates.ids.tolist()) & set(a.observations.ids.tolist())
    np.testing.assert_array_equal(a.previous.ids, a.observations.ids[:-1])
    two = make_problem(30, 100, 2, n_objectives=2)
    assert two.observations.Y.shape == (30, 2)


def test_every_method_timed_on_every_case(timings) -> None:
    assert {(t.case.n_obs, t.method) for t in timings} == {(25, m) for m in TINY.methods}
    problem = make_problem(25, 150, 2)
    for t in timings:
        assert len(t.seconds) == 2 and all(s > 0 for s in t.seconds)
        assert t.memory is not None and t.memory.rss_peak_mb > 50
        assert t.memory.traced_peak_mb is not None
        assert problem.candidates.contains(t.location_id)


def test_warm_and_cold_gp_bo_agree_on_the_pick(timings) -> None:
    picks = {(t.case.n_obs, t.method): t.location_id for t in timings}
    assert picks[(25, "gp_bo")] == picks[(25, "gp_bo_cold")]


def test_ratios_are_relative_to_ours(timings) -> None:
    rs = ratios(timings)
    assert {r.method for r in rs} == {"gp_bo_cold", "botorch", "skopt"}
    for r in rs:
        (mine,) = [t for t in timings if t.case.n_obs == r.n_obs and t.method == "gp_bo"]
        (other,) = [t for t in timings if t.case.n_obs == r.n_obs and t.method == r.method]
        assert r.ratio == pytest.approx(other.median_s / mine.median_s)
    json.dumps(to_json(TINY, timings, {"cpus": 2}))


def test_limit_skips_a_method_beyond_its_size() -> None:
    settings = LatencySettings(
        dims=(2,),
        n_obs=(8, 20),
        n_candidates=50,
        methods=("gp_bo", "skopt"),
        repeats=1,
        trace=False,
        limits={"skopt": 10},
    )
    out = {(t.case.n_obs, t.method): t for t in run_latency(settings)}
    assert out[(20, "skopt")].skipped and not out[(20, "skopt")].seconds
    assert out[(8, "skopt")].seconds


def _timing(n: int, method: str, s: float, rss: float = 900.0) -> Timing:
    return Timing(Case(2, n, 10_000), method, (s,), MemoryPeak(rss, 100.0, 1.0, True), 1)


def test_targets_met_missed_and_unmeasured() -> None:
    ts = [
        _timing(500, "gp_bo", 0.1),
        _timing(500, "botorch", 0.6),
        _timing(500, "skopt", 4.0),
        _timing(2000, "gp_bo", 2.5, rss=2000.0),
    ]
    checks = {c.name: c for c in check_targets(ts)}
    assert checks["speed-up over botorch (d=2, 500 obs)"].met is True
    assert checks["speed-up over skopt (d=2, 500 obs)"].met is False  # 40x < 50x
    big = [c for c in checks.values() if "2000" in c.name]
    assert [c.met for c in big] == [False, False]
    assert not any(c.met is None for c in checks.values())
    missing = check_targets([_timing(500, "botorch", 1.0)])
    assert [c.met for c in missing] == [None]


def test_memory_sees_numpy_allocations() -> None:
    result, seconds, peak = measure(lambda: float(np.ones(8_000_000).sum()), trace=True)
    assert result == 8_000_000 and seconds > 0
    assert peak.traced_peak_mb is not None and peak.traced_peak_mb > 55
    if peak.exact:
        assert peak.rss_delta_mb > 40


def test_cli_writes_json_and_table(tmp_path, capsys) -> None:
    path = tmp_path / "lat.json"
    rc = main(
        [
            "bench",
            "latency",
            "--n-obs",
            "10",
            "--dims",
            "2",
            "--candidates",
            "60",
            "--repeats",
            "1",
            "--methods",
            "gp_bo,botorch",
            "--no-trace",
            "--json",
            str(path),
        ]
    )
    assert rc == 0
    record = json.loads(path.read_text())
    assert {t["method"] for t in record["timings"]} == {"gp_bo", "botorch"}
    assert record["machine"]["threads"]["torch"] == 1
    assert "BoTorch / gp_bo" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--methods", "nope"], "--methods"),
        (["--methods", "botorch_nehvi"], "--methods"),
        (["--n-obs", "5,x"], "--n-obs"),
        (["--limit", "skopt"], "--limit"),
        (["--objectives", "3"], "--objectives"),
    ],
)
def test_cli_bad_options_one_line_exit_2(tmp_path, capsys, args, needle) -> None:
    rc = main(["bench", "latency", "--json", str(tmp_path / "x.json"), *args])
    assert rc == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_registry_marks_exactly_one_ours_per_objective_count() -> None:
    ours = [m for m in METHODS.values() if m.ours]
    assert len({m.n_objectives for m in ours}) == len(ours)
