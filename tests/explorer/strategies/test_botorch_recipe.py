"""The BoTorch recipe strategies (single- and two-objective) pass the strategy contract."""

from __future__ import annotations

from explorer.strategies.base import Strategy
from explorer.strategies.botorch_recipe import BotorchNEHVIStrategy, BotorchStrategy
from tests.contracts.strategy_contract import StrategyContract


class TestBotorch(StrategyContract):
    def strategy(self) -> Strategy:
        return BotorchStrategy()


class TestBotorchNEHVI(StrategyContract):
    n_objectives = 2

    def strategy(self) -> Strategy:
        return BotorchNEHVIStrategy()
