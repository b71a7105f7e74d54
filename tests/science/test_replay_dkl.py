"""Issue-6 science check: structure -> property exploration on the pto-beps-50x50 replay.

Science (`make check-science`, prints its tables): over 10 seeds and 100 measurements, the
fraction of the top-5 % loop-area locations found after 50 and 100 measurements by dkl_bo on
image patches, gp_bo on stage coordinates and random (plus gp_bo on the same patches, for
context), and the full-grid prediction error of each model versus the number of measurements.
The short version in the default suite runs one seed of dkl_bo and random.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.config import parse_config
from explorer.engine.build import build_instrument, build_library
from explorer.objectives import Objective, evaluate
from tests.conftest import CAMPAIGNS, shared_data
from tests.science.replay_dkl import (
    VARIANTS,
    format_tables,
    oracle,
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
@pytest.mark.timeout(4 * 3600)  # 40 campaigns of 100 measurements (~1 h on 2 busy cores)
def test_beps_replay_dkl_vs_gp_vs_random(truth, tmp_path: Path) -> None:
    after, grid_ks, seeds = (50, 100), (10, 25, 50, 100), range(1, 11)
    results = [
        run_variant(
            CAMPAIGN, name, seed, tmp_path / f"s{seed}", after=after, grid_ks=grid_ks, truth=truth
        )
        for name in VARIANTS
        for seed in seeds
    ]
    print("\n" + format_tables(results, after, grid_ks, n_top=round(0.05 * len(truth[0]))))
    mean = {
        n: [sum(r.found[j] for r in results if r.name == n) / 10 for j in range(2)]
        for n in VARIANTS
    }
    assert all(d > r for d, r in zip(mean["dkl_bo (5×5 patches)"], mean["random"], strict=True))
