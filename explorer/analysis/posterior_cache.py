"""The posterior data of a run's decisions, kept in `RUN_DIR/cache/posterior/` so a report or a
plot does not rebuild the model (and import torch) for a decision it has drawn before.

A cached record is found by a key, never by a name that could go stale: the SHA-256 of the
cache format, the versions of the packages that compute the posterior, what was asked (the
decision step, the extra evaluation points) and the serialised events the restored campaign is
built from (the logged config is the first of them). The log is append-only, so the events up to
a decision never change and its record stays valid; the state after the last measurement is
keyed by every event, so a new event gives a new key. Records are `.npz` files written
atomically; an unreadable, foreign or unwritable cache is ignored (the data is then computed
as if there were none), so a read-only archived run still plots. The cache keeps the
MAX_RECORDS most recently written records (a live report stores one per refresh; the oldest
are removed), so it stays small however long the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.engine.events import Event
from explorer.engine.rundir import atomic_write_bytes

CACHE_DIR = "cache/posterior"
#: bump when the record's layout or the way it is computed changes
CACHE_FORMAT = "posterior-1"
#: packages whose version changes a posterior
MODEL_PACKAGES = ("combi-explorer", "numpy", "scipy", "torch", "gpytorch", "botorch")
#: records kept (the most recently written)
MAX_RECORDS = 24

Record = dict[str, NDArray[Any]]


def _versions() -> str:
    parts = []
    for name in MODEL_PACKAGES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


def cache_key(events: Iterable[Event], request: Mapping[str, object]) -> str:
    """Hex key of the record computed from `events` (in log order) for `request` (step,
    objective grid, ... as JSON-able values)."""
    h = hashlib.sha256()
    h.update(f"{CACHE_FORMAT}\n{_versions()}\n".encode())
    h.update(json.dumps(dict(request), sort_keys=True, default=str).encode())
    for e in events:
        h.update(b"\n")
        h.update(json.dumps(e.to_dict(), sort_keys=True, default=str).encode())
    return h.hexdigest()


def record_path(run_dir: Path, key: str) -> Path:
    return run_dir / CACHE_DIR / f"{key[:32]}.npz"


def load_record(run_dir: Path, key: str) -> Record | None:
    """The stored record for `key`, or None (missing, unreadable or another key's file)."""
    path = record_path(run_dir, key)
    try:
        with np.load(path, allow_pickle=False) as z:
            record = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    if str(record.get("key", np.array(""))) != key:
        return None
    return record


def store_record(run_dir: Path, key: str, record: Mapping[str, NDArray[Any]]) -> None:
    """Write the record atomically; a run directory that cannot be written keeps no cache."""
    buf = io.BytesIO()
    np.savez(buf, **{"key": np.array(key), **record})  # type: ignore[arg-type]
    path = record_path(run_dir, key)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getvalue())
        prune(path.parent)


def prune(folder: Path, keep: int = MAX_RECORDS) -> None:
    """Remove all but the `keep` most recently written records."""
    with contextlib.suppress(OSError):
        records = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in records[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()
