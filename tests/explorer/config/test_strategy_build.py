"""StrategyBuild.sign: -1 only for objectives the campaign minimises; outcomes and campaigns
without directions are maximised."""

from __future__ import annotations

from explorer.config.strategy_build import StrategyBuild


def test_minimised_objectives_are_negated() -> None:
    build = StrategyBuild(("height", "coercive"), ("maximize", "minimize"))
    assert build.sign("height") == 1.0
    assert build.sign("coercive") == -1.0


def test_outcomes_and_undirected_campaigns_keep_their_sign() -> None:
    assert StrategyBuild(("height",), ("minimize",)).sign("imprint") == 1.0
    assert StrategyBuild(("height",)).sign("height") == 1.0
