"""Issue-8 science check: measurements needed to discover every phase of the simulated library.

The default suite runs the harness on 2 seeds with a small budget and checks that it measures
what it says (not the science result); `make check-science` runs 20 seeds x the campaign's budget
and prints the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.rundata import RunData
from explorer.config import parse_config, read_yaml
from explorer.engine.events import Measured
from tests.conftest import CAMPAIGNS
from tests.science import phases_replay
from tests.science.phases_discovery import (
    CURIOSITY_NOTE,
    STRATEGIES,
    GroundTruth,
    campaign_config,
    format_table,
    run_all,
    summarise,
)

BASE = CAMPAIGNS / "phases-novelty.yaml"


def test_ground_truth_is_the_instruments_sample(tmp_path: Path) -> None:
    cfg = campaign_config(BASE, None, 3, tmp_path, 10)
    truth = GroundTruth.of(cfg)
    assert truth.classes.shape == (625,) and set(truth.classes.tolist()) == {0, 1, 2, 3, 4}
    assert 0.005 < np.mean(truth.classes == 4) < 0.04  # the rare island on the 25 x 25 grid
    loops = truth.noise_free_loops(cfg)
    assert loops.shape[0] == 625 and np.all(np.isfinite(loops))
    afe, pe = loops[truth.classes == 4][0], loops[truth.classes == 3][0]
    assert np.ptp(afe) > 2 * np.ptp(pe)  # field-induced branches vs a linear dielectric
    other = GroundTruth.of(campaign_config(BASE, None, 4, tmp_path, 10))
    assert not np.array_equal(truth.classes, other.classes)  # the seed wiggles the boundaries


def test_short_version_runs(tmp_path: Path) -> None:
    budget = 12
    results = run_all(BASE, list(STRATEGIES), [0, 1], tmp_path, budget)
    assert [(r.strategy, r.seed) for r in results] == [(s, k) for s in STRATEGIES for k in (0, 1)]
    for r in results:
        assert len(r.labels) == budget and set(r.labels) <= {0, 1, 2, 3, 4}
        if r.found_all_at is not None:
            assert set(r.labels[: r.found_all_at]) == {0, 1, 2, 3, 4}
            assert len(set(r.labels[: r.found_all_at - 1])) == 4
        assert (r.rare_at is None) == (4 not in r.labels)
        assert 0 < r.coverage <= 1 and r.travel_mm > 0
    # the model-based strategies share the campaign's 8-point Sobol start
    by = {(r.strategy, r.seed): r.labels for r in results}
    assert by[("gp_bo", 0)][:8] == by[("novelty", 0)][:8] == by[("max_variance", 0)][:8]
    summary = summarise(results, budget)
    assert set(summary) == set(STRATEGIES) and all(s["seeds"] == 2 for s in summary.values())
    table = format_table(summary, budget)
    assert "novelty" in table and CURIOSITY_NOTE in table


def test_the_campaign_parses_with_every_strategy(tmp_path: Path) -> None:
    for strategy in STRATEGIES.values():
        cfg = campaign_config(BASE, strategy, 0, tmp_path, 5)
        assert cfg.stop.max_points == 5
    assert parse_config(read_yaml(BASE), source=str(BASE)).strategy.kind == "two_phase"


def test_curiosity_replays_the_recorded_phase_library(tmp_path: Path) -> None:
    budget = 6  # below curiosity's 31 initial picks: checks the plumbing, not the models
    (r,) = phases_replay.run_all(BASE, [3], tmp_path, budget)
    truth = GroundTruth.of(campaign_config(BASE, None, 3, tmp_path, budget))
    dataset = tmp_path / "curiosity-3" / "phases-3.h5"
    from hardware.replay import read_dataset

    ds = read_dataset(dataset)
    # the recorded classes are the live library's (same seed: same boundaries)
    np.testing.assert_array_equal(ds.ground_truth["phase_class"].values, truth.classes)
    assert ds.image is not None and ds.image.shape == (25, 25, 1)
    run = RunData.load(tmp_path / "curiosity-3" / "runs" / "latest")
    measured = run.log.of_type(Measured)
    assert run.started.config["strategy"]["kind"] == "curiosity"
    assert run.started.config["library"]["features"] == "image_patch"
    assert r.labels == tuple(truth.classes_of([m.location_id for m in measured]))
    assert len(r.labels) == budget and 0 < r.coverage <= 1 and r.travel_mm > 0
    assert (r.rare_at is None) == (4 not in r.labels)
    table = format_table(summarise([r], budget), budget, phases_replay.NOTE)
    assert "curiosity" in table and "replay" in table


@pytest.mark.science
# History: with EI on the novelty GP (first version) novelty found the rare class in 15 % of the 20
# seeds (gp_bo 5 %, max_variance 25 %, random 65 %) and this was a strict xfail. After the robust
# scoring + mean/coverage utility of novelty/sane.py: novelty 85 %, random 65 %, max_variance
# 25 %, gp_bo 5 % (budget 60). Since the simulator draws its tip checks from their own random
# stream (other noise in every model-based run) the same check gives novelty 70 % (14/20, median
# 44 to find all), random 65 %, max_variance 25 %, gp_bo 5 %, curiosity 55 % (replay of each
# seed's recorded library; every rare hit within its 31 random initial picks). 19 min, 2 procs.
@pytest.mark.timeout(3 * 3600)  # 4 live strategies + curiosity replays, 20 seeds x 60, 2 processes
def test_discovery_table_over_20_seeds(tmp_path: Path) -> None:
    budget = 60
    results = run_all(BASE, list(STRATEGIES), range(20), tmp_path, budget, workers=2)
    results += phases_replay.run_all(BASE, range(20), tmp_path, budget, workers=2)
    summary = summarise(results, budget)
    print("\n" + format_table(summary, budget, phases_replay.NOTE))
    for name in [*STRATEGIES, "curiosity"]:
        rare = [r.rare_at for r in results if r.strategy == name]
        print(f"{name:<13} first rare hit per seed: {rare}")
    assert len(summary) == 5 and all(s["seeds"] == 20 for s in summary.values())
    # The claim. One knob was chosen on seeds 0-9 (the campaign's exploration_weight,
    # 2 over 1); seeds 10-19 were held out (novelty 80 %, random 60 %, see the report):
    assert summary["novelty"]["found_rare"] > summary["gp_bo"]["found_rare"]
    assert summary["novelty"]["found_rare"] > summary["random"]["found_rare"]
