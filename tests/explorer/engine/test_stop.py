"""Stop rules are pure functions of observations and instrument time."""

from __future__ import annotations

import numpy as np

from explorer.config import StopConfig
from explorer.engine.stop import RunProgress, build_stop_rules, first_reason
from explorer.objectives import Objective
from explorer.observations import Observations

OBJ = (Objective("h", "sspfm", "loop_height", "maximize"),)
VC = (Objective("vc", "sspfm", "coercive_bias", "minimize"),)


def _obs(values: list[float], names: tuple[str, ...] = ("h",)) -> Observations:
    obs = Observations.empty(1, names)
    for k, v in enumerate(values):
        obs = obs.append(k, np.array([k / 10]), np.array([v]), (float(k), 0.0))
    return obs


def _reason(cfg: dict, values: list[float], hours: float = 0.0, objectives=OBJ) -> str | None:
    rules = build_stop_rules(StopConfig(**cfg), objectives)
    return first_reason(rules, RunProgress(_obs(values, (objectives[0].name,)), hours * 3600))


def test_max_points_and_hours() -> None:
    assert _reason({"max_points": 3}, [1, 2]) is None
    assert "max_points" in _reason({"max_points": 3}, [1, 2, 3])
    assert "max_hours" in _reason({"max_hours": 1.0}, [1], hours=1.01)
    assert _reason({"max_hours": 1.0}, [1], hours=0.5) is None


def test_target_respects_direction() -> None:
    assert "target" in _reason({"target": {"h": 5.0}}, [1, 6])
    assert _reason({"target": {"h": 5.0}}, [1, 4]) is None
    # minimised objective: internal values are negated, the target is in user units
    assert "target" in _reason({"target": {"vc": 2.0}}, [-3.0, -1.5], objectives=VC)
    assert _reason({"target": {"vc": 2.0}}, [-3.0, -2.5], objectives=VC) is None


def test_no_improvement() -> None:
    cfg = {"no_improvement": {"steps": 3, "min_delta": 0.0}}
    assert _reason(cfg, [1, 2, 3, 4]) is None
    assert "no improvement" in _reason(cfg, [1, 5, 4, 3, 2])
    assert _reason(cfg, [1, 5, 4, 3, 6]) is None
    assert _reason({"no_improvement": {"steps": 2, "min_delta": 0.5}}, [1, 10, 12, 13]) is not None


def test_nan_values_do_not_count() -> None:
    assert _reason({"target": {"h": 5.0}}, [float("nan"), 1.0]) is None
