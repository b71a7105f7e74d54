"""The hardware journal (journal.jsonl) and the single-owner hardware lock.

The journal is append-only JSONL: one record per command, reply, raw I/O line, state change and
safety decision, each with `seq`, the instrument clock `t_s` (virtual for simulators, so two
emulated runs give identical journals) and `kind`. Only the `open` record carries wall time.
Records are flushed as written and fsynced on faults, state changes and close, so a crash keeps
everything up to the moment the instrument was last in a known state. A reopened journal (a
resumed run) continues its sequence numbers and exposes earlier records for state that must
survive a restart (spots already used, the tip-health baseline, the last fault).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import math
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hardware.errors import HardwareError

JOURNAL_FILE = "journal.jsonl"
DURABLE_KINDS = frozenset({"state", "fault", "safety", "open", "close"})


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [_plain(v) for v in items]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


class Journal:
    """Append-only JSONL journal; thread-safe (abort may write from a signal handler thread).

    With `path=None` records are kept in memory only (unit tests, throw-away instruments).
    """

    def __init__(self, path: Path | None, clock_now_s: Callable[[], float]) -> None:
        self.path = path
        self._now = clock_now_s
        self._lock = threading.RLock()
        self.previous: list[dict[str, Any]] = []
        self.records: list[dict[str, Any]] = []
        self._fh: io.TextIOWrapper | None = None
        if path is not None:
            self.previous = read_journal(path) if path.exists() else []
            self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - held open
        self._seq = self.previous[-1]["seq"] + 1 if self.previous else 0

    def write(self, kind: str, source: str, **fields: Any) -> dict[str, Any]:
        """Append one record; returns it (with seq and t_s)."""
        with self._lock:
            rec = {"seq": self._seq, "t_s": round(self._now(), 6), "kind": kind, "source": source}
            rec.update({k: _plain(v) for k, v in fields.items()})
            self._seq += 1
            self.records.append(rec)
            if self._fh is not None:
                try:
                    self._fh.write(json.dumps(rec, allow_nan=False) + "\n")
                    self._fh.flush()
                    if kind in DURABLE_KINDS:
                        os.fsync(self._fh.fileno())
                except OSError as exc:
                    raise HardwareError(
                        f"cannot write the hardware journal {self.path}: {exc}"
                    ) from None
            return rec

    @property
    def next_seq(self) -> int:
        return self._seq

    def open_record(self, **fields: Any) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.write("open", "journal", utc=now, pid=os.getpid(), **fields)

    def all_records(self) -> list[dict[str, Any]]:
        """Records of earlier sessions followed by this session's."""
        with self._lock:
            return [*self.previous, *self.records]

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                with contextlib.suppress(OSError):
                    os.fsync(self._fh.fileno())
                self._fh.close()
                self._fh = None


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Records of a journal file; a torn last line (crash mid-write) is ignored."""
    out: list[dict[str, Any]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            if k == len(lines) - 1:
                break
            raise HardwareError(
                f"{path}: line {k + 1} is not JSON; the journal is corrupt"
            ) from None
    return out


class HardwareLock:
    """Exclusive owner of a piece of hardware: one process at a time (afspm "client in control").

    flock on a lock file named after the resource (e.g. the serial port), so a killed process
    releases it automatically; whoever is refused learns the owner's pid.
    """

    def __init__(self, path: Path, resource: str) -> None:
        self.path = path
        self.resource = resource
        self._fh: io.TextIOWrapper | None = None

    def acquire(self) -> HardwareLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.seek(0)
            owner = fh.read().strip() or "unknown"
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise HardwareError(
                    f"{self.resource} is owned by another process (pid {owner}, lock "
                    f"{self.path}); stop that run first"
                ) from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def lock_path_for(resource: str, lock_dir: Path) -> Path:
    """A lock-file name for a resource such as '/dev/ttyUSB0' or 'socket://host:5555'."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in resource).strip("_")
    return lock_dir / f"{safe or 'hardware'}.lock"
