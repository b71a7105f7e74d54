"""Issue-3 science check: measurements needed to find the SmBFO optimum, per strategy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CAMPAIGNS
from tests.science.smbfo_optimum import STRATEGIES, format_table, run_once, summarise

BASE = CAMPAIGNS / "smbfo-gp-bo.yaml"


def test_short_version_runs(tmp_path: Path) -> None:
    results = [run_once(BASE, label, 0, tmp_path, budget=8) for label in STRATEGIES]
    table = summarise(results, 8)
    assert set(table) == set(STRATEGIES)
    assert all(0.15 <= r.optimum_sm <= 0.19 for r in results)  # the MPB-side peak of the CSV


@pytest.mark.science
def test_gp_bo_needs_fewer_measurements_than_random(tmp_path: Path) -> None:
    budget, seeds = 40, range(20)
    results = [
        run_once(BASE, label, seed, tmp_path, budget) for label in STRATEGIES for seed in seeds
    ]
    summary = summarise(results, budget)
    print("\n" + format_table(summary, 0.01, budget))
    assert summary["gp_bo"]["median"] < summary["random"]["median"]
