"""Outcome constraints and the outcome columns of Observations."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.constraints import OutcomeConstraint, feasible_mask, user_columns
from explorer.errors import CandidateError
from explorer.objectives import Objective
from explorer.observations import Observations


def test_satisfied_treats_nan_as_infeasible() -> None:
    c = OutcomeConstraint("leak", max_value=1.0)
    np.testing.assert_array_equal(c.satisfied(np.array([0.5, 1.0, 1.5, np.nan])), [1, 1, 0, 0])
    both = OutcomeConstraint("r2", 0.8, 1.0)
    np.testing.assert_array_equal(both.satisfied(np.array([0.7, 0.9, 1.1])), [0, 1, 0])
    assert both.describe() == "0.8 ≤ r2 ≤ 1"


@pytest.mark.parametrize(("sign", "want"), [(1.0, (0.8, 1.0)), (-1.0, (-1.0, -0.8))])
def test_internal_bounds_follow_the_objective_sign(sign, want) -> None:
    assert OutcomeConstraint("x", 0.8, 1.0).internal_bounds(sign) == want
    assert OutcomeConstraint("x", None, 3.0).internal_bounds(-1.0) == (-3.0, None)


def test_observations_carry_outcomes_and_feasibility() -> None:
    obs = Observations.empty(1, ("area", "bias"), ("r2",))
    obs = obs.append(1, np.array([0.1]), np.array([5.0, -2.0]), (0.0, 0.0), np.array([0.95]))
    obs = obs.append(2, np.array([0.2]), np.array([np.nan, -1.0]), (1.0, 0.0))
    obs = obs.append(3, np.array([0.3]), np.array([6.0, -3.5]), (2.0, 0.0), np.array([0.99]))
    assert obs.outcomes.shape == (3, 1) and np.isnan(obs.outcomes[1, 0])
    assert obs.finite().outcomes[:, 0].tolist() == [0.95, 0.99]
    objs = (
        Objective("area", "sspfm", "loop_area"),
        Objective("bias", "sspfm", "coercive_bias", "minimize"),
    )
    cols = user_columns(obs, objs)
    assert cols["bias"].tolist() == [2.0, 1.0, 3.5]
    rules = [OutcomeConstraint("bias", max_value=3.0), OutcomeConstraint("r2", 0.9)]
    np.testing.assert_array_equal(feasible_mask(rules, cols, 3), [True, False, False])
    with pytest.raises(CandidateError, match="outcomes"):
        Observations(
            obs.ids, obs.X, obs.Y, obs.objective_names, obs.positions_mm, ("r2",), np.zeros((2, 1))
        )
