"""Restoring a campaign from a config and an event log, up to any step: the one place that does.

A resumed run, the posterior figures of a finished run and the tests all rebuild their campaign
here: the campaign is built from the config (`build_campaign`, with fresh generators derived from
the seed) and the logged events are replayed into it (`replay_into`), so it holds exactly the
observations, pending set, votes, vetoes, steered weights and warm-start state the run had after
those events, and makes exactly the decisions the uninterrupted run would have made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.config.retired_keys import RetiredValue, strip_retired
from explorer.engine.build import build_campaign, build_library, validate_deep
from explorer.engine.campaign import Campaign
from explorer.engine.events import (
    Event,
    FrontUpdated,
    LogContents,
    Measured,
    QueueTaken,
    RefPointChosen,
    RunStarted,
    Suggested,
    Voted,
    read_events,
)
from explorer.engine.rundir import CONFIG_FILE, EVENTS_FILE, is_run_dir, load_raw
from explorer.engine.steering import SteeringReplay, replay_steering, with_weight
from explorer.errors import EventLogError, RunDirError
from explorer.library import CandidateSet


def load_run_config(run_dir: Path) -> CampaignConfig:
    """The resolved config stored in a run directory (keys an earlier version recorded and
    this one has retired are left out: see `retired_in_run`)."""
    data, _ = _recorded_config(run_dir)
    return parse_config(data, source=str(run_dir / CONFIG_FILE))


def retired_in_run(run_dir: Path) -> list[RetiredValue]:
    """The retired keys a run directory's config.yaml holds (an earlier version wrote it)."""
    return _recorded_config(run_dir)[1]


def _recorded_config(run_dir: Path) -> tuple[Any, list[RetiredValue]]:
    if not is_run_dir(run_dir):
        raise RunDirError(f"{run_dir} is not a run directory (no {CONFIG_FILE} + {EVENTS_FILE})")
    data = read_yaml(run_dir / CONFIG_FILE)
    if isinstance(data, dict):
        data.pop("_resolved", None)
    return strip_retired(data)


@dataclass(frozen=True)
class ReplayedState:
    """What the event log says about a run so far."""

    n_measured: int
    pending: list[int]
    instrument_time_s: float
    queue_consumed: int
    last_xy_mm: tuple[float, float] | None
    front_missing: bool = False  # the last `measured` has no `front_updated` (k >= 2)
    ref_point: dict[str, float] | None = None
    votes_consumed: int = 0
    steering: SteeringReplay = field(default_factory=SteeringReplay)
    gated: tuple[int, ...] = ()  # pending strategy choices not yet approved
    suggestion_seqs: dict[int, int] = field(default_factory=dict)  # pending id -> its seq


def replay_into(
    campaign: Campaign, contents: LogContents, run_dir: Path | None = None
) -> ReplayedState:
    """Rebuild a campaign's observations, pending set and warm-start state from events; the
    raw arrays its strategy requires are reloaded from `run_dir`/raw (when given).

    Raises EventLogError (naming the event) when the log contradicts itself or the library:
    a location measured twice, or an id the library does not have."""
    needed = campaign.required_arrays if run_dir is not None else ()
    suggested: dict[int, Suggested] = {}
    measured: set[int] = set()
    time_s, consumed, last_xy, front_missing = 0.0, 0, None, False
    votes_consumed = 0
    ref: dict[str, float] | None = None
    for ev in contents.events:
        if isinstance(ev, Suggested | Measured) and not campaign.library.contains(ev.location_id):
            raise EventLogError(
                f"event {ev.seq} ({ev.type}): location {ev.location_id} is not in this run's "
                "library; the log does not belong to this config"
            )
        if isinstance(ev, RunStarted | RefPointChosen) and ev.ref_point is not None:
            ref = dict(ev.ref_point)
        if isinstance(ev, Suggested):
            suggested[ev.location_id] = ev
            if ev.model_state:
                campaign.warm_start = ev.model_state
        elif isinstance(ev, Measured):
            if ev.location_id in measured:
                raise EventLogError(
                    f"event {ev.seq} (measured): location {ev.location_id} is measured twice"
                )
            arrays = load_raw(run_dir, ev.raw) if needed and ev.raw and run_dir else None
            values = {**ev.objectives, **ev.outcomes}
            campaign.record(ev.location_id, values, (ev.x_mm, ev.y_mm), arrays)
            measured.add(ev.location_id)
            time_s, last_xy, front_missing = ev.instrument_time_s, (ev.x_mm, ev.y_mm), True
        elif isinstance(ev, FrontUpdated):
            front_missing = False
        elif isinstance(ev, QueueTaken):
            consumed = max(consumed, ev.line)
        elif isinstance(ev, Voted):
            votes_consumed = max(votes_consumed, ev.line)
            if ev.accepted and ev.location_id is not None and ev.vote in (1, -1):
                campaign.votes[ev.location_id] = ev.vote
    steer = replay_steering(contents.events)
    for path, value in steer.weights:
        campaign.strategy = with_weight(campaign.strategy, path, value)
    campaign.vetoed |= steer.vetoed - measured
    pending = [i for i in suggested if i not in measured and i not in steer.vetoed]
    for lid in pending:
        campaign.propose(lid, suggested[lid].strategy)
    gated = tuple(
        i for i in pending if suggested[i].origin == "strategy" and i not in steer.approved
    )
    multi = len(campaign.objectives) > 1
    return ReplayedState(
        len(measured),
        pending,
        time_s,
        consumed,
        last_xy,
        front_missing and multi,
        ref,
        votes_consumed,
        steer,
        gated,
        {lid: suggested[lid].seq for lid in pending},
    )


def restore_campaign(
    cfg: CampaignConfig,
    contents: LogContents,
    run_dir: Path | None = None,
    *,
    library: CandidateSet | None = None,
) -> tuple[Campaign, ReplayedState]:
    """The campaign of `cfg` after the events of `contents` (raw arrays from `run_dir`/raw when
    given), and what the log says about the run so far. `library` saves rebuilding a library
    the caller has already validated (`validate_deep` otherwise)."""
    campaign = build_campaign(cfg, library if library is not None else validate_deep(cfg))
    return campaign, replay_into(campaign, contents, run_dir)


def restore_run(run_dir: Path) -> Campaign:
    """A run directory's campaign from its config.yaml and events.jsonl alone."""
    cfg = load_run_config(run_dir)
    return restore_campaign(cfg, read_events(run_dir / EVENTS_FILE), run_dir)[0]


def logged_campaign(config: Mapping[str, Any]) -> Campaign:
    """A fresh campaign from the config logged in `run_started` (nothing replayed yet); raises
    ExplorerError when this build cannot rebuild it."""
    cfg = parse_config(dict(config), source="run_started config")
    return build_campaign(cfg, build_library(cfg))


def strategy_decision(events: Sequence[Event], step: int) -> int | None:
    """Index in `events` of the strategy's `suggested` event at decision `step`, if logged."""
    for i, e in enumerate(events):
        if isinstance(e, Suggested) and e.step == step and e.origin == "strategy":
            return i
    return None


def campaign_before(campaign: Campaign, events: Sequence[Event], upto: int | None) -> Campaign:
    """Replay the first `upto` events (all when None) into a fresh `campaign`: its state at
    the decision logged at index `upto`."""
    replay_into(campaign, LogContents(list(events if upto is None else events[:upto]), None))
    return campaign
