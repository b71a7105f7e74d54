"""Campaign ask/tell bookkeeping."""

from __future__ import annotations

import time

import pytest

from explorer.config import parse_config
from explorer.engine.build import build_campaign, validate_deep
from explorer.engine.campaign import Campaign
from explorer.errors import NoCandidatesLeftError, StrategyError


def _campaign(make_config, **kw) -> Campaign:
    cfg = parse_config(make_config(**kw))
    return build_campaign(cfg, validate_deep(cfg))


def test_ask_marks_pending_and_tell_records(make_config) -> None:
    c = _campaign(make_config, strategy={"kind": "sobol"})
    (s,) = c.ask()
    assert s.location_id in c.pending and c.step == 1
    c.record(s.location_id, {"loop_height": 3.0}, (0.0, 0.0))
    assert not c.pending and len(c.observations) == 1
    batch = c.ask(4)
    assert len({b.location_id for b in batch}) == 4 and s.location_id not in {
        b.location_id for b in batch
    }


def test_propose_refuses_measured_or_unknown(make_config) -> None:
    c = _campaign(make_config)
    c.propose(3, "queue")
    with pytest.raises(StrategyError, match="already"):
        c.propose(3, "queue")
    with pytest.raises(StrategyError, match="not in the library"):
        c.propose(10_000, "queue")


def test_exhausted_library(make_config) -> None:
    c = _campaign(
        make_config,
        stop={"max_points": 2},
        library={
            "kind": "grid",
            "x_mm": [0, 1],
            "y_mm": [0, 1],
            "shape": [2, 1],
            "composition": {"kind": "linear", "element": "Sm", "range": [0, 0.2]},
        },
    )
    for s in c.ask(2):
        c.record(s.location_id, {"loop_height": 1.0}, (0.0, 0.0))
    with pytest.raises(NoCandidatesLeftError):
        c.ask()


def test_minimised_objective_is_negated_internally(make_config) -> None:
    c = _campaign(
        make_config,
        objectives=[
            {"name": "vc", "from": "sspfm", "metric": "coercive_bias", "direction": "minimize"}
        ],
    )
    c.record(0, {"vc": 2.5}, (0.0, 0.0))
    assert c.observations.Y[0, 0] == -2.5


class _Waiting:
    """A strategy that waits (no CPU) before the real one decides."""

    def __init__(self, inner, wait_s: float) -> None:
        self.inner, self.wait_s = inner, wait_s

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def suggest(self, *args, **kwargs):
        time.sleep(self.wait_s)
        return self.inner.suggest(*args, **kwargs)


def test_ask_times_a_decision_in_wall_and_cpu_seconds(make_config) -> None:
    c = _campaign(make_config, strategy={"kind": "sobol"})
    c.strategy = _Waiting(c.strategy, 0.3)
    c.ask()
    assert c.last_decision_s >= 0.3  # waiting counts on the wall clock
    assert 0.0 <= c.last_decision_cpu_s < 0.2  # but needs no CPU
