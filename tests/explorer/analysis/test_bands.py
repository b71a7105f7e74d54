"""The median/IQR summary shared by compare, bench efficiency and the curiosity benchmark."""

from __future__ import annotations

import numpy as np

from explorer.analysis.bands import MedianBand


def test_median_and_quartiles_over_runs_ignore_runs_that_ended() -> None:
    runs = np.array([[1.0, 2.0, 9.0], [3.0, 4.0, np.nan], [5.0, np.nan, np.nan], [7.0, 8.0, 1.0]])
    b = MedianBand.of_runs(runs, "gp_bo")
    np.testing.assert_array_equal(b.step, [1, 2, 3])
    np.testing.assert_allclose(b.median, [4.0, 4.0, 5.0])
    np.testing.assert_allclose(b.q25, [2.5, 3.0, 3.0])
    np.testing.assert_allclose(b.q75, [5.5, 6.0, 7.0])
    np.testing.assert_array_equal(b.n_runs, [4, 3, 2])
    assert b.relabel("x").label == "x" and b.label == "gp_bo"
    assert b.to_json() == {
        "median": [4.0, 4.0, 5.0],
        "q25": [2.5, 3.0, 3.0],
        "q75": [5.5, 6.0, 7.0],
    }


def test_explicit_steps_and_no_runs() -> None:
    b = MedianBand.of_runs(np.array([[1.0, 2.0]]), "a", np.array([31, 32]))
    np.testing.assert_array_equal(b.step, [31, 32])
    empty = MedianBand.of_runs(np.zeros((0, 0)))
    assert len(empty.step) == len(empty.median) == len(empty.n_runs) == 0
