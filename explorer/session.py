"""Starting a new run or resuming one: everything between a config file and a ready Runner.

A new run validates the whole config (library, initial points, instrument requirements) before
the run directory or the instrument exists. A resumed run rebuilds the campaign from
`config.yaml` and `events.jsonl` alone (a torn last line is moved aside and reported) and
continues where the log ends: pending suggestions first, with the same seeds, the same warm-start
state and the same instrument clock, so it makes exactly the decisions an uninterrupted run would.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.arming import arming_state, check_arming, recorded_arming
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
from explorer.errors import EventLogError, InputFileError, RunDirError
from explorer.events import (
    ArmingChanged,
    EventLog,
    FrontUpdated,
    LogContents,
    Measured,
    QueueTaken,
    RefPointChosen,
    RunResumed,
    RunStarted,
    Suggested,
    Voted,
    read_events,
)
from explorer.integrity import check_run_dir
from explorer.recovery import find_orphan, hardware_stale_owner, resume_warnings
from explorer.rundir import (
    CONFIG_FILE,
    EVENTS_FILE,
    LOCK_FILE,
    RunLock,
    check_writable,
    clean_stale_temporaries,
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
    lock = RunLock(run_dir / LOCK_FILE).acquire()
    instrument: Any = None
    log: EventLog | None = None
    try:
        check_writable(run_dir, then="run again", where=cfg.output.dir)
        versions = package_versions()
        write_config(run_dir, resolved_config(cfg, versions))
        log = EventLog(run_dir / EVENTS_FILE)
        instrument = build_instrument(cfg, run_dir=run_dir, arm_hardware=arm_hardware)
        arming = arming_state(cfg, arm_hardware)
        log.emit(run_started_event(cfg, run_dir, campaign, instrument.channels, versions, arming))
        for warning in resume_warnings([], None, None, hardware_stale_owner(instrument, run_dir)):
            log.emit(warning)
    except BaseException:
        if instrument is not None:
            instrument.close()
        if log is not None:
            log.close()
        lock.release()
        # nothing ran: a refused start (hardware owned by another run, disk full) leaves no
        # half-made run directory behind
        shutil.rmtree(run_dir, ignore_errors=True)
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


def run_started_event(
    cfg: CampaignConfig,
    run_dir: Path,
    campaign: Campaign,
    channels: tuple[str, ...],
    versions: dict[str, str],
    arming: str,
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
        arming=arming,
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
    front_missing: bool = False  # the last `measured` has no `front_updated` (k >= 2)
    ref_point: dict[str, float] | None = None
    votes_consumed: int = 0
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
    pending = [i for i in suggested if i not in measured]
    for lid in pending:
        campaign.propose(lid, suggested[lid].strategy)
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
        {lid: suggested[lid].seq for lid in pending},
    )


def resume(
    run_dir: Path,
    *,
    max_points: int | None = None,
    arm_hardware: bool = False,
    change_arming: bool = False,
) -> Session:
    """Reopen a run directory and continue the campaign from its log.

    Whatever a crash left is put right first (explorer.recovery): temporary files removed, a
    torn last line moved aside, a measurement that was saved but not logged recovered from its
    raw file, a run killed while writing `run_started` started properly; each is logged.
    Anything else the log does not account for (raw files, journal visits; a raw file whose
    hash, location or suggestion disagrees with its event) refuses the resume with nothing
    changed (explorer.integrity), and so does a change of arming state without
    `change_arming`."""
    cfg = load_run_config(run_dir)
    if max_points is not None:
        cfg = apply_overrides(cfg, max_points=max_points)
    lock = RunLock(run_dir / LOCK_FILE).acquire()
    instrument: Any = None
    log: EventLog | None = None
    try:
        library = validate_deep(cfg)
        # everything is read and checked before anything in the run directory changes: a log
        # that cannot be resumed is refused with its file exactly as it was
        contents = read_events(run_dir / EVENTS_FILE)
        if contents.events and not isinstance(contents.events[0], RunStarted):
            raise InputFileError(f"{run_dir / EVENTS_FILE}: first event is not run_started")
        check_run_dir(run_dir, contents, action="resume")
        arming = arming_state(cfg, arm_hardware)
        recorded = recorded_arming(contents.events)
        changed = check_arming(recorded, arming, change_arming=change_arming, run_dir=run_dir)
        campaign = build_campaign(cfg, library)
        st = replay_into(campaign, contents, run_dir)
        orphan = find_orphan(run_dir, campaign, st.pending)
        m = orphan.measurement if orphan else None
        check_writable(run_dir)
        instrument = build_instrument(
            cfg,
            prior_measurements=st.n_measured + (m is not None),
            start_time_s=st.instrument_time_s + (m.duration_s if m else 0.0),
            start_xy_mm=(m.x_mm, m.y_mm) if m else st.last_xy_mm,
            run_dir=run_dir,
            arm_hardware=arm_hardware,
        )
        removed = clean_stale_temporaries(run_dir)
        log, contents = EventLog.append_to(run_dir / EVENTS_FILE)
        if not contents.events:  # killed while writing run_started: start it properly now
            versions = package_versions()
            log.emit(
                run_started_event(cfg, run_dir, campaign, instrument.channels, versions, arming)
            )
        log.emit(
            RunResumed(
                n_measured=st.n_measured,
                pending=st.pending,
                torn_line=contents.torn_tail,
                versions=package_versions(),
            )
        )
        for warning in resume_warnings(
            removed, lock.stale_owner, contents.torn_tail, hardware_stale_owner(instrument, run_dir)
        ):
            log.emit(warning)
        if changed:
            log.emit(ArmingChanged(previous=recorded, current=arming, step=st.n_measured))
        state = RunState(
            initial_location_ids(cfg, library),
            [i for i in st.pending if orphan is None or i != orphan.suggestion.location_id],
            st.queue_consumed,
            st.instrument_time_s,
            st.ref_point,
            votes_consumed=st.votes_consumed,
            suggestion_seqs=dict(st.suggestion_seqs),
        )
        runner = _runner(cfg, run_dir, campaign, instrument, log, state)
        _subscribe_outputs(cfg, run_dir, log)
        if orphan is not None:
            runner.recover(orphan.suggestion, orphan.measurement, orphan.raw)
        elif st.front_missing:
            runner.emit_front()
    except BaseException:
        if instrument is not None:
            instrument.close()
        if log is not None:
            log.close()
        lock.release()
        raise
    return Session(run_dir, cfg, runner, lock, log)


__all__ = [
    "Session",
    "apply_overrides",
    "build_objectives",
    "load_run_config",
    "resume",
    "start_new",
]
