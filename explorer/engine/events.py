"""Typed events and the append-only event log (events.jsonl), the run's source of truth.

One JSON object per line, each with `seq` (0, 1, 2, … with no gaps), `time` (UTC ISO 8601) and
`type`. Every line is flushed and fsynced before `emit` returns, so a crash loses at most the
line being written; `read_events` reports and ignores such a torn final line, and
`repair_torn_tail` moves the fragment aside before a resumed run appends. Anything else that is
malformed (a bad line in the middle, a duplicated or missing seq, an unknown type) is an
`EventLogError` naming the line. Large arrays never go in the log: `measured.raw` points to
`raw/NNNNNN.npz`. Plots, reports, comparisons and resume all read this file only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import math
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from explorer.engine.event_fields import field_problem
from explorer.errors import EventLogError, ExplorerWarning, RunDirError

JsonDict = dict[str, Any]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats (→ null) to plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event; `seq` and `time` are stamped by EventLog.emit."""

    type: ClassVar[str] = "event"
    seq: int = -1
    time: str = ""

    def to_dict(self) -> JsonDict:
        d = {"seq": self.seq, "time": self.time, "type": self.type}
        for f in dataclasses.fields(self):
            if f.name not in ("seq", "time"):
                d[f.name] = to_jsonable(getattr(self, f.name))
        return d


@dataclass(frozen=True, kw_only=True)
class RunStarted(Event):
    type: ClassVar[str] = "run_started"
    run_id: str
    name: str
    seed: int
    config: JsonDict
    versions: dict[str, str]
    channels: list[str]
    objectives: list[JsonDict]  # name, direction, source, metric
    n_candidates: int
    feature_names: list[str]
    ref_point: dict[str, float] | None = None
    arming: str = ""  # ARMING_STATES; "" in logs written before it was recorded
    # threads of torch / BLAS: n_threads, source (auto, option, sweep), cores_available,
    # cores_busy, workers (explorer.engine.threads.ThreadChoice); None where the caller set none
    threads: dict[str, int | str] | None = None
    # units of the arrays and scalars the instrument serves ("beps.piezoresponse": "pm/V"),
    # when it knows them (a replayed dataset); {} otherwise
    units: dict[str, str] = field(default_factory=dict)


ARMING_STATES = ("armed", "dry_run", "simulator", "replay")


@dataclass(frozen=True, kw_only=True)
class ArmingChanged(Event):
    """A resumed run continues with another arming state than the run had (allowed only with
    `--change-arming`): measurements from `step` on come from `current`, earlier ones from
    `previous`."""

    type: ClassVar[str] = "arming_changed"
    previous: str
    current: str
    step: int  # number of measurements before the change


@dataclass(frozen=True, kw_only=True)
class Recovered(Event):
    """What `explorer recover` did: measurements rebuilt from raw files (their `measured`
    events follow), files moved aside (kept, not deleted), raw files of logged measurements
    found missing or damaged (their arrays are gone; the logged values stay), and journal
    visits no raw file or event explains."""

    type: ClassVar[str] = "recovered"
    rebuilt: list[int]  # location ids
    moved_aside: list[str]  # original path -> under aside_dir
    aside_dir: str = ""
    raw_lost: list[str] = field(default_factory=list)
    visits_without_data: list[int] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RunResumed(Event):
    type: ClassVar[str] = "run_resumed"
    n_measured: int
    pending: list[int]
    torn_line: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    threads: dict[str, int | str] | None = None  # as in run_started, chosen for this process


@dataclass(frozen=True, kw_only=True)
class Prepared(Event):
    type: ClassVar[str] = "prepared"
    strategy: str
    key: str
    file: str
    reused: bool
    wall_s: float
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class Suggested(Event):
    type: ClassVar[str] = "suggested"
    step: int
    location_id: int
    x_mm: float
    y_mm: float
    strategy: str
    origin: Literal["strategy", "initial", "queue", "recovered"] = "strategy"
    batch_index: int = 0
    acquisition: float | None = None
    mean: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    model_state: dict[str, Any] = field(default_factory=dict)
    decision_s: float = 0.0
    decision_cpu_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class Measured(Event):
    type: ClassVar[str] = "measured"
    step: int
    location_id: int
    x_mm: float
    y_mm: float
    objectives: dict[str, float | None]
    raw: str
    durations_s: dict[str, float]
    duration_s: float
    instrument_time_s: float
    scalars: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, float | None] = field(default_factory=dict)
    raw_sha256: str = ""  # of the raw file's bytes ("" for a skipped location, old logs)
    suggestion_seq: int = -1  # seq of the `suggested` event this answers (-1: old logs)


