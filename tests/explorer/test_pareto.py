"""Pareto helpers: non-dominated sorting, hypervolume traces, snapshots, the auto reference."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.pareto import (
    auto_ref_point,
    front_snapshot,
    hypervolume,
    hypervolume_trace,
    non_dominated_mask,
    true_front,
)


def test_non_dominated_mask_ignores_nan_rows() -> None:
    Y = np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 0.5], [np.nan, 9.0], [1.0, 1.0]])
    np.testing.assert_array_equal(non_dominated_mask(Y), [True, True, False, False, True])


def test_hypervolume_of_a_staircase() -> None:
    Y = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    assert hypervolume(Y, np.zeros(2)) == pytest.approx(3 + 2 + 1)
    assert hypervolume(Y, np.array([1.5, 0.0])) == pytest.approx(0.5 * 2 + 1 * 1)
    assert hypervolume(np.zeros((0, 2)), np.zeros(2)) == 0.0


@pytest.mark.parametrize("k", [2, 3])
def test_hypervolume_trace_equals_recomputation(rng, k: int) -> None:
    Y = rng.normal(size=(40, k))
    Y[7] = np.nan
    feasible = rng.random(40) > 0.2
    ref = np.full(k, -2.5)
    trace = hypervolume_trace(Y, ref, feasible)
    for t in (0, 5, 17, 39):
        rows = np.arange(t + 1)
        ok = rows[feasible[: t + 1] & np.all(np.isfinite(Y[: t + 1]), axis=1)]
        assert trace[t] == pytest.approx(hypervolume(Y[ok], ref), rel=1e-12, abs=1e-15)
    assert np.all(np.diff(trace) >= -1e-12)


def test_front_snapshot_excludes_infeasible_rows() -> None:
    ids = np.array([10, 11, 12, 13])
    Y = np.array([[3.0, 3.0], [1.0, 2.0], [2.0, 1.0], [0.5, 0.5]])
    snap = front_snapshot(ids, Y, np.zeros(2), feasible=np.array([False, True, True, True]))
    assert snap.ids.tolist() == [11, 12]
    assert snap.hypervolume == pytest.approx(3.0)
    assert front_snapshot(ids, Y).hypervolume is None


def test_true_front() -> None:
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.2], [0.6, 0.6]])
    mask, hv = true_front(Y, np.array([-1.0, -1.0]))
    assert mask.tolist() == [True, True, False, True]
    assert hv == pytest.approx(hypervolume(Y, np.array([-1.0, -1.0])))


def test_auto_ref_point_rule() -> None:
    Y = np.array([[1.0, -5.0], [3.0, -1.0], [np.nan, 100.0]])
    np.testing.assert_allclose(auto_ref_point(Y), [1.0 - 0.2, -5.0 - 0.4])
    np.testing.assert_allclose(auto_ref_point(Y[:1]), [1.0 - 0.1, -5.0 - 0.5])
    np.testing.assert_allclose(auto_ref_point(np.zeros((1, 2))), [-0.1, -0.1])
    with pytest.raises(ValueError, match="finite"):
        auto_ref_point(np.full((2, 2), np.nan))
