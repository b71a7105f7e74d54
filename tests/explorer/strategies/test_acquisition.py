"""Closed-form acquisitions against direct formulas and stability in the tails."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from explorer.strategies import acquisition as acq


def test_ei_matches_textbook() -> None:
    mean = np.array([0.0, 1.0, -2.0, 0.5])
    std = np.array([1.0, 0.5, 0.3, 2.0])
    best = 0.2
    z = (mean - best) / std
    expected = (mean - best) * norm.cdf(z) + std * norm.pdf(z)
    np.testing.assert_allclose(acq.expected_improvement(mean, std, best), expected, rtol=1e-10)


def test_log_ei_is_finite_and_monotone_deep_in_the_tail() -> None:
    mean = -np.array([1.0, 10.0, 40.0, 200.0, 5e3])
    log_ei = acq.log_expected_improvement(mean, np.ones(5), best=0.0)
    assert np.all(np.isfinite(log_ei))
    assert np.all(np.diff(log_ei) < 0)  # plain EI underflows to 0 for most of these
    np.testing.assert_allclose(
        np.exp(log_ei[:2]), acq.expected_improvement(mean[:2], np.ones(2), 0.0), rtol=1e-8
    )


def test_log_h_continuous_at_branch_points() -> None:
    for z0 in (-1.0, -1e3):
        left, right = acq.log_h(np.array([z0 - 1e-9])), acq.log_h(np.array([z0 + 1e-9]))
        np.testing.assert_allclose(left, right, rtol=1e-6)


def test_ucb_and_pi() -> None:
    np.testing.assert_allclose(
        acq.upper_confidence_bound(np.array([1.0]), np.array([2.0]), 4.0), [5.0]
    )
    np.testing.assert_allclose(
        acq.probability_of_improvement(np.array([0.0]), np.array([1.0]), 0.0), [0.5]
    )