@dataclass(frozen=True, kw_only=True)
class FrontUpdated(Event):
    type: ClassVar[str] = "front_updated"
    step: int
    front_ids: list[int]
    front_values: list[list[float]]
    hypervolume: float | None
    ref_point: dict[str, float] | None = None


@dataclass(frozen=True, kw_only=True)
class RefPointChosen(Event):
    """The hypervolume reference point (user units), fixed from here on; emitted once when it
    is chosen by the `auto` rule after the run started (an explicit one is in run_started)."""

    type: ClassVar[str] = "ref_point_chosen"
    step: int
    ref_point: dict[str, float]
    rule: str = "auto"


@dataclass(frozen=True, kw_only=True)
class WarningEvent(Event):
    type: ClassVar[str] = "warning"
    message: str
    category: str = "general"
    location_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Fault(Event):
    type: ClassVar[str] = "fault"
    message: str
    error: str
    location_id: int | None = None
    safe_state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class QueueTaken(Event):
    type: ClassVar[str] = "queue_taken"
    location_id: int | None
    entry: str
    line: int
    accepted: bool = True
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Voted(Event):
    """A person's verdict on a measured location's spectrum (SANE's human gate), read from
    RUN_DIR/votes.txt line `line`; rejected lines (malformed, unmeasured location) are logged
    with accepted=False, vote 0 and the reason in `error`. `reason` is the voter's comment."""

    type: ClassVar[str] = "voted"
    location_id: int | None
    vote: int  # +1 good, -1 bad (0 when rejected)
    source: Literal["file", "interactive"] = "file"
    reason: str = ""
    line: int = 0
    accepted: bool = True
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class Steered(Event):
    """A control action read from RUN_DIR/control.txt line `line`, or one of the approval
    gate's own (line 0): `awaiting` when it starts waiting, and its timeout policy, logged as
    the action it applied with by="timeout". `by` and `at` are who acted and when (as written
    in the line); the event's `time` is when the runner took it. Rejected lines are logged with
    accepted=False and the reason in `error`."""

    type: ClassVar[str] = "steered"
    action: Literal["approve", "veto", "pause", "resume", "abort", "weight", "awaiting", "invalid"]
    location_id: int | None = None
    name: str = ""  # the weight's path for `weight`
    value: float | None = None
    by: str = ""
    at: str = ""
    note: str = ""
    line: int = 0
    accepted: bool = True
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class Recommended(Event):
    """The model's recommended location(s) after `n_measured` measurements (see
    explorer.models.recommend): `points` as RecommendedPoint.to_dict, `reason` when empty."""

    type: ClassVar[str] = "recommended"
    n_measured: int
    points: list[JsonDict]
    observed_best: dict[str, JsonDict] = field(default_factory=dict)
    n_infeasible: int = 0
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RunStopped(Event):
    type: ClassVar[str] = "run_stopped"
    status: Literal["success", "abort", "fail", "fault"]
    reason: str
    n_measured: int
    instrument_time_s: float


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        RunStarted,
        RunResumed,
        ArmingChanged,
        Recovered,
        Prepared,
        Suggested,
        Measured,
        FrontUpdated,
        RefPointChosen,
        WarningEvent,
        Fault,
        QueueTaken,
        Voted,
        Steered,
        Recommended,
        RunStopped,
    )
}


def register_event_type(cls: type[Event]) -> type[Event]:
    """Add an event type defined by a feature module (e.g. `vote`). Use as a class decorator."""
    if cls.type in EVENT_TYPES and EVENT_TYPES[cls.type] is not cls:
        raise ValueError(f"event type {cls.type!r} is already registered")
    EVENT_TYPES[cls.type] = cls
    return cls


def event_from_dict(d: JsonDict, *, where: str = "") -> Event:
    """Parse one decoded JSON line into its typed event."""
    kind = d.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise EventLogError(f"{where}unknown event type {kind!r}; known: {sorted(EVENT_TYPES)}")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {k: v for k, v in d.items() if k in names}
    if (problem := field_problem(cls, kwargs)) is not None:
        raise EventLogError(f"{where}malformed {kind!r} event: {problem}")
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise EventLogError(f"{where}malformed {kind!r} event: {exc}") from None


