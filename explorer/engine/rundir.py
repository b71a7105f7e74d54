"""Run directories: creation without overwriting, the single-owner lock, atomic raw files,
the resolved config, and the user's queue file.

    runs/<name>-<UTC timestamp>[-k]/
        config.yaml   resolved config + package versions + seed
        events.jsonl  the event log (explorer.engine.events)
        raw/NNNNNN.npz  arrays of measurement NNNNNN (written to a temp name, fsynced, renamed)
        journal.jsonl hardware journal (instrument facade)
        queue.txt     optional: locations a user wants measured next (one per line)
        .lock         held (flock) by the process running the campaign
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from explorer.engine.events import to_jsonable
from explorer.errors import RunDirError, short_text
from hardware.journal import LockBusyError, drop_flock, take_flock
from hardware.protocols import Measurement

CONFIG_FILE = "config.yaml"
EVENTS_FILE = "events.jsonl"
QUEUE_FILE = "queue.txt"
LOCK_FILE = ".lock"
PACKAGES = (
    "combi-explorer",
    "numpy",
    "scipy",
    "torch",
    "gpytorch",
    "botorch",
    "pymoo",
    "scikit-optimize",
    "pydantic",
    "pyserial",
)


def package_versions() -> dict[str, str]:
    """Installed versions (read from metadata: nothing heavy is imported)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename over `path`, fsync the directory."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RunDirError(f"cannot write {path}: {exc.strerror or exc}") from None
    _fsync_dir(path.parent)


def create_new_bytes(path: Path, data: bytes) -> None:
    """Like atomic_write_bytes, but never replaces an existing file: the temporary file is
    hard-linked to `path`, which fails if `path` exists (where the filesystem has no hard
    links, a rename that is refused over an existing file is used after an existence check,
    safe under the run lock). RunDirError names an existing `path`."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _link_no_clobber(tmp, path)
    except FileExistsError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RunDirError(
            f"{path} already exists and is never overwritten; run `explorer recover "
            f"{path.parent.parent}` to account for it"
        ) from None
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RunDirError(f"cannot write {path}: {exc.strerror or exc}") from None
    _fsync_dir(path.parent)


def _link_no_clobber(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares)
        if path.exists():
            raise FileExistsError(path) from None
        os.rename(tmp, path)
        return
    tmp.unlink()


def create_run_dir(out_dir: Path, name: str) -> Path:
    """A new, empty run directory `<out_dir>/<name>-<UTC time>[-k]`; never reuses one."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunDirError(f"cannot create output directory {out_dir}: {exc.strerror}") from None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for k in range(1000):
        path = out_dir / (f"{name}-{stamp}" + (f"-{k}" if k else ""))
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise RunDirError(f"cannot create run directory in {out_dir}: {exc.strerror}") from None
        (path / "raw").mkdir()
        return path
    raise RunDirError(f"could not find a free run directory name in {out_dir}")


def update_latest_link(run_dir: Path) -> None:
    """Point `<out_dir>/latest` at this run (atomically; best effort on filesystems without
    symlinks)."""
    link = run_dir.parent / "latest"
    tmp = run_dir.parent / f".latest-{os.getpid()}"
    with contextlib.suppress(OSError):
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)


class RunLock:
    """Exclusive advisory lock on a run directory.

    Uses flock, which the kernel releases when the owning process dies, so a lock left by a
    killed process is stale by construction: it is taken over and its pid is kept in
    `stale_owner` for the log; a live owner's pid is reported to whoever is refused.
    """

    def __init__(self, path: Path, what: str = "run directory") -> None:
        self.path = path
        self.what = what
        self.stale_owner: int | None = None
        self._fh: io.TextIOWrapper | None = None

    def acquire(self) -> RunLock:
        try:
            self._fh, self.stale_owner = take_flock(self.path)
        except LockBusyError as busy:
            raise RunDirError(
                f"{self.what} {self.path.parent} is in use by another process (pid "
                f"{busy.owner}); stop it first or choose another directory"
            ) from None
        except OSError as exc:
            raise RunDirError(f"cannot open lock {self.path}: {exc.strerror}") from None
        return self

    def release(self) -> None:
        if self._fh is not None:
            drop_flock(self._fh)
            self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def write_config(run_dir: Path, resolved: dict[str, Any]) -> None:
    text = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
    atomic_write_bytes(run_dir / CONFIG_FILE, text.encode("utf-8"))


def raw_name(index: int) -> str:
    return f"raw/{index:06d}.npz"


RAW_META = "__measurement__"  # JSON of everything in a Measurement besides its arrays
RAW_RESERVED = frozenset({"location_id", "xy_mm", RAW_META})


