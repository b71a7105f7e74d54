"""Observations: immutable tables that grow by one row, refuse re-measurement and bad shapes,
drop unusable rows for fitting and find the best finite value."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import CandidateError
from explorer.observations import Observations


def _obs() -> Observations:
    obs = Observations.empty(2, ("h", "a"), ("t",))
    obs = obs.append(4, np.array([0.1, 0.2]), np.array([1.0, 5.0]), (1.0, 2.0), np.array([9.0]))
    obs = obs.append(7, np.array([0.3, 0.4]), np.array([np.nan, 6.0]), (3.0, 4.0))
    return obs.append(9, np.array([0.5, 0.6]), np.array([3.0, 2.0]), (5.0, 6.0))


def test_append_returns_a_new_table_and_leaves_the_old_one() -> None:
    empty = Observations.empty(2, ("h", "a"), ("t",))
    obs = _obs()
    assert len(empty) == 0 and len(obs) == 3 and obs.n_objectives == 2
    assert obs.ids.tolist() == [4, 7, 9]
    np.testing.assert_array_equal(obs.positions_mm[1], [3.0, 4.0])
    assert obs.outcomes[0, 0] == 9.0 and np.isnan(obs.outcomes[1, 0])  # missing outcome: NaN


def test_arrays_are_read_only() -> None:
    with pytest.raises(ValueError, match="read-only"):
        _obs().Y[0, 0] = 2.0


def test_a_location_is_never_measured_twice() -> None:
    with pytest.raises(CandidateError, match="location 7 is already measured"):
        _obs().append(7, np.zeros(2), np.zeros(2), (0.0, 0.0))


def test_disagreeing_shapes_are_refused() -> None:
    with pytest.raises(CandidateError, match="observation shapes disagree"):
        Observations(np.arange(2), np.zeros((2, 1)), np.zeros((3, 1)), ("h",), np.zeros((2, 2)))


def test_finite_keeps_only_fully_finite_rows() -> None:
    obs = _obs()
    fin = obs.finite()
    assert fin.ids.tolist() == [4, 9]
    assert fin.outcomes.shape == (2, 1)
    assert fin.finite() is fin


def test_best_ignores_nan_and_none_without_data() -> None:
    obs = _obs()
    assert obs.best(0) == (9, 3.0)
    assert obs.best(1) == (7, 6.0)
    assert Observations.empty(1, ("h",)).best() is None
