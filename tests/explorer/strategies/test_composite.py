"""The two-phase composite (design, then a model strategy) passes the strategy contract."""

from __future__ import annotations

from explorer.models.gp import GPOptions
from explorer.strategies.base import Strategy
from explorer.strategies.composite import TwoPhaseStrategy
from explorer.strategies.gp_bo import GPBOStrategy
from explorer.strategies.mobo import MOBOStrategy
from explorer.strategies.space_filling import (
    DesignStrategy,
)
from tests.contracts.strategy_contract import StrategyContract

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)


class TestTwoPhase(StrategyContract):
    def strategy(self) -> Strategy:
        return TwoPhaseStrategy(DesignStrategy("sobol", 4), 4, GPBOStrategy(gp=FAST_GP))


class TestTwoPhaseMOBO(StrategyContract):
    n_objectives = 2

    def strategy(self) -> Strategy:
        return TwoPhaseStrategy(DesignStrategy("sobol", 4), 4, MOBOStrategy(gp=FAST_GP))
