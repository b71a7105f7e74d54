"""GP-BO with each acquisition passes the strategy contract."""

from __future__ import annotations

from explorer.models.gp import GPOptions
from explorer.strategies.base import Strategy
from explorer.strategies.gp_bo import GPBOStrategy
from tests.contracts.strategy_contract import StrategyContract

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)


class TestGPBOLogEI(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("log_ei", gp=FAST_GP)


class TestGPBOUCB(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("ucb", beta=9.0, gp=FAST_GP)


class TestGPBOMaxVariance(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("max_variance", gp=FAST_GP)


class TestGPBOResolutionPrior(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy(
            "ucb", gp=FAST_GP, output_transform="bilog", lengthscale_prior="resolution"
        )
