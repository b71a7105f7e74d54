"""The curiosity strategy: logged numbers, the choice rule, raw arrays on resume, config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from explorer.config import StopConfig, StrategyBuild, parse_config
from explorer.engine.build import rng_factory
from explorer.engine.campaign import Campaign
from explorer.engine.events import EventLog, Measured, Prepared, Suggested, read_events
from explorer.engine.restore import replay_into
from explorer.engine.runner import Runner, RunState
from explorer.engine.stop import build_stop_rules
from explorer.errors import ConfigError, StrategyError
from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from explorer.strategies.curiosity import LEARNER_KEY, CuriosityStrategy
from novelty.curiosity.acquisition import AcquisitionParams
from novelty.curiosity.learner import (
    FeaturiserSettings,
    SurrogateLearner,
    SurrogateSettings,
    spread_steps,
)
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


def test_a_preparation_gives_the_decisions_a_run_would_make_without_it(lib: CandidateSet) -> None:
    strategy = small_strategy()
    prep = strategy.prepare(lib, 3)
    assert prep.key == strategy.preparation_key(lib, 3) != strategy.preparation_key(lib, 4)
    assert strategy.preparation_key(lib, 3, budget=4) is None  # never past the random phase
    assert strategy.preparation_key(lib, 3, budget=5) == prep.key
    assert prep.arrays["features"].shape == (len(lib), 3) and "30 epochs" not in prep.summary
    obs, ctx = _observed(lib, [0, 9, 20, 33, 47, 60, 71])
    rest = lib.without(obs.ids.tolist())

    def picks(prepared: object) -> list[tuple[int, object]]:
        out = small_strategy().suggest(
            rest, obs, 3, np.random.default_rng(0), replace(ctx, prepared=prepared)
        )
        return [(p.location_id, p.model_state) for p in out]

    alone = picks(None)
    assert picks(prep) == alone
    # a preparation for other featuriser settings (or another seed) is not used
    other = small_strategy(featuriser=FeaturiserSettings(filters=8, epochs=2)).prepare(lib, 3)
    assert picks(other) == alone
    assert picks(small_strategy().prepare(lib, 4)) == alone


def test_the_initial_fit_is_spread_over_the_last_random_decisions(lib: CandidateSet) -> None:
    """n_initial 4, 6 initial steps, initial_spread 3: 2 steps at 2 and 3 points (random
    decisions), 2 more in the initial fit at 4; the first model decision logs that learner."""
    rows = [0, 9, 20, 33]
    strategy = small_strategy(initial_spread=3)
    for k in range(1, len(rows)):  # the random decisions, as a campaign makes them
        obs, ctx = _observed(lib, rows[:k])
        (s,) = strategy.suggest(
            lib.without(obs.ids.tolist()), obs, 1, np.random.default_rng(0), ctx
        )
        assert s.info["phase"] == "initial_random"
    obs, ctx = _observed(lib, rows)
    (s,) = strategy.suggest(lib.without(obs.ids.tolist()), obs, 1, np.random.default_rng(0), ctx)
    assert "resume_check" not in s.info  # the learner came from the random decisions
    # the same schedule by hand
    settings = strategy.surrogate
    patches = lib.features.reshape(len(lib), 9, 9).astype(np.float32)
    spectra = np.stack([loop_at(int(lib.ids[r]))[49:99] for r in rows]).astype(np.float32)
    feats = strategy.prepare(lib, 3).arrays["features"]
    order = np.argsort(lib.ids)
    at = [int(np.flatnonzero(order == r)[0]) for r in rows]  # rows of the id-sorted library
    learner = SurrogateLearner(
        (9, 9), 50, 3, settings, np.random.SeedSequence(3, spawn_key=(LEARNER_KEY,))
    )
    steps = spread_steps(settings.initial_steps, 4, 3)
    assert steps == [0, 2, 2, 2]
    sorted_patches = patches[order]
    for k in (1, 2, 3):
        learner.warm_up(sorted_patches[at[:k]], spectra[:k], steps[k - 1])
    learner.fit_initial(sorted_patches[at], spectra, feats[at], steps=steps[-1])
    assert s.model_state["curiosity"]["digest"] == learner.digest()
    # initial_spread 1 is the paper's schedule: every initial step at the 4th measurement
    (paper,) = small_strategy(initial_spread=1).suggest(
        lib.without(obs.ids.tolist()), obs, 1, np.random.default_rng(0), ctx
    )
    at_once = SurrogateLearner(
        (9, 9), 50, 3, settings, np.random.SeedSequence(3, spawn_key=(LEARNER_KEY,))
    )
    at_once.fit_initial(sorted_patches[at], spectra, feats[at])
    assert paper.model_state["curiosity"]["digest"] == at_once.digest() != learner.digest()


def test_a_run_prepares_before_its_first_measurement_and_a_resume_reuses_it(
    tmp_path: Path, lib: CandidateSet
) -> None:
    _run(tmp_path / "run", lib, small_strategy(), points=6)
    events = read_events(tmp_path / "run" / "events.jsonl").events
    (prep,) = [e for e in events if isinstance(e, Prepared)]
    first = next(i for i, e in enumerate(events) if isinstance(e, Suggested))
    assert events.index(prep) < first and prep.strategy == "curiosity" and not prep.reused
    assert (tmp_path / "run" / prep.file).is_file() and prep.wall_s > 0
    decisions = [e for e in events if isinstance(e, Suggested) and e.origin == "strategy"]
    assert all(e.decision_s < prep.wall_s for e in decisions)  # nobody trains it again


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
    assert s.initial_spread == 5  # the paper's 150 steps, shared by the last 5 random decisions


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
