"""The run directories a dashboard serves, each followed by its own EventFollower."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.analysis.rundata import RunData
from explorer.dashboard.actions import RunAccess
from explorer.dashboard.follower import EventFollower
from explorer.engine.events import LogContents
from explorer.engine.rundir import EVENTS_FILE
from explorer.errors import RunDirError

JsonDict = dict[str, Any]


def hardware_access(events: list[JsonDict]) -> tuple[bool, str]:
    """Whether actions that let the instrument move may be sent, from the log's JSON objects:
    always for a simulated or replayed instrument (nothing real moves); for a lab instrument only
    while the run is armed (`--arm-hardware`: `arming` in run_started, or the `current` state of
    the latest `arming_changed` when a resume changed it). A lab run whose log records no
    arming state is treated as not armed."""
    started = events[0] if events and events[0].get("type") == "run_started" else None
    if started is None:
        return False, "the run has not started yet"
    kind = str((started.get("config") or {}).get("instrument", {}).get("kind", ""))
    if kind != "lab":
        return True, ""
    arming = str(started.get("arming", ""))
    for e in events:
        if e.get("type") == "arming_changed":
            arming = str(e.get("current", arming))
    if arming == "armed":
        return True, ""
    return False, (
        "the run drives a lab instrument and is not armed; resume it with --arm-hardware "
        "to steer moves from the browser"
    )


@dataclass
class ServedRun:
    """One run directory: its follower and the caches of what is slow to compute."""

    run_dir: Path
    writable: bool
    follower: EventFollower = field(init=False)
    _cache: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key_locks: dict[str, threading.Lock] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.follower = EventFollower(self.run_dir / EVENTS_FILE)

    @property
    def name(self) -> str:
        return self.run_dir.name

    def data(self) -> RunData:
        """The run as the follower has read it so far (polled first)."""
        self.follower.poll()
        return RunData(self.run_dir, LogContents(self.follower.events, None))

    def access(self) -> RunAccess:
        self.follower.poll()
        moves, why = hardware_access(self.follower.dicts_since(0))
        return RunAccess(self.writable, moves, why)

    def cached(
        self,
        key: str,
        compute: Callable[[RunData], Any],
        version: Callable[[RunData], Any] = lambda run: len(run.log.events),
    ) -> Any:
        """`compute(run)`, recomputed only when `version(run)` changed since the last call
        (by default: whenever the log has grown)."""
        run = self.data()
        n = version(run)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key at a time; the others wait for its result
            hit = self._cache.get(key)
            if hit is not None and hit[0] == n:
                return hit[1]
            value = compute(run)
            self._cache[key] = (n, value)
        return value


def decision_version(run: RunData) -> tuple[int, int, int]:
    """What the model of the next decision depends on: measurements, suggestions and steering
    (not the front, warning or vote events in between)."""
    counts = {"measured": 0, "suggested": 0, "steered": 0, "voted": 0}
    for e in run.log.events:
        if e.type in counts:
            counts[e.type] += 1
    return counts["measured"], counts["suggested"], counts["steered"] + counts["voted"]


@dataclass
class RunSet:
    """A single run (`explorer serve RUN_DIR`) or every run under a folder (`--runs DIR`)."""

    root: Path
    single: bool
    writable: bool
    _runs: dict[str, ServedRun] = field(default_factory=dict)

    def names(self) -> list[str]:
        if self.single:
            return [self.root.name]
        found = sorted(
            p.name
            for p in self.root.iterdir()
            if (p / EVENTS_FILE).is_file() and not p.is_symlink()
        )
        return found

    def get(self, name: str) -> ServedRun:
        if name not in self.names():
            raise RunDirError(f"no run {name!r} is served here (runs: {', '.join(self.names())})")
        if name not in self._runs:
            path = self.root if self.single else self.root / name
            self._runs[name] = ServedRun(path, self.writable)
        return self._runs[name]


def open_runs(run_dir: Path | None, runs_dir: Path | None, writable: bool) -> RunSet:
    """Check the command line's choice of runs (one line naming the problem otherwise)."""
    if (run_dir is None) == (runs_dir is None):
        raise RunDirError("give either a RUN_DIR or --runs DIR (a folder of run directories)")
    if run_dir is not None:
        if not (run_dir / EVENTS_FILE).is_file():
            raise RunDirError(f"{run_dir} is not a run directory (no {EVENTS_FILE})")
        return RunSet(run_dir.resolve(), True, writable)
    assert runs_dir is not None
    if not runs_dir.is_dir():
        raise RunDirError(f"--runs {runs_dir}: not a folder")
    return RunSet(runs_dir.resolve(), False, writable)
