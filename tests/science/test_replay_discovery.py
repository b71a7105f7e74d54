"""Issue-8 science check on real replays: measurements needed to discover every k-means class of
the pto-sspfm-curiosity and pto-beps-50x50 ground truths.

The default suite checks the ground truth (the documented k rule on the spectra the replay
serves) and runs every strategy for 2 seeds with a tiny budget on the SS-PFM replay, checking
that the scores are what the event logs say. `make check-science` runs the tables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.metrics import FeatureCells
from explorer.analysis.rundata import RunData
from explorer.config import read_yaml
from explorer.engine.build import build_instrument, validate_deep
from explorer.engine.events import Measured
from tests.conftest import CAMPAIGNS, shared_data
from tests.science.discovery import run_jobs, summarise
from tests.science.harness import campaign_config
from tests.science.replay_discovery import (
    CASES,
    KMEANS_SEED,
    LABELS,
    MIN_FRACTION,
    N_COMPONENTS,
    Job,
    ReplayTruth,
    choose_k,
    format_table,
    make_jobs,
    position_library,
    run_once,
    truth_of,
)


def _truth(case: str, tmp_path: Path) -> ReplayTruth:
    shared_data(CASES[case].data_dir)
    return truth_of(CASES[case], Job(case, _base(case), "random", 0, tmp_path, 5).config())


def _base(case: str) -> Path:
    return CAMPAIGNS / CASES[case].campaign


@pytest.mark.parametrize(
    ("case", "sizes"),
    [
        ("pto-sspfm", [56, 112, 217, 300, 315, 341, 446, 614]),
        ("pto-beps", [33, 40, 47, 95, 98, 366, 692, 1129]),
    ],
)
def test_classes_are_kmeans_of_the_served_spectra(
    case: str, sizes: list[int], tmp_path: Path
) -> None:
    truth = _truth(case, tmp_path)
    base = _base(case)
    lib = read_yaml(base)["library"]  # every pixel of the dataset, not just the candidates
    every = {
        **lib,
        "path": str(base.parent / os.path.expandvars(lib["path"])),
        "features": "position",
    }
    cfg = campaign_config(base, None, 0, tmp_path, 5, {"library": every, "initial_points": []})
    inst = build_instrument(cfg)
    channel_q = CASES[case].spectrum
    try:  # the clustered spectra are what a measurement returns (despiked / sliced as served)
        served = np.stack(
            [
                inst.measure_at(int(i), *map(float, truth.positions_mm[i]), timeout_s=60).arrays[
                    channel_q
                ]
                for i in range(len(truth.classes))
            ]
        )
    finally:
        inst.close()
    k, cells = choose_k(served)
    assert k == truth.k == 8 and np.array_equal(cells.cell, truth.classes)
    assert sorted(truth.sizes.tolist()) == sizes  # the numbers in the module docstring
    assert truth.sizes.min() >= MIN_FRACTION * len(served)
    assert truth.findable == list(range(k))  # every class has candidate pixels
    again = FeatureCells.from_spectra(served, k, n_components=N_COMPONENTS, seed=KMEANS_SEED)
    assert np.array_equal(again.cell, truth.classes)  # reproducible


def test_choose_k_takes_the_largest_k_with_big_enough_clusters() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(12)[:4] * 20  # 4 well-separated families + 3 isolated outlier spectra
    counts = [240, 150, 100, 10]
    X = np.vstack([c + rng.normal(0, 0.1, (n, 12)) for c, n in zip(centres, counts, strict=True)])
    X = np.vstack([X, rng.normal(0, 0.1, (3, 12)) - 40 * np.eye(12)[5:8]])
    k, cells = choose_k(X)
    assert np.bincount(cells.cell).min() >= MIN_FRACTION * len(X)
    for larger in range(k + 1, 9):  # every larger k leaves a cluster under 1 %
        c = FeatureCells.from_spectra(X, larger, n_components=N_COMPONENTS, seed=KMEANS_SEED)
        assert np.bincount(c.cell, minlength=larger).min() < MIN_FRACTION * len(X)


def test_position_strategies_get_the_same_cropped_pixels(tmp_path: Path) -> None:
    shared_data(CASES["pto-sspfm"].data_dir)
    base = _base("pto-sspfm")
    patches = validate_deep(campaign_config(base, None, 0, tmp_path, 5))
    grid = campaign_config(base, None, 0, tmp_path, 5, {"library": position_library(base)})
    positions = validate_deep(grid)
    assert len(patches) == len(positions) == 41 * 41 and positions.features.shape[1] == 2
    order = np.lexsort(patches.positions_mm.T), np.lexsort(positions.positions_mm.T)
    assert np.allclose(patches.positions_mm[order[0]], positions.positions_mm[order[1]])


def test_short_version_runs(tmp_path: Path) -> None:
    truth = _truth("pto-sspfm", tmp_path)
    budget, seeds = 10, [0, 1]
    jobs = make_jobs(
        "pto-sspfm", _base("pto-sspfm"), dict.fromkeys(LABELS, seeds), tmp_path, budget
    )
    results = run_jobs(run_once, jobs)
    assert [(r.strategy, r.seed) for r in results] == [(s, k) for s in LABELS for k in seeds]
    for job, r in zip(jobs, results, strict=True):
        measured = RunData.load(job.out_dir / "latest").log.of_type(Measured)
        rows = truth.rows_at(np.array([(m.x_mm, m.y_mm) for m in measured]))
        assert r.labels == tuple(truth.classes[rows].tolist()) and len(r.labels) == budget
        assert set(rows.tolist()) <= set(truth.candidate_rows.tolist())
        if r.found_all_at is not None:
            assert set(r.labels[: r.found_all_at]) == set(range(truth.k))
            assert len(set(r.labels[: r.found_all_at - 1])) == truth.k - 1
        rare = truth.rare_class
        assert r.rare_at == (r.labels.index(rare) + 1 if rare in r.labels else None)
        assert 0 < r.coverage <= 1 and r.travel_mm > 0
    by = {(r.strategy, r.seed): r.labels for r in results}
    # the model-based position strategies share the 8-point Sobol start; curiosity's random
    # start (budget < its 31 initial points) draws from the same per-step stream as `random`
    assert by[("gp_bo", 0)][:8] == by[("novelty", 0)][:8] == by[("max_variance", 0)][:8]
    assert by[("curiosity", 1)] == by[("random", 1)]
    table = format_table(summarise(results, budget), budget, truth)
    assert "k = 8" in table and "curiosity" in table and "2.3% of the area" in table


@pytest.mark.science
# 5 strategies x 2 replays, budget 60, 2 worker processes. curiosity costs ~150 s per run (its
# patch featuriser + initial fit) plus ~1.3 s per decision on one core, so it runs 10 seeds and
# the other strategies 20 (the table's `seeds` column). First run (2026-11-27, 57.8 min wall on a
# shared 2-core machine): rare class found by novelty / gp_bo / max_variance / random / curiosity
# in 55 / 75 / 50 / 70 / 60 % of seeds on pto-sspfm and 85 / 35 / 100 / 35 / 100 % on pto-beps.
# No ranking is asserted: the issue claims one only for the simulated library.
@pytest.mark.timeout(3 * 3600)
def test_discovery_tables_on_the_replays(tmp_path: Path) -> None:
    budget, cheap, dear = 60, range(20), range(10)
    seeds = {label: (dear if label == "curiosity" else cheap) for label in LABELS}
    jobs = []
    for case in CASES:
        shared_data(CASES[case].data_dir)
        jobs += make_jobs(case, _base(case), seeds, tmp_path, budget)
    jobs.sort(key=lambda j: j.label != "curiosity")  # longest first: the pool stays busy
    t0 = time.perf_counter()
    results = run_jobs(run_once, jobs, workers=2)
    wall_s = time.perf_counter() - t0
    for case in CASES:
        mine = [r for j, r in zip(jobs, results, strict=True) if j.case == case]
        order = {label: k for k, label in enumerate(LABELS)}
        mine.sort(key=lambda r: (order[r.strategy], r.seed))
        summary = summarise(mine, budget)
        print("\n" + format_table(summary, budget, _truth(case, tmp_path)))
        for name in LABELS:
            rare = [r.rare_at for r in mine if r.strategy == name]
            print(f"{name:<13} first rare hit per seed: {rare}")
        assert {k: int(v["seeds"]) for k, v in summary.items()} == {
            k: len(v) for k, v in seeds.items()
        }
    print(f"wall time of both tables: {wall_s / 60:.1f} min (2 worker processes, 1 thread each)")
