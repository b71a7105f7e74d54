"""DKL-BO, MOBO and curiosity strategies pass the shared contract (the other kinds run it in
the test file of their own module)."""

from __future__ import annotations

import numpy as np

from explorer.library import CandidateSet
from explorer.models.dkl import DKLOptions
from explorer.models.gp import GPOptions
from explorer.observations import Observations
from explorer.strategies.base import Strategy
from explorer.strategies.curiosity import CuriosityStrategy
from explorer.strategies.dkl_bo import DKLBOStrategy
from explorer.strategies.mobo import MOBOStrategy
from novelty.curiosity.acquisition import AcquisitionParams
from novelty.curiosity.learner import FeaturiserSettings, SurrogateSettings
from tests.contracts.strategy_contract import StrategyContract
from tests.explorer.strategies.cube_support import SPECTRUM, cube_arrays, cube_library

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)


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


class TestCuriosity(StrategyContract):
    """On a window of the real PTO cube (81 pixel locations, 9 x 9 patch features), with
    narrow networks and short schedules so the suite stays fast."""

    def strategy(self) -> Strategy:
        return CuriosityStrategy(
            SPECTRUM,
            spectrum_range=(49, 99),
            n_initial=3,
            acquisition=AcquisitionParams(mc_passes=16),
            surrogate=SurrogateSettings(
                filters=8, initial_steps=4, initial_error_steps=2, update_error_steps=2
            ),
            featuriser=FeaturiserSettings(filters=8, epochs=1),
        )

    def library(self) -> CandidateSet:
        return cube_library()

    def context_arrays(self, lib: CandidateSet, obs: Observations) -> dict:
        ok = np.all(np.isfinite(obs.Y), axis=1)  # a failed measurement left no spectrum
        return cube_arrays([int(i) for i in obs.ids[ok]])
