"""A run's preparation: computed once before the first measurement, saved in the run directory
under the strategy's key, handed to every decision, logged, and reused by a resume."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.config import parse_config
from explorer.engine.build import build_campaign, validate_deep
from explorer.engine.campaign import Campaign
from explorer.engine.events import Prepared, Suggested, read_events
from explorer.engine.preparation import (
    load_preparation,
    needs_preparation,
    prepare_campaign,
    prepared_file,
    save_preparation,
)
from explorer.engine.session import resume, start_new
from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import Preparation, SuggestContext, Suggestion, preparable
from explorer.strategies.space_filling import RandomStrategy


@dataclass(frozen=True)
class CentredRandom:
    """Random picks; prepares the library's feature means (a real computation from the
    library alone) and records, per decision, whether the preparation reached it."""

    name: str = "centred_random"
    calls: list[int] = field(default_factory=list, compare=False)
    seen: list[bool] = field(default_factory=list, compare=False)

    def preparation_key(
        self, library: CandidateSet, seed: int, budget: int | None = None
    ) -> str | None:
        if budget is not None and budget < 2:
            return None  # a run this short never uses it
        return f"{len(library)}-{seed}-{float(library.features.sum()):.6g}"

    def prepare(self, library: CandidateSet, seed: int) -> Preparation:
        self.calls.append(seed)
        means = library.features.mean(axis=0)
        return Preparation(
            f"{len(library)}-{seed}-{float(library.features.sum()):.6g}",
            {"means": means},
            "means",
            "feature means",
        )

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        prep = ctx.prepared if ctx is not None else None
        self.seen.append(prep is not None and "means" in prep.arrays)
        return RandomStrategy().suggest(candidates, observations, n, rng, ctx)


def _campaign(make_config) -> Campaign:
    cfg = parse_config(make_config())
    campaign = build_campaign(cfg, validate_deep(cfg))
    campaign.strategy = CentredRandom()
    return campaign


def test_a_preparation_file_round_trips_and_refuses_another_key(tmp_path: Path) -> None:
    prep = Preparation("k1", {"ids": np.arange(4), "f": np.ones((4, 3), np.float32)}, "s", "sum")
    path = tmp_path / "prepared" / "x-k1.npz"
    save_preparation(path, prep)
    back = load_preparation(path, "k1")
    assert back is not None and (back.key, back.settings, back.summary) == ("k1", "s", "sum")
    assert sorted(back.arrays) == ["f", "ids"]
    np.testing.assert_array_equal(back.arrays["f"], prep.arrays["f"])
    assert load_preparation(path, "k2") is None
    path.write_bytes(b"not a zip file")
    assert load_preparation(path, "k1") is None
    assert load_preparation(tmp_path / "missing.npz", "k1") is None


def test_prepare_campaign_computes_once_saves_and_reuses(tmp_path: Path, make_config) -> None:
    campaign = _campaign(make_config)
    assert preparable(campaign.strategy) and needs_preparation(campaign)
    assert not preparable(RandomStrategy())
    event = prepare_campaign(campaign, tmp_path)
    assert isinstance(event, Prepared) and not event.reused and event.summary == "feature means"
    assert event.wall_s >= 0 and (tmp_path / event.file).is_file()
    assert prepare_campaign(campaign, tmp_path) is None  # prepared already
    short = _campaign(make_config)
    short.budget = 1
    assert not needs_preparation(short) and prepare_campaign(short, tmp_path) is None
    assert campaign.context().prepared is campaign.prepared
    again = _campaign(make_config)  # a resumed process: loads the file, computes nothing
    reused = prepare_campaign(again, tmp_path)
    assert reused is not None and reused.reused and reused.key == event.key
    assert again.strategy.calls == []  # type: ignore[attr-defined]
    assert again.prepared is not None and campaign.prepared is not None
    np.testing.assert_array_equal(again.prepared.arrays["means"], campaign.prepared.arrays["means"])
    path = prepared_file(tmp_path, "centred_random", event.key)
    path.write_bytes(b"damaged")
    third = _campaign(make_config)
    redone = prepare_campaign(third, tmp_path)
    assert redone is not None and not redone.reused
    assert third.prepared is not None
    np.testing.assert_array_equal(third.prepared.arrays["means"], campaign.prepared.arrays["means"])


def test_a_run_prepares_first_every_decision_sees_it_and_resume_reuses_it(make_config) -> None:
    points = 4
    session = start_new(parse_config(make_config(stop={"max_points": points})))
    strategy = CentredRandom()
    session.runner.campaign.strategy = strategy
    try:
        session.runner.run()
    finally:
        session.close()
    events = read_events(session.run_dir / "events.jsonl").events
    kinds = [e.type for e in events]
    assert kinds[:2] == ["run_started", "prepared"]
    assert strategy.calls and all(strategy.seen)
    chosen = [e for e in events if isinstance(e, Suggested) and e.origin == "strategy"]
    assert len(strategy.seen) == len(chosen) == points
    # more points on resume: the preparation comes back from its file
    again = resume(session.run_dir, max_points=points + 2)
    resumed = CentredRandom()
    again.runner.campaign.strategy = resumed
    try:
        again.runner.run()
    finally:
        again.close()
    events = read_events(session.run_dir / "events.jsonl").events
    preps = [e for e in events if isinstance(e, Prepared)]
    assert [p.reused for p in preps] == [False, True] and resumed.calls == []
    assert resumed.seen and all(resumed.seen)


def test_two_phase_and_exclude_forward_their_parts_preparation(make_config) -> None:
    from explorer.strategies.composite import TwoPhaseStrategy
    from explorer.strategies.exclude import ExcludeRegionsStrategy

    cfg = parse_config(make_config(strategy={"kind": "random"}, stop={"max_points": 6}))
    library = validate_deep(cfg)
    inner = CentredRandom()
    two = TwoPhaseStrategy(RandomStrategy(), 3, inner)
    assert preparable(two) and two.preparation_key(library, 5, 6) == inner.preparation_key(
        library, 5, 6
    )
    assert two.preparation_key(library, 5, 3) is None  # the run ends in the initial phase
    prep = two.prepare(library, 5)
    assert inner.calls == [5] and "means" in prep.arrays
    first = TwoPhaseStrategy(CentredRandom(), 3, RandomStrategy())
    assert first.preparation_key(library, 5, 3) is not None  # the initial phase's own
    plain = TwoPhaseStrategy(RandomStrategy(), 3, RandomStrategy())
    assert plain.preparation_key(library, 5, None) is None
    wrapped = ExcludeRegionsStrategy(inner, ())
    assert wrapped.preparation_key(library, 5) == inner.preparation_key(library, 5)
    assert ExcludeRegionsStrategy(RandomStrategy(), ()).preparation_key(library, 5) is None
