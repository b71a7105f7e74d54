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
import io
import json
import math
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import lock_descriptor, unlock_descriptor

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
        self.torn_tail: str | None = None
        self.write_error: str | None = None  # the first failed write; nothing moves after it
        if path is not None:
            self.torn_tail = repair_torn_tail(path) if path.exists() else None
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
            if self._fh is not None and self.write_error is None:
                try:
                    self._fh.write(json.dumps(rec, allow_nan=False) + "\n")
                    self._fh.flush()
                    if kind in DURABLE_KINDS:
                        os.fsync(self._fh.fileno())
                except OSError as exc:
                    # never raised here: a write can be part of making the hardware safe
                    # (abort, close), which must not depend on the disk. The facade refuses
                    # the next move instead (require_writable).
                    self.write_error = f"cannot write the hardware journal {self.path}: {exc}"
            return rec

    def require_writable(self) -> None:
        """HardwareError if a record could not be written (disk full, read-only, I/O error):
        nothing moves without its journal."""
        if self.write_error is not None:
            raise HardwareError(f"{self.write_error}; free space and resume")

    @property
    def next_seq(self) -> int:
        return self._seq

    def open_record(self, **fields: Any) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.write("open", "journal", utc=now, pid=os.getpid(), **fields)
        if self.torn_tail is not None:
            self.write(
                "note",
                "journal",
                message="the last record of the previous session was torn by a crash; it was "
                "moved to journal.torn-*.txt",
                fragment=self.torn_tail[:200],
            )

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


def repair_torn_tail(path: Path) -> str | None:
    """Move an unterminated or undecodable last line (a crash mid-write) to
    journal.torn-N.txt and cut the file after the last complete record, so that appending
    never glues a new record to a fragment. Returns the fragment, or None if intact."""
    data = path.read_bytes()
    body = data[:-1] if data.endswith(b"\n") else data
    cut = body.rfind(b"\n") + 1
    last = data[cut:]
    if not last:
        return None
    if last.endswith(b"\n"):
        try:
            json.loads(last)
            return None
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
    n = 0
    while (side := path.with_name(f"journal.torn-{n}.txt")).exists():
        n += 1
    side.write_bytes(last)
    with open(path, "r+b") as fh:
        fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
    return last.decode("utf-8", "replace")


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


class LockBusyError(Exception):
    """The lock is held by a live process (`owner` is the pid it wrote, or 'unknown')."""

    def __init__(self, owner: str) -> None:
        super().__init__(owner)
        self.owner = owner


def take_flock(path: Path) -> tuple[io.TextIOWrapper, int | None]:
    """Exclusive, non-blocking flock on `path`, which then holds our pid.

    Returns the open handle (keep it: closing it releases the lock) and the pid a previous
    owner left when it died holding the lock (a clean release empties the file), else None.
    The kernel releases a flock when its process dies, so a stale lock never blocks; it is
    only reported. Raises LockBusyError when a live process holds it."""
    fh = open(path, "a+")  # noqa: SIM115 - held for the lock's lifetime
    try:
        taken = lock_descriptor(fh.fileno(), blocking=False)
    except OSError:
        fh.close()
        raise
    if not taken:
        owner = _read_owner(fh)
        fh.close()
        raise LockBusyError(owner)
    fh.seek(0)
    previous = fh.read().strip()
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    stale = int(previous) if previous.isdigit() and int(previous) != os.getpid() else None
    return fh, stale


def drop_flock(fh: io.TextIOWrapper) -> None:
    """Release a lock taken by take_flock; the emptied file marks a clean release."""
    with contextlib.suppress(OSError):
        fh.seek(0)
        fh.truncate()
        fh.flush()
    with contextlib.suppress(OSError):
        unlock_descriptor(fh.fileno())
    fh.close()


def _read_owner(fh: io.TextIOWrapper) -> str:
    """The pid a live owner wrote into the lock file ('unknown' where the platform's lock keeps
    the file unreadable to others, as a Windows byte-range lock does)."""
    try:
        fh.seek(0)
        return fh.read().strip() or "unknown"
    except OSError:
        return "unknown"


class HardwareLock:
    """Exclusive owner of a piece of hardware: one process at a time (afspm "client in control").

    flock on a lock file named after the resource (e.g. the serial port), so a killed process
    releases it automatically; whoever is refused learns the owner's pid. Acquiring twice in
    one process is a no-op.
    """

    def __init__(self, path: Path, resource: str) -> None:
        self.path = path
        self.resource = resource
        self.stale_owner: int | None = None
        self._fh: io.TextIOWrapper | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> HardwareLock:
        if self._fh is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh, self.stale_owner = take_flock(self.path)
        except LockBusyError as busy:
            raise HardwareError(
                f"{self.resource} is owned by another process (pid {busy.owner}, lock "
                f"{self.path}); stop that run first"
            ) from None
        except OSError as exc:
            raise HardwareError(f"cannot open the lock {self.path}: {exc.strerror}") from None
        return self

    def release(self) -> None:
        if self._fh is not None:
            drop_flock(self._fh)
            self._fh = None


def lock_path_for(resource: str, lock_dir: Path) -> Path:
    """A lock-file name for a resource such as '/dev/ttyUSB0' or 'socket://host:5555'."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in resource).strip("_")
    return lock_dir / f"{safe or 'hardware'}.lock"