@dataclass(frozen=True)
class LogContents:
    """What read_events found: the events, and the torn final fragment if there was one."""

    events: list[Event]
    torn_tail: str | None

    def of_type(self, cls: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


def read_events(path: Path) -> LogContents:
    """Read and validate events.jsonl. A torn (unterminated or undecodable) last line is
    returned separately; every other defect raises EventLogError naming the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EventLogError(f"{path} does not exist; is this a run directory?") from None
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" if the file ends with a newline
    torn: str | None = tail.decode("utf-8", "replace") if tail else None
    events: list[Event] = []
    for i, raw in enumerate(lines, start=1):
        where = f"{path.name} line {i}: "
        try:
            d = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if i == len(lines) and torn is None:
                torn = raw.decode("utf-8", "replace")
                break
            raise EventLogError(f"{where}not valid JSON; the log is corrupt") from None
        if not isinstance(d, dict):
            raise EventLogError(f"{where}expected a JSON object")
        ev = event_from_dict(d, where=where)
        if ev.seq != len(events):
            raise EventLogError(f"{where}seq {ev.seq} where {len(events)} was expected")
        events.append(ev)
    return LogContents(events, torn)


def repair_torn_tail(path: Path) -> str | None:
    """Move a torn final fragment to events.torn-N.txt and truncate the log after the last
    complete line. Returns the fragment (None if the log was intact)."""
    contents = read_events(path)
    if contents.torn_tail is None:
        return None
    data = path.read_bytes()
    body = data[:-1] if data.endswith(b"\n") else data  # a newline-terminated bad last line
    cut = body.rfind(b"\n") + 1
    n = 0
    while (side := path.with_name(f"events.torn-{n}.txt")).exists():
        n += 1
    side.write_bytes(data[cut:])
    with open(path, "r+b") as fh:
        fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
    return contents.torn_tail


Subscriber = Callable[[Event], None]


class EventLog:
    """Append-only JSONL writer: one fsynced line per event, then subscribers are notified.

    Subscribers (live report, progress bar) run after the line is durable; an exception in a
    subscriber is turned into a Python warning and never stops the campaign.
    """

    def __init__(
        self, path: Path, *, next_seq: int = 0, fsync: bool = True, new: bool | None = None
    ) -> None:
        self.path = path
        self._seq = next_seq
        self._fsync = fsync
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []
        new = next_seq == 0 if new is None else new  # a new log never overwrites another
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (os.O_EXCL if new else 0)
        try:
            self._fd = os.open(path, flags, 0o644)
        except FileExistsError:
            raise EventLogError(f"{path} already exists; a run never overwrites another") from None

    @classmethod
    def append_to(cls, path: Path) -> tuple[EventLog, LogContents]:
        """Open an existing log for a resumed run (torn tail repaired first)."""
        torn = repair_torn_tail(path)
        contents = read_events(path)
        log = cls(path, next_seq=len(contents.events), new=False)
        return log, LogContents(contents.events, torn)

    @property
    def next_seq(self) -> int:
        return self._seq

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def emit(self, event: Event) -> Event:
        with self._lock:
            stamped = dataclasses.replace(event, seq=self._seq, time=utc_now())
            line = json.dumps(stamped.to_dict(), allow_nan=False, separators=(",", ":")) + "\n"
            self._append(line.encode("utf-8"))
            self._seq += 1
        for fn in self._subscribers:
            try:
                fn(stamped)
            except Exception as exc:  # a broken subscriber must never stop a campaign
                warnings.warn(
                    f"event subscriber {fn!r} failed: {exc}", ExplorerWarning, stacklevel=2
                )
        return stamped

    def _append(self, data: bytes) -> None:
        """Write one whole line durably, or nothing: after a failed write (disk full,
        read-only remount, I/O error) a partial line is cut off again and RunDirError says why,
        so the log stays a sequence of complete events."""
        end = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                if n <= 0:
                    raise OSError(errno.EIO, "short write")
                view = view[n:]
            if self._fsync:
                os.fsync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, end)
            raise RunDirError(
                f"cannot append event {self._seq} to {self.path}: "
                f"{exc.strerror or exc}; the run stops here (every earlier event is kept)"
            ) from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
