"""Starting a new run or resuming one: everything between a config file and a ready Runner.

A new run validates the whole config (library, initial points, instrument requirements) before
the run directory or the instrument exists. A resumed run rebuilds the campaign from
`config.yaml` and `events.jsonl` alone (a torn last line is moved aside and reported) and
continues where the log ends: pending suggestions first, with the same seeds, the same warm-start
state and the same instrument clock, so it makes exactly the decisions an uninterrupted run would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.build import (
    build_campaign,
    build_instrument,
    build_objectives,
    build_stop,
    explicit_ref_point,
    initial_location_ids,
    resolved_config,
    validate_deep,
)
from explorer.campaign import Campaign
from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.errors import InputFileError, RunDirError
from explorer.events import (
    EventLog,
    LogContents,
    Measured,
    QueueTaken,
    RefPointChosen,
    RunResumed,
    RunStarted,
    Suggested,
    Voted,
    WarningEvent,
)
from explorer.rundir import (
    CONFIG_FILE,
    EVENTS_FILE,
    RunLock,
    check_writable,
    create_run_dir,
    is_run_dir,
    load_raw,
    package_versions,
    update_latest_link,
    write_config,
)
from explorer.runner import Runner, RunState


@dataclass
class Session:
    """A ready-to-run campaign and the resources it holds (release with close())."""

    run_dir: Path
    config: CampaignConfig
    runner: Runner
    lock: RunLock
    log: EventLog

    def close(self) -> None:
        self.log.close()
        self.lock.release()


def apply_overrides(
    cfg: CampaignConfig,
    *,
    max_points: int | None = None,
    seed: int | None = None,
    out: Path | None = None,
) -> CampaignConfig:
    """CLI overrides, re-validated through the schema."""
    data: dict[str, Any] = cfg.model_dump(mode="json", by_alias=True)
    if max_points is not None:
        data["stop"]["max_points"] = max_points
    if seed is not None:
        data["seed"] = seed
    if out is not None:
        data["output"]["dir"] = str(out)
    return parse_config(data, source="command line")


def start_new(cfg: CampaignConfig, *, arm_hardware: bool = False) -> Session:
    """Validate everything, create the run directory, write config + run_started."""
    library = validate_deep(cfg)  # raises ConfigError before anything exists
    campaign = build_campaign(cfg, library)
    initial_ids = initial_location_ids(cfg, library)
    run_dir = create_run_dir(cfg.output.dir, cfg.name)
    lock = RunLock(run_dir / ".lock").acquire()
    try:
        check_writable(run_dir)
        versions = package_versions()
        write_config(run_dir, resolved_config(cfg, versions))
        log = EventLog(run_dir / EVENTS_FILE)
        instrument = build_instrument(cfg, run_dir=run_dir, arm_hardware=arm_hardware)
        log.emit(_run_started(cfg, run_dir, campaign, instrument.channels, versions))
    except BaseException:
        lock.release()
        raise
    update_latest_link(run_dir)
    state = RunState(initial_ids, ref_point=explicit_ref_point(cfg))
    runner = _runner(cfg, run_dir, campaign, instrument, log, state)
    _subscribe_outputs(cfg, run_dir, log)
    return Session(run_dir, cfg, runner, lock, log)


def _subscribe_outputs(cfg: CampaignConfig, run_dir: Path, log: EventLog) -> None:
    """Event-log subscribers that write outputs while the run goes on (live report)."""
    if cfg.output.live_report:
        from explorer.live_report import LiveReport  # imports matplotlib only when it renders

        log.subscribe(LiveReport(run_dir))


def _run_started(
    cfg: CampaignConfig,
    run_dir: Path,
    campaign: Campaign,
    channels: tuple[str, ...],
    versions: dict[str, str],
) -> RunStarted:
    return RunStarted(
        run_id=run_dir.name,
        name=cfg.name,
        seed=cfg.seed,
        config=cfg.model_dump(mode="json", by_alias=True),
        versions=versions,
        channels=list(channels),
        objectives=[
            {"name": o.name, "direction": o.direction, "source": o.source, "metric": o.metric}
            for o in campaign.objectives
        ],
        n_candidates=len(campaign.library),
        feature_names=list(campaign.library.feature_names),
        ref_point=explicit_ref_point(cfg),
    )


def _runner(
    cfg: CampaignConfig,
    run_dir: Path,
    campaign: Campaign,
    instrument: Any,
    log: EventLog,
    state: RunState,
) -> Runner:
    return Runner(
        run_dir,
        campaign,
        instrument,
        log,
        build_stop(cfg, campaign.objectives),
        state,
        batch_size=cfg.batch_size,
        strict=cfg.output.strict,
        measure_timeout_s=getattr(cfg.instrument, "measure_timeout_s", 600.0),
    )


def load_run_config(run_dir: Path) -> CampaignConfig:
    """The resolved config stored in a run directory."""
    if not is_run_dir(run_dir):
        raise RunDirError(f"{run_dir} is not a run directory (no {CONFIG_FILE} + {EVENTS_FILE})")
    data = read_yaml(run_dir / CONFIG_FILE)
    if isinstance(data, dict):
        data.pop("_resolved", None)
    return parse_config(data, source=str(run_dir / CONFIG_FILE))


@dataclass(frozen=True)
class ReplayedState:
    """What the event log says about a run so far."""

    n_measured: int
    pending: list[int]
    instrument_time_s: float
    queue_consumed: int
    last_xy_mm: tuple[float, float] | None
    ref_point: dict[str, float] | None = None
    votes_consumed: int = 0


def replay_into(
    campaign: Campaign, contents: LogContents, run_dir: Path | None = None
) -> ReplayedState:
    """Rebuild a campaign's observations, pending set and warm-start state from events; the
    raw arrays its strategy requires are reloaded from `run_dir`/raw (when given)."""
    needed = campaign.required_arrays if run_dir is not None else ()
    suggested: dict[int, Suggested] = {}
    measured: set[int] = set()
    time_s, consumed, last_xy, votes_consumed = 0.0, 0, None, 0
    ref: dict[str, float] | None = None
    for ev in contents.events:
        if isinstance(ev, RunStarted | RefPointChosen) and ev.ref_point is not None:
            ref = dict(ev.ref_point)
        if isinstance(ev, Suggested):
            suggested[ev.location_id] = ev
            if ev.model_state:
                campaign.warm_start = ev.model_state
        elif isinstance(ev, Measured):
            arrays = load_raw(run_dir, ev.raw) if needed and ev.raw and run_dir else None
            values = {**ev.objectives, **ev.outcomes}
            campaign.record(ev.location_id, values, (ev.x_mm, ev.y_mm), arrays)
            measured.add(ev.location_id)
            time_s, last_xy = ev.instrument_time_s, (ev.x_mm, ev.y_mm)
        elif isinstance(ev, QueueTaken):
            consumed = max(consumed, ev.line)
        elif isinstance(ev, Voted):
            votes_consumed = max(votes_consumed, ev.line)
            if ev.accepted and ev.location_id is not None and ev.vote in (1, -1):
                campaign.votes[ev.location_id] = ev.vote
    pending = [i for i in suggested if i not in measured]
    for lid in pending:
        campaign.propose(lid, suggested[lid].strategy)
    return ReplayedState(len(measured), pending, time_s, consumed, last_xy, ref, votes_consumed)


def resume(run_dir: Path, *, max_points: int | None = None, arm_hardware: bool = False) -> Session:
    """Reopen a run directory and continue the campaign from its log."""
    cfg = load_run_config(run_dir)
    if max_points is not None:
        cfg = apply_overrides(cfg, max_points=max_points)
    lock = RunLock(run_dir / ".lock").acquire()
    try:
        library = validate_deep(cfg)
        check_writable(run_dir)
        log, contents = EventLog.append_to(run_dir / EVENTS_FILE)
        if not contents.events or not isinstance(contents.events[0], RunStarted):
            raise InputFileError(f"{run_dir / EVENTS_FILE}: first event is not run_started")
        campaign = build_campaign(cfg, library)
        st = replay_into(campaign, contents, run_dir)
        instrument = build_instrument(
            cfg,
            prior_measurements=st.n_measured,
            start_time_s=st.instrument_time_s,
            start_xy_mm=st.last_xy_mm,
            run_dir=run_dir,
            arm_hardware=arm_hardware,
        )
        log.emit(
            RunResumed(
                n_measured=st.n_measured,
                pending=st.pending,
                torn_line=contents.torn_tail,
                versions=package_versions(),
            )
        )
        if contents.torn_tail is not None:
            log.emit(
                WarningEvent(
                    message="the last line of events.jsonl was torn by a crash; it was "
                    "moved to events.torn-*.txt and ignored",
                    category="resume",
                )
            )
    except BaseException:
        lock.release()
        raise
    state = RunState(
        initial_location_ids(cfg, library),
        list(st.pending),
        st.queue_consumed,
        st.instrument_time_s,
        st.ref_point,
        st.votes_consumed,
    )
    runner = _runner(cfg, run_dir, campaign, instrument, log, state)
    _subscribe_outputs(cfg, run_dir, log)
    return Session(run_dir, cfg, runner, lock, log)


__all__ = [
    "Session",
    "apply_overrides",
    "build_objectives",
    "load_run_config",
    "resume",
    "start_new",
]
