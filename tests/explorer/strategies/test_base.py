"""Strategy helpers: the top-n pick skips non-finite scores and breaks ties by row or by the
generator; required arrays are read from any strategy that declares them."""

from __future__ import annotations

import numpy as np

from explorer.strategies.base import distinct_top, required_arrays
from explorer.strategies.exclude import ExcludeRegionsStrategy
from explorer.strategies.space_filling import RandomStrategy


def test_top_n_in_score_order_with_non_finite_last() -> None:
    scores = np.array([0.2, np.nan, 0.9, np.inf, -np.inf, 0.5])
    assert distinct_top(scores, 3) == [2, 5, 0]
    assert sorted(distinct_top(scores, 10)) == list(range(6))  # never more than there are


def test_ties_go_by_row_without_a_generator_and_by_the_generator_with_one() -> None:
    ties = np.ones(50)
    assert distinct_top(ties, 3) == [0, 1, 2]
    a = distinct_top(ties, 5, np.random.default_rng(4))
    assert a == distinct_top(ties, 5, np.random.default_rng(4))
    assert a != [0, 1, 2, 3, 4] and len(set(a)) == 5


def test_a_better_score_beats_any_tiebreak() -> None:
    scores = np.array([1.0, 1.0, 2.0])
    assert distinct_top(scores, 1, np.random.default_rng(0)) == [2]


def test_required_arrays_default_to_none_and_pass_through_wrappers() -> None:
    assert required_arrays(RandomStrategy()) == ()
    assert required_arrays(ExcludeRegionsStrategy(RandomStrategy(), ())) == ()
    assert required_arrays(type("Needs", (), {"required_arrays": ("beps.spectrum",)})()) == (
        "beps.spectrum",
    )
