"""The scikit-optimize strategy passes the strategy contract."""

from __future__ import annotations

from explorer.strategies.base import Strategy
from explorer.strategies.skopt_strategy import SkoptStrategy
from tests.contracts.strategy_contract import StrategyContract


class TestSkopt(StrategyContract):
    def strategy(self) -> Strategy:
        return SkoptStrategy()
