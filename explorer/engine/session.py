"""Starting a new run or resuming one: everything between a config file and a ready Runner.

A new run validates the whole config (library, initial points, instrument requirements) before the
run directory or the instrument exists. A resumed run rebuilds the campaign from `config.yaml` and
`events.jsonl` alone (explorer.engine.restore; a torn last line is moved aside and reported) and
continues where the log ends: pending suggestions first, with the same seeds, the same warm-start
state and the same instrument clock, so it makes exactly the decisions an uninterrupted run would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.config import CampaignConfig, parse_config
from explorer.engine.arming import arming_state, check_arming, recorded_arming
from explorer.engine.build import (
    build_campaign,
    build_instrument,
    build_objectives,
    build_stop,
    explicit_ref_point,
    initial_location_ids,
    resolved_config,
    validate_deep,
)
from explorer.engine.campaign import Campaign
from explorer.engine.events import (
    ArmingChanged,
    EventLog,
    RunResumed,
    RunStarted,
    Subscriber,
    WarningEvent,
    read_events,
)
from explorer.engine.integrity import check_run_dir
from explorer.engine.recovery import find_orphan, hardware_stale_owner, resume_warnings
from explorer.engine.restore import load_run_config, restore_campaign, retired_in_run
from explorer.engine.rundir import (
    EVENTS_FILE,
    LOCK_FILE,
    RunLock,
    check_writable,
    clean_stale_temporaries,
    create_run_dir,
    package_versions,
    update_latest_link,
    write_config,
)
from explorer.engine.runner import Runner, RunState
from explorer.engine.steering_loop import SteeringState
from explorer.engine.threads import ThreadChoice
from explorer.errors import InputFileError
from explorer.objectives import Objective, unit_from_data

#: builds one event-log subscriber of a run from its directory and config (None: not wanted)
SubscriberFactory = Callable[[Path, CampaignConfig], Subscriber | None]


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


def start_new(
    cfg: CampaignConfig,
    *,
    arm_hardware: bool = False,
    subscribers: Sequence[SubscriberFactory] = (),
    threads: ThreadChoice | None = None,
) -> Session:
    """Validate everything, create the run directory, write config + run_started.

    `subscribers` build the event-log subscribers of this run from its directory and config
    (the CLI passes the live report; a factory may return None to stay out). `threads`: the
    torch / BLAS thread choice the caller applied to this process, logged in run_started."""
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
        log.emit(_started(cfg, run_dir, campaign, instrument, versions, arming, threads))
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
    _subscribe(subscribers, cfg, run_dir, log)
    return Session(run_dir, cfg, runner, lock, log)


def _subscribe(
    factories: Sequence[SubscriberFactory], cfg: CampaignConfig, run_dir: Path, log: EventLog
) -> None:
    """Subscribe what the caller asked for (live report, dashboard) once the run directory and
    its log exist, before anything of the run itself is logged."""
    for factory in factories:
        subscriber = factory(run_dir, cfg)
        if subscriber is not None:
            log.subscribe(subscriber)


def run_started_event(
    cfg: CampaignConfig,
    run_dir: Path,
    campaign: Campaign,
    channels: tuple[str, ...],
    versions: dict[str, str],
    arming: str,
    threads: ThreadChoice | None = None,
    *,
    units: Mapping[str, str] | None = None,
) -> RunStarted:
    """The first event of a run. `units`: the units of the arrays and scalars the instrument
    serves, when it knows them (a replayed dataset); each objective then logs the `unit` they
    imply (explorer.objectives.unit_from_data)."""
    return RunStarted(
        run_id=run_dir.name,
        name=cfg.name,
        seed=cfg.seed,
        config=cfg.model_dump(mode="json", by_alias=True),
        versions=versions,
        channels=list(channels),
        objectives=[_objective_entry(o, units) for o in campaign.objectives],
        n_candidates=len(campaign.library),
        feature_names=list(campaign.library.feature_names),
        ref_point=explicit_ref_point(cfg),
        arming=arming,
        threads=threads.to_dict() if threads is not None else None,
        units=dict(units or {}),
    )


def _started(
    cfg: CampaignConfig,
    run_dir: Path,
    campaign: Campaign,
    instrument: Any,
    versions: dict[str, str],
    arming: str,
    threads: ThreadChoice | None,
) -> RunStarted:
    """`run_started` with the channels and units (when it reports them) of this instrument."""
    units = getattr(instrument, "units", None)
    return run_started_event(
        cfg, run_dir, campaign, instrument.channels, versions, arming, threads, units=units
    )


def _objective_entry(o: Objective, units: Mapping[str, str] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": o.name,
        "direction": o.direction,
        "source": o.source,
        "metric": o.metric,
    }
    unit = unit_from_data(o, units) if units else None
    if unit is not None:
        entry["unit"] = unit
    return entry


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
        recommend_every=cfg.output.recommend_every,
        measure_timeout_s=getattr(cfg.instrument, "measure_timeout_s", 600.0),
        steering=cfg.steering,
    )


def resume(
    run_dir: Path,
    *,
    max_points: int | None = None,
    arm_hardware: bool = False,
    change_arming: bool = False,
    subscribers: Sequence[SubscriberFactory] = (),
    threads: ThreadChoice | None = None,
) -> Session:
    """Reopen a run directory and continue the campaign from its log (`subscribers` and
    `threads` as for `start_new`; the thread choice of this process goes into run_resumed).

    Whatever a crash left is put right first (explorer.engine.recovery): temporary files removed, a
    torn last line moved aside, a measurement that was saved but not logged recovered from its
    raw file, a run killed while writing `run_started` started properly; each is logged.
    Anything else the log does not account for (raw files, journal visits; a raw file whose
    hash, location or suggestion disagrees with its event) refuses the resume with nothing
    changed (explorer.engine.integrity), and so does a change of arming state without
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
        campaign, st = restore_campaign(cfg, contents, run_dir, library=library)
        check_run_dir(run_dir, contents, action="resume")
        arming = arming_state(cfg, arm_hardware)
        recorded = recorded_arming(contents.events)
        changed = check_arming(recorded, arming, change_arming=change_arming, run_dir=run_dir)
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
            log.emit(_started(cfg, run_dir, campaign, instrument, versions, arming, threads))
        log.emit(
            RunResumed(
                n_measured=st.n_measured,
                pending=st.pending,
                torn_line=contents.torn_tail,
                versions=package_versions(),
                threads=threads.to_dict() if threads is not None else None,
            )
        )
        for warning in resume_warnings(
            removed, lock.stale_owner, contents.torn_tail, hardware_stale_owner(instrument, run_dir)
        ):
            log.emit(warning)
        for retired in retired_in_run(run_dir):
            log.emit(WarningEvent(message=retired.describe(), category="resume"))
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
            steering=SteeringState.from_replay(st.steering),
            gated=set(st.gated),
        )
        runner = _runner(cfg, run_dir, campaign, instrument, log, state)
        _subscribe(subscribers, cfg, run_dir, log)
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
    "SubscriberFactory",
    "apply_overrides",
    "build_objectives",
    "resume",
    "start_new",
]
