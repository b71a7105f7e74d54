"""What a resumed run finds after a crash, and how it is put right before anything moves.

A process killed at any instant leaves at most: a torn last line of events.jsonl (moved aside
by `EventLog.append_to`), a torn last line of journal.jsonl (moved aside by `Journal`),
temporary files of an atomic write that never got renamed (deleted here; they are never read),
a lock file naming the dead owner (flock was released by the kernel; reported here), and one
measurement that is complete on disk (raw/NNNNNN.npz renamed into place) but whose `measured`
event was never written. That last one is recovered from its raw file instead of being
measured again: the location keeps exactly one measurement and the instrument's spot and tip
bookkeeping (journal.jsonl) already counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer.engine.campaign import Campaign
from explorer.engine.events import WarningEvent
from explorer.engine.rundir import load_measurement, raw_name
from explorer.errors import RunDirError, UnaccountedDataError
from explorer.strategies.base import Suggestion
from hardware.protocols import Measurement


@dataclass(frozen=True)
class Orphan:
    """A complete measurement on disk whose `measured` event a crash prevented."""

    suggestion: Suggestion
    measurement: Measurement
    raw: str


def find_orphan(run_dir: Path, campaign: Campaign, pending: list[int]) -> Orphan | None:
    """The orphaned measurement of the first pending location, if its raw file is complete.

    Measurements are saved as raw/<index>.npz with index = number of measured locations, and
    pending locations are measured in suggestion order, so only `pending[0]` can have one.
    A raw file at that index that is not a complete measurement refuses the resume (it would
    otherwise be measured again over it); explorer.engine.integrity has refused any other file."""
    if not pending:
        return None
    rel = raw_name(len(campaign.observations))
    if not (run_dir / rel).is_file():
        return None
    try:
        m = load_measurement(run_dir, rel)
    except RunDirError as exc:  # never measured again over it: raw files are not overwritten
        raise UnaccountedDataError(
            f"resume refused: {exc}; `explorer recover {run_dir}` moves it aside"
        ) from None
    lid = pending[0]
    if m.location_id != lid or lid not in campaign.pending:
        return None
    return Orphan(campaign.pending[lid], m, rel)


def hardware_stale_owner(instrument: object, run_dir: Path) -> int | None:
    """Pid of a killed process whose hardware lock this instrument took over (else None).
    A lock inside the run directory (the simulator's) goes with the run directory's own
    lock, which is reported already."""
    lock = getattr(instrument, "lock", None)
    owner = getattr(lock, "stale_owner", None)
    path = getattr(lock, "path", None)
    if isinstance(path, Path) and path.parent.resolve() == run_dir.resolve():
        return None
    return owner if isinstance(owner, int) else None


def resume_warnings(
    removed: list[str],
    stale_owner: int | None,
    torn_line: str | None,
    hardware_owner: int | None = None,
) -> list[WarningEvent]:
    """Warning events that tell the user what the crash left and what was done about it."""
    out: list[WarningEvent] = []
    if torn_line is not None:
        out.append(
            WarningEvent(
                message="the last line of events.jsonl was torn by a crash; it was "
                "moved to events.torn-*.txt and ignored",
                category="resume",
            )
        )
    if removed:
        out.append(
            WarningEvent(
                message=f"removed {len(removed)} temporary file(s) a killed process left "
                f"(never renamed into place, never read): {', '.join(removed[:5])}",
                category="resume",
            )
        )
    if stale_owner is not None:
        out.append(
            WarningEvent(
                message=f"the run directory lock was left by process {stale_owner}, which no "
                "longer holds it (killed?); taken over",
                category="resume",
            )
        )
    if hardware_owner is not None:
        out.append(
            WarningEvent(
                message=f"the hardware lock was left by process {hardware_owner}, which no "
                "longer holds it (killed?); taken over. Check the stage and probe before "
                "trusting the first point",
                category="ownership",
            )
        )
    return out
