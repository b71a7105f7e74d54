"""Strategy weights by dotted path, and what a log's `steered` events add up to."""

from __future__ import annotations

from explorer.engine.events import Steered
from explorer.engine.steering import (
    replay_steering,
    strategy_weights,
    weight_problem,
    with_weight,
)
from explorer.strategies.gp_bo import GPBOStrategy
from explorer.strategies.novelty import NoveltyStrategy


def test_weights_of_nested_strategies() -> None:
    gp = GPBOStrategy(acquisition="ucb", beta=4.0)
    assert strategy_weights(gp) == {"beta": 4.0, "xi": 0.0}
    assert with_weight(gp, "beta", 1.5).beta == 1.5
    nov = strategy_weights(NoveltyStrategy())
    assert nov["options.exploration_weight"] == 1.0
    changed = with_weight(NoveltyStrategy(), "options.exploration_weight", 0.3)
    assert changed.options.exploration_weight == 0.3
    assert "no weight 'gamma'" in str(weight_problem(gp, "gamma", 1.0))
    assert ">= 0" in str(weight_problem(gp, "beta", -1.0))


def test_replay_folds_accepted_actions_in_order() -> None:
    events = [
        Steered(action="veto", location_id=3, line=1),
        Steered(action="approve", location_id=4, line=2),
        Steered(action="weight", name="beta", value=2.0, line=3),
        Steered(action="weight", name="beta", value=9.0, line=4, accepted=False, error="x"),
        Steered(action="pause", line=5),
        Steered(action="awaiting", location_id=5, by="runner"),
        Steered(action="veto", location_id=5, by="timeout"),
    ]
    r = replay_steering(events)
    assert r.consumed == 5 and r.vetoed == {3, 5} and r.approved == {4}
    assert r.weights == (("beta", 2.0),) and r.paused
