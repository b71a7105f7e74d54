"""Every space-filling strategy (random, grids, designs, max-min) passes the strategy contract."""

from __future__ import annotations

import numpy as np

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import Strategy, SuggestContext
from explorer.strategies.space_filling import (
    DesignStrategy,
    GridStrategy,
    MaxMinStrategy,
    RandomStrategy,
)
from tests.contracts.strategy_contract import StrategyContract


class TestRandom(StrategyContract):
    def strategy(self) -> Strategy:
        return RandomStrategy()


class TestGridRaster(StrategyContract):
    def strategy(self) -> Strategy:
        return GridStrategy("raster")


class TestGridSerpentine(StrategyContract):
    def strategy(self) -> Strategy:
        return GridStrategy("serpentine")


class TestSobol(StrategyContract):
    def strategy(self) -> Strategy:
        return DesignStrategy("sobol", 8)


class TestLHS(StrategyContract):
    def strategy(self) -> Strategy:
        return DesignStrategy("lhs", 8, name="lhs")


class TestMaxMin(StrategyContract):
    def strategy(self) -> Strategy:
        return MaxMinStrategy()


class TestMaxMinPositions(StrategyContract):
    def strategy(self) -> Strategy:
        return MaxMinStrategy("positions")


class TestSobolPositions(StrategyContract):
    def strategy(self) -> Strategy:
        return DesignStrategy("sobol", 8, space="positions")


def _outlier_library() -> CandidateSet:
    """A 20 x 20 stage grid whose 1-D feature is 0 everywhere but at 4 outlier locations."""
    y, x = np.mgrid[0:20, 0:20]
    feats = np.zeros((400, 1))
    feats[[0, 1, 20, 21], 0] = [1.0, 0.9, 0.8, 0.7]
    return CandidateSet(
        np.arange(400), np.column_stack([x.ravel(), y.ravel()]).astype(float), feats, ("f",)
    )


def _picks(strategy: DesignStrategy, lib: CandidateSet, n: int) -> list[int]:
    obs = Observations.empty(lib.dim, ("y",))
    rng = np.random.default_rng(0)
    ids: list[int] = []
    for step in range(n):
        (s,) = strategy.suggest(lib.without(ids), obs, 1, rng, SuggestContext(step=step, seed=3))
        ids.append(s.location_id)
        row = int(lib.index_of([s.location_id])[0])
        xy = (float(lib.positions_mm[row, 0]), float(lib.positions_mm[row, 1]))
        obs = obs.append(s.location_id, lib.features[row], np.zeros(1), xy)
    return ids


def test_a_sobol_design_over_positions_covers_the_stage_where_the_feature_cube_is_empty() -> None:
    lib = _outlier_library()
    in_features = _picks(DesignStrategy("sobol", 16), lib, 16)
    over_stage = _picks(DesignStrategy("sobol", 16, space="positions"), lib, 16)
    outliers = {0, 1, 20, 21}
    # in the feature cube more than half the design lies nearer 1 than 0: all four outliers go
    # in the first 8 picks; over the stage the first 4 take one quadrant each
    assert outliers <= set(in_features[:8])
    assert len(outliers & set(over_stage[:8])) <= 1
    quadrants = {(i % 20 // 10, i // 20 // 10) for i in over_stage[:4]}
    assert quadrants == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert len(set(over_stage)) == 16
