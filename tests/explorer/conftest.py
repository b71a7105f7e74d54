"""Run directories shared by the analysis, plot, report and compare tests (built once per
session, only when a test asks for one)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from explorer.analysis.rundata import RunData
from explorer.plots.figures import RenderResult, render
from tests.conftest import shared_data
from tests.explorer import fixture_runs as runs

GP = {
    "kind": "two_phase",
    "initial": {"kind": "sobol", "n": 4},
    "then": {"kind": "gp_bo", "acquisition": "ucb", "gp": {"restarts": 0}},
}
TWO_OBJECTIVES = [
    {"name": "loop_height", "from": "sspfm", "metric": "loop_height"},
    {"name": "coercive_bias", "from": "sspfm", "metric": "coercive_bias", "direction": "minimize"},
]


@pytest.fixture(scope="session")
def so_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Single objective, sobol -> gp_bo(ucb), simulated SmBFO, 10 points."""
    return runs.sim_run(tmp_path_factory.mktemp("so"), strategy=GP, stop={"max_points": 10})


@pytest.fixture(scope="session")
def mo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two objectives (loop height max, coercive bias min), sobol, simulated SmBFO, 10 points."""
    return runs.sim_run(
        tmp_path_factory.mktemp("mo"),
        objectives=TWO_OBJECTIVES,
        strategy={"kind": "sobol"},
        stop={"max_points": 10},
    )


@pytest.fixture(scope="session")
def mobo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two objectives, sobol -> mobo(ehvi), simulated SmBFO, 7 points."""
    return runs.sim_run(
        tmp_path_factory.mktemp("mobo"),
        objectives=TWO_OBJECTIVES,
        strategy={
            "kind": "two_phase",
            "initial": {"kind": "sobol", "n": 4},
            "then": {"kind": "mobo", "acquisition": "ehvi"},
        },
        stop={"max_points": 7},
    )


@pytest.fixture(scope="session")
def ternary_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runs.ternary_run(tmp_path_factory.mktemp("ternary"))


@pytest.fixture(scope="session")
def feconi_mat() -> Path:
    return shared_data("nist-combi-ternary") / "FeCoNi_benchmark_dataset_220501a.mat"


@pytest.fixture(scope="session")
def replay_run(tmp_path_factory: pytest.TempPathFactory, feconi_mat: Path) -> Path:
    return runs.replay_run(tmp_path_factory.mktemp("replay"), feconi_mat)


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return runs.synthetic_run(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="session")
def rendered(request: pytest.FixtureRequest) -> Callable[[str], RenderResult]:
    """Every figure of a fixture run (by fixture name), rendered once per session."""
    cache: dict[str, RenderResult] = {}

    def get(which: str) -> RenderResult:
        if which not in cache:
            cache[which] = render(RunData.load(request.getfixturevalue(which)))
        return cache[which]

    return get


@pytest.fixture(scope="session")
def sim_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("cmp")
    out = [runs.sim_run(tmp / f"r{s}", seed=s, stop={"max_points": 8}) for s in (1, 2, 3)]
    out += [
        runs.sim_run(tmp / f"s{s}", seed=s, strategy={"kind": "sobol"}, stop={"max_points": 6})
        for s in (1, 2)
    ]
    return out


@pytest.fixture(scope="session")
def replay_runs(tmp_path_factory: pytest.TempPathFactory, feconi_mat: Path) -> list[Path]:
    tmp = tmp_path_factory.mktemp("cmp-replay")
    return [
        runs.replay_run(tmp / f"{k}{s}", feconi_mat, seed=s, strategy={"kind": k})
        for k in ("random", "sobol")
        for s in (1, 2)
    ]
