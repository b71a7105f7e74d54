"""The MOBO latency benchmark runs both pipelines on identical inputs (tiny sizes here)."""

from __future__ import annotations

import numpy as np

from explorer.bench.mobo_latency import format_rows, mobo_latency, synthetic_problem


def test_synthetic_problem_is_deterministic_and_disjoint() -> None:
    c1, o1 = synthetic_problem(20, 300, seed=3)
    c2, o2 = synthetic_problem(20, 300, seed=3)
    np.testing.assert_array_equal(c1.features, c2.features)
    np.testing.assert_array_equal(o1.Y, o2.Y)
    assert len(c1) == 300 and len(o1) == 20
    assert not set(c1.ids.tolist()) & set(o1.ids.tolist())
    assert np.corrcoef(o1.Y.T)[0, 1] < 0.9  # two different objectives


def test_latency_rows_and_table() -> None:
    rows = mobo_latency((10,), n_candidates=150, repeats=1)
    (r,) = rows
    assert r.n_observations == 10 and r.n_candidates == 150
    assert min(r.ours_cold_s, r.ours_warm_s, r.botorch_fit_s, r.botorch_acq_s) > 0
    text = format_rows(rows)
    assert "ours warm" in text and "bt/warm" in text and len(text.splitlines()) == 3
