"""The curiosity strategy: logged numbers, the choice rule, raw arrays on resume, config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from explorer.config import StopConfig, StrategyBuild, parse_config
from explorer.engine.build import rng_factory
from explorer.engine.campaign import Campaign
from explorer.engine.events import EventLog, Measured, Suggested, read_events
from explorer.engine.restore import replay_into
from explorer.engine.runner import Runner, RunState
from explorer.engine.stop import build_stop_rules
from explorer.errors import ConfigError, StrategyError
from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from explorer.strategies.curiosity import CuriosityStrategy
from novelty.curiosity.acquisition import AcquisitionParams
from novelty.curiosity.learner import FeaturiserSettings, SurrogateSettings
from tests.contracts.strategy_contract import small_library
from tests.explorer.strategies.cube_support import (
    SPECTRUM,
    CubeInstrument,
    cube_arrays,
    cube_library,
    cube_measurement,
    loop_at,
)

OBJECTIVES = (Objective("loop_p2p", "spectra", "peak_to_peak", quantity="polarization"),)


def small_strategy(**kw: object) -> CuriosityStrategy:
    base = CuriosityStrategy(
        SPECTRUM,
        spectrum_range=(49, 99),
        n_initial=4,
        acquisition=AcquisitionParams(mc_passes=32),
        surrogate=SurrogateSettings(
            filters=8, initial_steps=6, initial_error_steps=4, update_error_steps=4
        ),
        featuriser=FeaturiserSettings(filters=8, epochs=1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def lib() -> CandidateSet:
    return cube_library()


def _observed(lib: CandidateSet, rows: list[int]) -> tuple[Observations, SuggestContext]:
    obs = Observations.empty(lib.dim, ("loop_p2p",))
    for r in rows:
        lid = int(lib.ids[r])
        obs = obs.append(lid, lib.features[r], np.array([np.ptp(loop_at(lid))]), (0.0, 0.0))
    ctx = SuggestContext(seed=3, step=len(rows), budget=30, arrays=cube_arrays(obs.ids.tolist()))
    return obs, ctx


def test_logs_e_hat_novelty_uncertainty_and_acquisition(lib: CandidateSet) -> None:
    obs, ctx = _observed(lib, [0, 9, 20, 33, 47, 60, 71])
    (s,) = small_strategy(acquisition=AcquisitionParams(mc_passes=32, epsilon=0.0)).suggest(
        lib.without(obs.ids.tolist()), obs, 1, np.random.default_rng(0), ctx
    )
    for key in ("e_hat", "novelty", "uncertainty", "acquisition", "novelty_weight"):
        assert np.isfinite(s.info[key]), key
    assert s.acquisition == s.info["acquisition"]
    w = np.exp(-2.0 * 7 / 30)
    assert s.info["novelty_weight"] == pytest.approx(w)
    assert s.acquisition == pytest.approx(s.info["e_hat"] * (1 - w) + s.info["novelty"] * w)
    assert s.info["epsilon_step"] is False and s.info["t"] == 7 and s.info["n_trained"] == 7
    assert set(s.model_state["curiosity"]) == {"n_trained", "digest"}


def test_greedy_picks_follow_the_acquisition_and_epsilon_one_is_random(lib: CandidateSet) -> None:
    obs, ctx = _observed(lib, [0, 9, 20, 33, 47, 60])
    remaining = lib.without(obs.ids.tolist())
    greedy = small_strategy(acquisition=AcquisitionParams(mc_passes=32, epsilon=0.0, top_k=1))
    picks = greedy.suggest(remaining, obs, len(remaining), np.random.default_rng(1), ctx)
    values = [p.acquisition for p in picks]
    assert len(picks) == len(remaining)
    assert values == sorted(values, reverse=True)  # best first: A is the ranking
    explore = small_strategy(acquisition=AcquisitionParams(mc_passes=32, epsilon=1.0))
    picks = explore.suggest(remaining, obs, 5, np.random.default_rng(1), ctx)
    assert all(p.info["epsilon_step"] for p in picks)


def test_random_until_enough_spectra(lib: CandidateSet) -> None:
    obs, ctx = _observed(lib, [0, 9, 20])
    (s,) = small_strategy().suggest(
        lib.without(obs.ids.tolist()), obs, 1, np.random.default_rng(0), ctx
    )
    assert s.info["phase"] == "initial_random" and s.acquisition is None


def test_clear_errors(lib: CandidateSet) -> None:
    obs, ctx = _observed(lib, [0, 9, 20, 33, 47])
    rest = lib.without(obs.ids.tolist())
    rng = np.random.default_rng(0)
    with pytest.raises(StrategyError, match=r"no measurement carries the array 'sspfm\.pr_off'"):
        small_strategy(spectrum="sspfm.pr_off").suggest(rest, obs, 1, rng, ctx)
    with pytest.raises(StrategyError, match="budget"):
        small_strategy().suggest(rest, obs, 1, rng, replace(ctx, budget=None))
    with pytest.raises(StrategyError, match="spectrum_range"):
        small_strategy(spectrum_range=(50, 120)).suggest(rest, obs, 1, rng, ctx)
    small = small_library()
    sobs = Observations.empty(1, ("y",)).append(0, small.features[0], np.ones(1), (0.0, 0.0))
    with pytest.raises(StrategyError, match="not a flattened square image patch"):
        small_strategy(n_initial=1).suggest(small.without([0]), sobs, 1, rng, ctx)


def _run(tmp: Path, lib: CandidateSet, strategy: CuriosityStrategy, points: int) -> Campaign:
    """A real runner + event log + raw files on the cube; stops after `points` points."""
    (tmp / "raw").mkdir(parents=True)
    campaign = Campaign(lib, OBJECTIVES, strategy, rng_factory(11), strategy_seed=5, budget=30)
    log = EventLog(tmp / "events.jsonl", fsync=False)
    stop = build_stop_rules(StopConfig(max_points=points), OBJECTIVES)
    start = int(lib.ids[len(lib) // 2])
    Runner(tmp, campaign, CubeInstrument(lib), log, stop, RunState([start])).run()
    log.close()
    return campaign


def test_resume_rebuilds_arrays_from_raw_files_and_decides_identically(
    tmp_path: Path, lib: CandidateSet
) -> None:
    live = _run(tmp_path / "run", lib, small_strategy(), points=9)
    events = read_events(tmp_path / "run" / "events.jsonl").events
    chosen = [e for e in events if isinstance(e, Suggested) and e.origin == "strategy"]
    modelled = [e for e in chosen if "acquisition" in e.info]
    assert len(modelled) >= 3 and all("e_hat" in e.info for e in modelled)
    assert len([e for e in events if isinstance(e, Measured)]) == 9
    # a fresh process: new campaign + strategy, state only from events.jsonl and raw/*.npz
    resumed = Campaign(
        lib, OBJECTIVES, small_strategy(), rng_factory(11), strategy_seed=5, budget=30
    )
    replay_into(resumed, read_events(tmp_path / "run" / "events.jsonl"), tmp_path / "run")
    assert sorted(resumed.arrays) == sorted(live.arrays)
    for lid, arrays in live.arrays.items():
        np.testing.assert_array_equal(resumed.arrays[lid][SPECTRUM], arrays[SPECTRUM])
    a, b = live.ask(1)[0], resumed.ask(1)[0]
    assert b.location_id == a.location_id
    assert b.acquisition == a.acquisition
    assert b.info["resume_check"] == "match"
    assert b.model_state == a.model_state


def test_config_defaults_are_the_papers(make_config) -> None:
    cfg = parse_config(
        make_config(
            strategy={"kind": "curiosity", "spectrum": SPECTRUM, "spectrum_range": [49, 99]}
        )
    )
    s = cfg.strategy.build(StrategyBuild(("loop_height",)))
    assert isinstance(s, CuriosityStrategy)
    assert s.acquisition == AcquisitionParams(2.0, 10, 0.1, 500, 0.0)
    assert s.surrogate == SurrogateSettings()
    assert s.featuriser == FeaturiserSettings()
    assert s.n_initial == 31 and s.spectrum_range == (49, 99) and s.required_arrays == (SPECTRUM,)


@pytest.mark.parametrize(
    ("strategy", "stop", "message"),
    [
        ({"kind": "curiosity", "spectrum": SPECTRUM}, {}, "stop.max_points or strategy.budget"),
        ({"kind": "curiosity", "spectrum": "polarization"}, {"max_points": 5}, "spectrum"),
        ({"kind": "curiosity", "spectrum": SPECTRUM, "epsilon": 2}, {"max_points": 5}, "epsilon"),
        (
            {"kind": "curiosity", "spectrum": SPECTRUM, "spectrum_range": [9, 3]},
            {"max_points": 5},
            "start < stop",
        ),
    ],
)
def test_config_errors_name_the_key(make_config, strategy: dict, stop: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(make_config(strategy=strategy, stop=stop))


def test_measurement_helper_serves_the_cube(lib: CandidateSet) -> None:
    m = cube_measurement(lib, int(lib.ids[0]))
    assert m.arrays[SPECTRUM].shape == (99,)
