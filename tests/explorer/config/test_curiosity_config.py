"""The curiosity strategy section: spectrum keys and ranges are checked, and a build maps the
paper's parameters and the network schedule onto the strategy."""

from __future__ import annotations

import pydantic
import pytest

from explorer.config.curiosity_config import CuriosityConfig
from explorer.config.strategy_build import StrategyBuild
from explorer.strategies.curiosity import CuriosityStrategy


def _cfg(**kw: object) -> CuriosityConfig:
    return CuriosityConfig.model_validate({"kind": "curiosity", "spectrum": "beps.amp", **kw})


def test_build_maps_acquisition_and_models() -> None:
    cfg = _cfg(
        spectrum_range=[49, 99],
        lam=1.5,
        top_k=4,
        sigma=2.0,
        models={"filters": 8, "featuriser_epochs": 2, "initial_steps": 5},
    )
    s = cfg.build(StrategyBuild(("error",)))
    assert isinstance(s, CuriosityStrategy)
    assert s.spectrum == "beps.amp" and s.spectrum_range == (49, 99)
    assert (s.acquisition.lam, s.acquisition.top_k, s.acquisition.sigma) == (1.5, 4, 2.0)
    assert s.surrogate.filters == 8 and s.surrogate.initial_steps == 5
    assert s.featuriser.filters == 8 and s.featuriser.epochs == 2


def test_defaults_are_the_papers() -> None:
    s = _cfg().build(StrategyBuild(("error",)))
    assert s.n_initial == 31
    assert (s.acquisition.lam, s.acquisition.top_k, s.acquisition.epsilon) == (2.0, 10, 0.1)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"spectrum": "amp"}, "pattern"),
        ({"spectrum_range": [99, 49]}, "start < stop"),
        ({"n_initial": 1}, "greater than or equal to 2"),
        ({"epsilon": 1.5}, "less than or equal to 1"),
    ],
)
def test_bad_values_are_refused_with_the_reason(override, needle) -> None:
    with pytest.raises(pydantic.ValidationError, match=needle):
        _cfg(**override)
