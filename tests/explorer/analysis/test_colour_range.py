"""Robust colour ranges: an outlier is clipped and marked, a well-behaved set is not clipped."""

from __future__ import annotations

import numpy as np

from explorer.analysis.colour_range import robust_range


def test_one_outlier_is_clipped_and_marked() -> None:
    v = np.concatenate([np.linspace(0.0, 10.0, 50), [500.0, np.nan]])
    r = robust_range(v)
    assert r.vmin == 0.0 and r.vmax == 10.0
    assert r.above.tolist() == [False] * 50 + [True, False] and not r.below.any()
    assert r.extend == "max"


def test_a_well_behaved_or_small_set_is_not_clipped() -> None:
    for v in (np.linspace(-3.0, 7.0, 200), np.array([1.0, 2.0, 40.0])):
        r = robust_range(v)
        assert (r.vmin, r.vmax) == (v.min(), v.max()) and r.extend == "neither"


def test_a_pool_widens_the_range_but_is_never_clipped() -> None:
    values = np.concatenate([np.linspace(0.0, 1.0, 60), [-50.0]])
    r = robust_range(values, pool=np.array([-2.0, 3.0]))
    assert (r.vmin, r.vmax) == (-2.0, 3.0)
    assert r.below.tolist() == [False] * 60 + [True] and r.extend == "min"
    assert robust_range(np.array([np.nan])).vmax > robust_range(np.array([np.nan])).vmin
    constant = robust_range(np.full(5, 2.0))
    assert constant.vmin < 2.0 < constant.vmax and not constant.above.any()
