"""exclude: the wrapper passes the strategy contract around a plain and a model strategy, never
picks inside a region, leaves picks outside every region unchanged, and names exhaustion."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import NoCandidatesLeftError
from explorer.library import Circle, Rect
from explorer.models.gp import GPOptions
from explorer.strategies.base import Strategy
from explorer.strategies.exclude import ExcludeRegionsStrategy
from explorer.strategies.gp_bo import GPBOStrategy
from explorer.strategies.space_filling import MaxMinStrategy, RandomStrategy
from tests.contracts.strategy_contract import StrategyContract, observe, small_library

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)
LEFT_STRIP = Rect((0.0, 1.2), (0.0, 2.0))  # the first three columns of the contract library


class TestExcludeAroundRandom(StrategyContract):
    def strategy(self) -> Strategy:
        return ExcludeRegionsStrategy(RandomStrategy(), (LEFT_STRIP,))


class TestExcludeAroundGPBO(StrategyContract):
    def strategy(self) -> Strategy:
        return ExcludeRegionsStrategy(GPBOStrategy("log_ei", gp=FAST_GP), (LEFT_STRIP,))


def test_never_picks_inside_any_region() -> None:
    lib = small_library()
    regions = (LEFT_STRIP, Circle((4.0, 1.0), 0.6))
    s = ExcludeRegionsStrategy(MaxMinStrategy("positions"), regions)
    obs = observe(lib, [30], 1)
    picks = s.suggest(lib.without({30}), obs, 12, np.random.default_rng(0))
    xy = lib.positions_mm[lib.index_of([p.location_id for p in picks])]
    assert len(picks) == 12
    assert not any(r.contains(xy).any() for r in regions)


def test_regions_that_hold_no_candidate_change_nothing() -> None:
    lib = small_library()
    obs = observe(lib, [0, 5], 1)
    far = ExcludeRegionsStrategy(MaxMinStrategy(), (Rect((50.0, 60.0), (50.0, 60.0)),))
    assert far.allowed(lib) is lib
    plain = MaxMinStrategy().suggest(lib, obs, 4, np.random.default_rng(1))
    wrapped = far.suggest(lib, obs, 4, np.random.default_rng(1))
    assert [p.location_id for p in wrapped] == [p.location_id for p in plain]


def test_asking_for_more_than_allowed_returns_only_the_allowed() -> None:
    lib = small_library()
    s = ExcludeRegionsStrategy(RandomStrategy(), (Rect((0.0, 4.2), (0.0, 2.0)),))
    picks = s.suggest(lib, observe(lib, [], 1), 20, np.random.default_rng(2))
    assert sorted(p.location_id for p in picks) == [9, 10, 20, 21, 31, 32]


def test_every_candidate_excluded_is_a_clear_error() -> None:
    lib = small_library()
    s = ExcludeRegionsStrategy(RandomStrategy(), (Rect((-1.0, 6.0), (-1.0, 3.0)),))
    with pytest.raises(NoCandidatesLeftError, match="excluded region"):
        s.suggest(lib, observe(lib, [], 1), 1, np.random.default_rng(0))
