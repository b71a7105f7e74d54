"""`explorer recover RUN_DIR`: make a run whose log lost entries resumable again, deleting
nothing and moving no hardware.

Under the run lock, in this order:

1. A torn last line of events.jsonl is moved to events.torn-N.txt (as resume does).
2. An empty log gets its `run_started` back from config.yaml (arming from the journal).
3. Raw files of logged measurements that are missing, damaged or changed are moved to
   RUN_DIR/unaccounted-<UTC time>/ (kept byte for byte) and listed as lost: the logged values
   stay, the arrays are gone. A log that contradicts an intact raw file (an edited location
   id or suggestion) is refused: recover cannot tell which side is right, so restore the log.
4. Raw files the log does not mention are logged again in index order from
   raw/<number measured>.npz: each complete measurement of a library location not yet
   measured gets a `suggested` event (origin `recovered`, unless it is pending already) and a
   `measured` event reduced from its arrays by the campaign's objectives, with its hash.
   The rest (after a gap, unreadable, a location measured already) is moved aside.
5. One `recovered` event lists what was rebuilt, moved aside and lost, and the journal visits
   nothing explains; resume then accepts the run directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from explorer.engine.arming import arming_state
from explorer.engine.build import build_campaign, validate_deep
from explorer.engine.campaign import Campaign
from explorer.engine.events import (
    Event,
    EventLog,
    Measured,
    Recovered,
    Suggested,
    WarningEvent,
    read_events,
    repair_torn_tail,
)
from explorer.engine.integrity import (
    Finding,
    account,
    file_sha256,
    refusal,
    verify_measured,
)
from explorer.engine.restore import load_run_config, replay_into
from explorer.engine.rundir import (
    EVENTS_FILE,
    LOCK_FILE,
    RunLock,
    load_measurement,
    package_versions,
    raw_name,
)
from explorer.engine.session import run_started_event
from explorer.errors import HardwareError, RunDirError, UnaccountedDataError
from hardware.journal import JOURNAL_FILE, read_journal
from hardware.protocols import Measurement


@dataclass
class RecoveryReport:
    """What recover did (also logged as one `recovered` event)."""

    run_dir: Path
    torn_line: str | None = None
    started_again: bool = False
    rebuilt: list[int] = field(default_factory=list)
    moved_aside: list[str] = field(default_factory=list)
    aside_dir: str = ""
    raw_lost: list[str] = field(default_factory=list)
    visits_without_data: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.torn_line or self.started_again or self.rebuilt or self.moved_aside
        ) or bool(self.raw_lost or self.visits_without_data)


def recover(run_dir: Path) -> RecoveryReport:
    """Rebuild what the raw files carry, move aside what they do not (see the module doc)."""
    cfg = load_run_config(run_dir)
    with RunLock(run_dir / LOCK_FILE):
        library = validate_deep(cfg)
        contents = read_events(run_dir / EVENTS_FILE)
        _refuse_edited_log(run_dir, contents.events)
        report = RecoveryReport(run_dir, torn_line=repair_torn_tail(run_dir / EVENTS_FILE))
        contents = read_events(run_dir / EVENTS_FILE)
        report.aside_dir = f"unaccounted-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
        for finding in verify_measured(run_dir, contents.events):
            report.raw_lost.append(finding.path)
            _move_aside(run_dir, finding.path, report)
        campaign = build_campaign(cfg, library)
        st = replay_into(campaign, contents, None)
        with EventLog(run_dir / EVENTS_FILE, next_seq=len(contents.events), new=False) as log:
            if not contents.events:
                arming = arming_state(cfg, _journal_armed(run_dir))
                channels = _channels(run_dir)
                log.emit(
                    run_started_event(cfg, run_dir, campaign, channels, package_versions(), arming)
                )
                report.started_again = True
            _rebuild(run_dir, campaign, log, st.instrument_time_s, report)
            after = read_events(run_dir / EVENTS_FILE)
            for f in account(run_dir, after):
                if f.path == JOURNAL_FILE:
                    report.visits_without_data = _unexplained_visits(run_dir, after.events)
                else:
                    _move_aside(run_dir, f.path, report)
            if report.changed:
                log.emit(_event(report))
    return report


def _refuse_edited_log(run_dir: Path, events: list[Event]) -> None:
    """UnaccountedDataError when the log contradicts an intact raw file: the raw file has the
    hash its event logged (or none was logged) but another location, or the event answers a
    suggestion of another location."""
    edited: list[Finding] = [
        f
        for f in verify_measured(run_dir, events)
        if f.path == EVENTS_FILE or "holds location" in f.problem  # hash matched, id did not
    ]
    if edited:
        raise UnaccountedDataError(
            refusal(run_dir, edited, "recover").replace(
                f"`explorer recover {run_dir}` rebuilds the log from the raw files and moves "
                "aside what it cannot account for (it deletes nothing)",
                "the log contradicts intact raw files (edited?), so recover cannot tell which "
                "is right: restore events.jsonl from its original or a copy",
            )
        )


def _rebuild(
    run_dir: Path, campaign: Campaign, log: EventLog, time_s: float, report: RecoveryReport
) -> None:
    """Log the raw files from raw/<n measured>.npz on, in order, while each is complete."""
    named = {e.raw for e in read_events(run_dir / EVENTS_FILE).of_type(Measured)}
    while (rel := raw_name(len(campaign.observations))) not in named:
        if not (run_dir / rel).is_file():
            return
        try:
            m = load_measurement(run_dir, rel)
        except RunDirError:
            return
        if not campaign.library.contains(m.location_id):
            return
        if m.location_id not in campaign.pending and m.location_id in campaign.observations.ids:
            return
        try:
            time_s = _log_one(run_dir, campaign, log, m, rel, time_s)
        except HardwareError:  # a structural problem with the measurement: moved aside
            return
        report.rebuilt.append(m.location_id)
        named.add(rel)


def _log_one(
    run_dir: Path, campaign: Campaign, log: EventLog, m: Measurement, rel: str, time_s: float
) -> float:
    lid = m.location_id
    seq = _pending_seq(run_dir, lid) if lid in campaign.pending else None
    s = campaign.pending[lid] if lid in campaign.pending else campaign.propose(lid, "recovered")
    index = len(campaign.observations)
    values = campaign.tell(s, m)
    if seq is None:
        x, y = campaign.library.position_of(lid)
        ev = Suggested(step=index, location_id=lid, x_mm=x, y_mm=y, strategy="recovered")
        seq = log.emit(ev).seq
    time_s += m.duration_s
    names = campaign.objective_names
    log.emit(
        Measured(
            step=index,
            location_id=lid,
            x_mm=m.x_mm,
            y_mm=m.y_mm,
            objectives={k: v for k, v in values.items() if k in names},
            outcomes={k: v for k, v in values.items() if k not in names},
            raw=rel,
            durations_s=dict(m.durations_s),
            duration_s=m.duration_s,
            instrument_time_s=time_s,
            scalars=dict(m.scalars),
            raw_sha256=file_sha256(run_dir / rel),
            suggestion_seq=seq,
        )
    )
    log.emit(
        WarningEvent(
            message=f"location {lid} rebuilt from {rel} by explorer recover (the log had lost "
            "its entry)",
            category="recovered",
            location_id=lid,
        )
    )
    return time_s


def _pending_seq(run_dir: Path, location_id: int) -> int:
    sugg = read_events(run_dir / EVENTS_FILE).of_type(Suggested)
    return max(e.seq for e in sugg if e.location_id == location_id)


def _move_aside(run_dir: Path, rel: str, report: RecoveryReport) -> None:
    """Move one file under the aside directory, keeping its relative path (never replacing)."""
    src = run_dir / rel
    if not src.is_file():
        return
    dest = run_dir / report.aside_dir / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        raise RunDirError(f"{dest} exists already; nothing else was moved")
    os.rename(src, dest)
    report.moved_aside.append(rel)


def _unexplained_visits(run_dir: Path, events: list[Event]) -> list[int]:
    ids = {e.location_id for e in events if isinstance(e, Suggested | Measured)}
    records = read_journal(run_dir / JOURNAL_FILE)
    visits = [int(r["location_id"]) for r in records if r.get("kind") == "visit"]
    return [v for v in dict.fromkeys(visits) if v not in ids]


def _journal_armed(run_dir: Path) -> bool:
    path = run_dir / JOURNAL_FILE
    if not path.is_file():
        return False
    opens = [r for r in read_journal(path) if r.get("kind") == "open"]
    return bool(opens and opens[0].get("armed"))


def _channels(run_dir: Path) -> tuple[str, ...]:
    """Channel names of the first readable raw file ("sspfm.bias_v" -> "sspfm")."""
    for path in sorted(run_dir.glob("raw/*.npz")):
        try:
            m = load_measurement(run_dir, path.relative_to(run_dir).as_posix())
        except RunDirError:
            continue
        return tuple(dict.fromkeys(k.split(".", 1)[0] for k in m.arrays))
    return ()


def _event(report: RecoveryReport) -> Recovered:
    return Recovered(
        rebuilt=list(report.rebuilt),
        moved_aside=list(report.moved_aside),
        aside_dir=report.aside_dir if report.moved_aside else "",
        raw_lost=list(report.raw_lost),
        visits_without_data=list(report.visits_without_data),
    )


__all__ = ["RecoveryReport", "recover"]
