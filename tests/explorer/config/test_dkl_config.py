"""The dkl_bo strategy section: bounded network settings, a Matérn nu the kernel supports,
and a build that picks the named objective and carries every option into the strategy."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.dkl_config import DKLBOConfig, DKLNetworkConfig
from explorer.config.strategy_build import StrategyBuild
from explorer.strategies.dkl_bo import DKLBOStrategy


def test_build_picks_the_named_objective_and_carries_the_network() -> None:
    cfg = DKLBOConfig.model_validate(
        {
            "kind": "dkl_bo",
            "objective": "area",
            "acquisition": "ucb",
            "beta": 2.0,
            "network": {"hidden": [8], "latent_dim": 3, "iters_cold": 20},
        }
    )
    strategy = cfg.build(StrategyBuild(("height", "area")))
    assert isinstance(strategy, DKLBOStrategy)
    assert strategy.acquisition == "ucb" and strategy.beta == 2.0
    assert strategy.objective_index == 1
    assert strategy.dkl.hidden == (8,) and strategy.dkl.latent_dim == 3


def test_unsupported_nu_and_out_of_range_settings_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"nu must be 0\.5, 1\.5 or 2\.5, got 2\.0"):
        DKLNetworkConfig(nu=2.0)
    with pytest.raises(pydantic.ValidationError):
        DKLNetworkConfig(hidden=[8, 8, 8, 8, 8])
    with pytest.raises(pydantic.ValidationError):
        DKLNetworkConfig(latent_dim=9)
