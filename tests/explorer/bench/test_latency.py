"""A tiny latency benchmark end to end: identical inputs, warm start from the previous step,
every method timed on every case, ratios and the method registry."""

from __future__ import annotations

import json

import pytest

from explorer.bench.latency import (
    METHODS,
    LatencySettings,
    Timing,
    ratios,
    run_latency,
    to_json,
)
from explorer.bench.problems import make_problem

TINY = LatencySettings(dims=(2,), n_obs=(25,), n_candidates=150, repeats=2, trace=True)


@pytest.fixture(scope="module")
def timings() -> list[Timing]:
    return run_latency(TINY)


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


def test_registry_marks_exactly_one_ours_per_objective_count() -> None:
    ours = [m for m in METHODS.values() if m.ours]
    assert len({m.n_objectives for m in ours}) == len(ours)
