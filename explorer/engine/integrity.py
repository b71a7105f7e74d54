"""Does the event log account for everything in the run directory, and does the run directory
hold what the log says?

Two checks, run by `explorer resume` before anything changes and by `explorer plot` / `report`
before they read a measurement:

* **verify**: every `measured` event's raw file exists, is a readable measurement of the same
  location, has the sha256 the event logged, and answers the `suggested` event it names.
* **account**: every raw/*.npz is named by a `measured` event, and every location the hardware
  journal visited is measured or pending; an empty log means nothing may have been measured.
  One raw file is allowed beyond the log: the measurement a crash saved but did not log
  (raw/<n measured>.npz, of the first pending location), which resume recovers.

A problem is one line naming the file; resume and plot refuse with all of them, and
`explorer recover RUN_DIR` (explorer.engine.salvage) is the documented way out. Events written by
older versions carry no hash or suggestion id; those checks are then skipped, the others not.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.engine.events import Event, LogContents, Measured, Recovered, Suggested
from explorer.engine.rundir import raw_name
from explorer.errors import UnaccountedDataError
from hardware.errors import HardwareError
from hardware.journal import JOURNAL_FILE, read_journal

RAW_GLOB = "raw/*.npz"
SHOWN = 6  # files named in one refusal line before "and N more"


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_location_id(path: Path) -> int | None:
    """The location id stored inside a raw file; None if the file is not a readable one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(data["location_id"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, TypeError):
        return None


@dataclass(frozen=True)
class Finding:
    """One thing the log and the run directory disagree on."""

    path: str  # relative to the run directory ("raw/000012.npz", "journal.jsonl", …)
    problem: str

    def __str__(self) -> str:
        return f"{self.path} {self.problem}"


def verify_measured(run_dir: Path, events: list[Event]) -> list[Finding]:
    """Raw files of `measured` events that are missing, unreadable, of another location, of
    another hash, or answer a suggestion of another location."""
    lost = _lost_raw(events)
    out: list[Finding] = []
    for ev in events:
        if not isinstance(ev, Measured) or not ev.raw or ev.raw in lost:
            continue
        out.extend(_check_one(run_dir, events, ev))
    return out


def _check_one(run_dir: Path, events: list[Event], ev: Measured) -> list[Finding]:
    where = f"(measured event {ev.seq}, location {ev.location_id})"
    path = run_dir / ev.raw
    if not path.is_file():
        return [Finding(ev.raw, f"is missing {where}")]
    if ev.raw_sha256 and file_sha256(path) != ev.raw_sha256:
        return [Finding(ev.raw, f"does not have the sha256 logged {where}: changed or swapped")]
    lid = raw_location_id(path)
    if lid is None:
        return [Finding(ev.raw, f"is not a readable measurement {where}: truncated or damaged")]
    if lid != ev.location_id:
        return [Finding(ev.raw, f"holds location {lid}, not the logged one {where}")]
    if ev.suggestion_seq >= 0:
        target = events[ev.suggestion_seq] if ev.suggestion_seq < len(events) else None
        if not isinstance(target, Suggested) or target.location_id != ev.location_id:
            return [
                Finding(
                    "events.jsonl",
                    f"measured event {ev.seq} answers suggestion {ev.suggestion_seq}, which "
                    f"is not a suggestion of location {ev.location_id}: the log was edited",
                )
            ]
    return []


def account(run_dir: Path, contents: LogContents) -> list[Finding]:
    """Raw files and journal visits the log does not account for."""
    events = contents.events
    measured = [e for e in events if isinstance(e, Measured)]
    measured_ids = {e.location_id for e in measured}
    suggested_ids = {e.location_id for e in events if isinstance(e, Suggested)}
    pending = [i for i in dict.fromkeys(_suggested_order(events)) if i not in measured_ids]
    named = {e.raw for e in measured if e.raw} | _lost_raw(events)
    extra = [p for p in _raw_files(run_dir) if p not in named]
    orphan = raw_name(len(measured))
    if orphan in extra and pending and raw_location_id(run_dir / orphan) == pending[0]:
        extra.remove(orphan)  # saved but not logged before a crash: resume recovers it
    out = [Finding(p, "is not in events.jsonl") for p in extra]
    excused = _visits_without_data(events)
    visits = [v for v in _journal_visits(run_dir) if v not in measured_ids | suggested_ids]
    visits = [v for v in dict.fromkeys(visits) if v not in excused]
    if visits:
        shown = ", ".join(str(v) for v in visits[:SHOWN])
        more = f" and {len(visits) - SHOWN} more" if len(visits) > SHOWN else ""
        out.append(
            Finding(
                JOURNAL_FILE,
                f"records visits to location(s) {shown}{more} that events.jsonl never "
                "suggested or measured",
            )
        )
    return out


def check_run_dir(run_dir: Path, contents: LogContents, *, action: str) -> None:
    """UnaccountedDataError (one line naming the files) unless the log and the run directory
    agree; `action` says what was refused ("resume", "plot", "report")."""
    findings = verify_measured(run_dir, contents.events) + account(run_dir, contents)
    if findings:
        raise UnaccountedDataError(refusal(run_dir, findings, action))


def refusal(run_dir: Path, findings: list[Finding], action: str) -> str:
    """One line: what was refused, the findings (files with the same problem grouped), and
    the fix."""
    groups: dict[str, list[str]] = {}
    for f in findings:
        groups.setdefault(f.problem, []).append(f.path)
    parts = [_group(paths, problem) for problem, paths in groups.items()]
    shown = "; ".join(parts[:SHOWN])
    more = f"; and {len(parts) - SHOWN} more problems" if len(parts) > SHOWN else ""
    empty = "" if (run_dir / "events.jsonl").stat().st_size else " (events.jsonl is empty)"
    return (
        f"{action} refused, {run_dir} holds data its event log does not match{empty}: "
        f"{shown}{more}. Nothing was changed; `explorer recover {run_dir}` rebuilds the log "
        "from the raw files and moves aside what it cannot account for (it deletes nothing)"
    )


def _group(paths: list[str], problem: str) -> str:
    if len(paths) == 1:
        return f"{paths[0]} {problem}"
    if len(paths) <= 3:
        return f"{', '.join(paths)} {problem.replace('is not', 'are not', 1)}"
    return (
        f"{len(paths)} files ({paths[0]} … {paths[-1]}) {problem.replace('is not', 'are not', 1)}"
    )


def _raw_files(run_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(run_dir).as_posix()) for p in run_dir.glob(RAW_GLOB))


def _suggested_order(events: Iterable[Event]) -> list[int]:
    return [e.location_id for e in events if isinstance(e, Suggested)]


def _journal_visits(run_dir: Path) -> list[int]:
    path = run_dir / JOURNAL_FILE
    if not path.is_file():
        return []
    try:
        records = read_journal(path)
    except (HardwareError, OSError, UnicodeDecodeError):
        return []  # the journal's own reader refuses a corrupt journal when it is opened
    return [
        int(r["location_id"])
        for r in records
        if r.get("kind") == "visit" and isinstance(r.get("location_id"), int)
    ]


def _lost_raw(events: Iterable[Event]) -> set[str]:
    """Raw files a recovery found missing or damaged and moved aside (logged as lost)."""
    return {p for e in events if isinstance(e, Recovered) for p in e.raw_lost}


def _visits_without_data(events: Iterable[Event]) -> set[int]:
    return {v for e in events if isinstance(e, Recovered) for v in e.visits_without_data}


__all__ = [
    "Finding",
    "account",
    "check_run_dir",
    "file_sha256",
    "raw_location_id",
    "refusal",
    "verify_measured",
]
