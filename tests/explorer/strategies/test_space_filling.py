"""Every space-filling strategy (random, grids, designs, max-min) passes the strategy contract."""

from __future__ import annotations

from explorer.strategies.base import Strategy
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
