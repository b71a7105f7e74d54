"""Science check: structure -> property exploration on the pto-beps-50x50 replay.

Science (`make check-science`, prints its tables): over seeds 1-10 and 100 measurements, the
fraction of the top-5 % loop-area locations found after 50 and 100 measurements by the shipped
dkl_bo, by the ARD GP (gp_bo) on the same patches and by random, each pair with the same seed
and the same random initial design; paired differences with Wilcoxon signed-rank p-values,
and every decision's time. The same table without pytest:
`python -m tests.science.replay_dkl run --seeds 1-10 --results r.jsonl` then
`python -m tests.science.replay_dkl table r.jsonl`. The short version in the default suite
runs one seed of dkl_bo and random.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.config import parse_config
from explorer.engine.build import build_instrument, build_library
from explorer.objectives import Objective, evaluate
from tests.conftest import CAMPAIGNS, shared_data
from tests.science.replay_dkl import (
    format_decision_times,
    format_paired,
    format_tables,
    oracle,
    paired,
    run_variant,
    variant_config,
)

CAMPAIGN = CAMPAIGNS / "pto-beps-dkl.yaml"


@pytest.fixture(scope="module")
def truth():  # type: ignore[no-untyped-def]
    shared_data("pto-beps-50x50")
    return oracle(CAMPAIGN)


def test_oracle_is_the_campaign_objective(truth, tmp_path: Path) -> None:
    ids, area = truth
    cfg = parse_config(variant_config(CAMPAIGN, None, "image_patch", 1, 10, tmp_path))
    inst, library = build_instrument(cfg), build_library(cfg)
    objective = [Objective("loop_area", "beps", "loop_area_numeric", quantity="piezoresponse")]
    for lid in (0, 1921, 2499):
        m = inst.measure_at(lid, *library.position_of(lid), timeout_s=600)
        assert evaluate(objective, m)["loop_area"] == pytest.approx(area[ids == lid][0], rel=1e-12)


def test_dkl_bo_beats_random_short(truth, tmp_path: Path) -> None:
    seed, budget = 20250601, 50
    dkl = run_variant(
        CAMPAIGN,
        "dkl_bo (5×5 patches)",
        seed,
        tmp_path,
        budget=budget,
        after=(budget,),
        truth=truth,
    )
    rnd = run_variant(
        CAMPAIGN, "random", seed, tmp_path, budget=budget, after=(budget,), truth=truth
    )
    chance = budget / len(truth[0])
    print(
        f"\ntop-5 % found after {budget}: dkl_bo {dkl.found[0]:.3f}, random {rnd.found[0]:.3f}, "
        f"chance {chance:.3f}"
    )
    assert dkl.found[0] > rnd.found[0] and dkl.found[0] >= 2 * chance


@pytest.mark.science
@pytest.mark.timeout(4 * 3600)  # 30 campaigns of 100 measurements (~35 min on one busy core)
def test_beps_replay_dkl_matches_the_ard_patch_gp(truth, tmp_path: Path) -> None:
    after, seeds = (50, 100), range(1, 11)
    names = ("dkl_bo (5×5 patches)", "gp_bo (5×5 patches, ARD)", "random")
    results = [
        run_variant(CAMPAIGN, name, seed, tmp_path / f"s{seed}", after=after, truth=truth)
        for seed in seeds
        for name in names
    ]
    rows = [p for b in names[1:] for p in paired(results, names[0], b, after)]
    print("\n" + format_tables(results, after, (), n_top=round(0.05 * len(truth[0]))))
    print("\n" + format_paired(rows) + "\n\n" + format_decision_times(results))
    vs_gp, vs_random = rows[:2], rows[2:]
    assert all(r.mean_diff >= 0 for r in vs_gp)  # at least matches its own plain GP
    assert all(r.wins == r.n and r.p_value < 0.01 for r in vs_random)
