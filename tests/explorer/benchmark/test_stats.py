"""Paired statistics: medians and IQRs, paired differences with a Wilcoxon p, separation."""

from __future__ import annotations

import numpy as np
from scipy.stats import wilcoxon

from explorer.benchmark.stats import band, paired_diff, separates


def test_band_is_median_and_quartiles() -> None:
    b = band(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert (b.median, b.q25, b.q75) == (3.0, 2.0, 4.0)


def test_paired_difference_matches_scipy() -> None:
    a = np.array([0.9, 0.8, 0.95, 0.7, 0.85, 0.9, 0.75, 0.8])
    b = a - np.array([0.1, 0.05, 0.2, 0.1, 0.15, 0.05, 0.1, 0.12])
    d = paired_diff(a, b)
    assert d.n_pairs == 8
    assert d.median_diff == np.median(a - b)
    assert d.p_value == wilcoxon(a, b, zero_method="zsplit").pvalue
    assert d.p_value < 0.05


def test_all_ties_give_p_one() -> None:
    d = paired_diff(np.ones(5), np.ones(5))
    assert (d.median_diff, d.p_value) == (0.0, 1.0)


def test_separation_flag() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.01, 10)
    assert separates({"a": 0.5 + noise, "b": 0.9 + noise})
    assert not separates({"a": 0.5 + noise, "b": 0.5 + noise[::-1]})
