"""Latency problems are deterministic per seed and consistent (candidates never measured)."""

from __future__ import annotations

import numpy as np

from explorer.bench.problems import make_problem


def test_problem_is_deterministic_and_consistent() -> None:
    a, b = make_problem(30, 100, 3, seed=4), make_problem(30, 100, 3, seed=4)
    np.testing.assert_array_equal(a.observations.Y, b.observations.Y)
    assert len(a.candidates) == 100 and a.n_obs == 30
    assert not set(a.candidates.ids.tolist()) & set(a.observations.ids.tolist())
    np.testing.assert_array_equal(a.previous.ids, a.observations.ids[:-1])
    two = make_problem(30, 100, 2, n_objectives=2)
    assert two.observations.Y.shape == (30, 2)