def save_raw(run_dir: Path, index: int, m: Measurement) -> str:
    """Store a measurement as raw/NNNNNN.npz atomically, refusing (RunDirError) if that file
    exists; returns the relative path.

    Besides the arrays the file holds the scalars, durations, times and meta as a JSON string
    (a plain unicode array, no pickle), so a measurement whose `measured` event was lost in a
    crash can be recovered whole on resume (`load_measurement`)."""
    rel = raw_name(index)
    arrays = {k.replace("/", "_"): np.asarray(v) for k, v in m.arrays.items()}
    arrays["location_id"] = np.asarray(m.location_id)
    arrays["xy_mm"] = np.asarray([m.x_mm, m.y_mm])
    meta = {
        "scalars": dict(m.scalars),
        "durations_s": dict(m.durations_s),
        "t_start_s": m.t_start_s,
        "t_end_s": m.t_end_s,
        "meta": dict(m.meta),
    }
    arrays[RAW_META] = np.asarray(json.dumps(to_jsonable(meta)))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    create_new_bytes(run_dir / rel, buf.getvalue())  # a measurement is never overwritten
    return rel


def load_raw(run_dir: Path, rel: str) -> dict[str, np.ndarray]:
    """Arrays of one measurement (never unpickles: allow_pickle=False)."""
    path = (run_dir / rel).resolve()
    if run_dir.resolve() not in path.parents:
        raise RunDirError(f"raw file {rel!r} points outside the run directory")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise RunDirError(
            f"cannot read {rel} in {run_dir} ({type(exc).__name__}: {short_text(str(exc))}); "
            f"the raw file is damaged: `explorer recover {run_dir}` moves it aside"
        ) from None


def load_measurement(run_dir: Path, rel: str) -> Measurement:
    """The whole Measurement stored by `save_raw` (RunDirError if unreadable or incomplete)."""
    arrays = load_raw(run_dir, rel)
    try:
        meta = json.loads(str(arrays[RAW_META]))
        x_mm, y_mm = (float(v) for v in arrays["xy_mm"])
        return Measurement(
            location_id=int(arrays["location_id"]),
            x_mm=x_mm,
            y_mm=y_mm,
            arrays={k: v for k, v in arrays.items() if k not in RAW_RESERVED},
            scalars={k: math.nan if v is None else float(v) for k, v in meta["scalars"].items()},
            durations_s={k: float(v) for k, v in meta["durations_s"].items()},
            t_start_s=float(meta["t_start_s"]),
            t_end_s=float(meta["t_end_s"]),
            meta=dict(meta["meta"]),
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise RunDirError(f"{rel} in {run_dir} is not a complete measurement: {exc}") from None


def clean_stale_temporaries(run_dir: Path) -> list[str]:
    """Remove temporary files a killed process left (half-written raw files, write probes,
    config temporaries). Only call while holding the run's lock: then no writer is alive.
    Returns the removed names, relative to the run directory."""
    removed: list[str] = []
    for pattern in ("raw/.*.tmp-*", "prepared/.*.tmp-*", ".*.tmp-*", ".write-probe-*"):
        for path in sorted(run_dir.glob(pattern)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(str(path.relative_to(run_dir)))
    return removed


def is_run_dir(path: Path) -> bool:
    return (path / EVENTS_FILE).is_file() and (path / CONFIG_FILE).is_file()


MIN_FREE_BYTES = 8 * 2**20  # room kept for the next raw file, events and journal lines


def _read_only(path: Path) -> bool:
    """True where the OS says the filesystem is mounted read-only (POSIX statvfs only)."""
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return False
    return bool(statvfs(path).f_flag & getattr(os, "ST_RDONLY", 0))


def ensure_room(
    run_dir: Path,
    min_free_bytes: int = MIN_FREE_BYTES,
    *,
    then: str = "resume",
    where: Path | None = None,
) -> None:
    """RunDirError unless the run directory's filesystem has room for the next measurement.
    Checked before every move, so a disk that fills up stops the run before the hardware
    moves, not after a measurement it cannot save; a filesystem remounted read-only is named
    where the platform reports it (statvfs, POSIX), else by the failed write probe. `then` is
    what the user does once space is free ("resume" for a run that exists, "run again" for
    one whose start was refused and whose directory is removed: `where` then names the output
    directory instead)."""
    shown = f"run directory {run_dir}" if where is None else f"output directory {where}"
    try:
        free = shutil.disk_usage(run_dir).free
        read_only = _read_only(run_dir)
    except OSError as exc:
        raise RunDirError(f"cannot check run directory {run_dir}: {exc.strerror}") from None
    if read_only:
        raise RunDirError(f"{shown} is on a read-only filesystem; remount it read-write and {then}")
    if free < min_free_bytes:
        raise RunDirError(
            f"disk almost full: {free / 2**20:.1f} MiB free where the {shown} "
            f"is, at least {min_free_bytes / 2**20:.0f} MiB needed; free some space and {then}"
        )


def check_writable(run_dir: Path, *, then: str = "resume", where: Path | None = None) -> None:
    """Fail before any hardware moves if the run directory cannot take a write (read-only FS,
    disk full); `then` and `where` as in `ensure_room`."""
    ensure_room(run_dir, then=then, where=where)
    shown = f"run directory {run_dir}" if where is None else f"output directory {where}"
    probe = run_dir / f".write-probe-{os.getpid()}"
    try:
        with open(probe, "wb") as fh:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        raise RunDirError(f"{shown} is not writable: {exc.strerror}; fix it and {then}") from None
