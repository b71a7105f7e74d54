"""Every strategy kind passes the shared contract."""

from __future__ import annotations

from explorer.models.dkl import DKLOptions
from explorer.models.gp import GPOptions
from explorer.strategies.base import Strategy
from explorer.strategies.composite import TwoPhaseStrategy
from explorer.strategies.dkl_bo import DKLBOStrategy
from explorer.strategies.gp_bo import GPBOStrategy
from explorer.strategies.mobo import MOBOStrategy
from explorer.strategies.skopt_strategy import SkoptStrategy
from explorer.strategies.space_filling import (
    DesignStrategy,
    GridStrategy,
    MaxMinStrategy,
    RandomStrategy,
)
from tests.contracts.strategy_contract import StrategyContract

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)


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


class TestGPBOLogEI(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("log_ei", gp=FAST_GP)


class TestGPBOUCB(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("ucb", beta=9.0, gp=FAST_GP)


class TestGPBOMaxVariance(StrategyContract):
    def strategy(self) -> Strategy:
        return GPBOStrategy("max_variance", gp=FAST_GP)


class TestSkopt(StrategyContract):
    def strategy(self) -> Strategy:
        return SkoptStrategy()


class TestTwoPhase(StrategyContract):
    def strategy(self) -> Strategy:
        return TwoPhaseStrategy(DesignStrategy("sobol", 4), 4, GPBOStrategy(gp=FAST_GP))


FAST_DKL = DKLOptions(hidden=(8,), iters_cold=30, iters_warm=10)


class TestDKLBOEI(StrategyContract):
    def strategy(self) -> Strategy:
        return DKLBOStrategy("ei", dkl=FAST_DKL)


class TestDKLBOUCBQuantile(StrategyContract):
    def strategy(self) -> Strategy:
        return DKLBOStrategy("ucb", dkl=FAST_DKL, input_transform="quantile")


class TestDKLBOMaxVariance(StrategyContract):
    def strategy(self) -> Strategy:
        return DKLBOStrategy("max_variance", dkl=FAST_DKL)


class _MOBOContract(StrategyContract):
    n_objectives = 2
    acquisition = "ehvi"

    def strategy(self) -> Strategy:
        return MOBOStrategy(self.acquisition, gp=FAST_GP, mc_samples=32)  # type: ignore[arg-type]


class TestMOBOEHVI(_MOBOContract):
    acquisition = "ehvi"


class TestMOBOLogNEHVI(_MOBOContract):
    acquisition = "log_nehvi"


class TestMOBOParEGO(_MOBOContract):
    acquisition = "parego"


class TestMOBOUCBScalarized(_MOBOContract):
    acquisition = "ucb_scalarized"


class TestMOBOEHVIThreeObjectives(_MOBOContract):
    n_objectives = 3
    acquisition = "ehvi"


class TestMOBOLogNEHVIThreeObjectives(_MOBOContract):
    n_objectives = 3
    acquisition = "log_nehvi"


class TestTwoPhaseMOBO(StrategyContract):
    n_objectives = 2

    def strategy(self) -> Strategy:
        return TwoPhaseStrategy(DesignStrategy("sobol", 4), 4, MOBOStrategy(gp=FAST_GP))
