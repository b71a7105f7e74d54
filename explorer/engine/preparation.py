"""A run's preparation: the work a strategy does once from the library alone, before the first
measurement (`explorer.strategies.base.Preparation`; curiosity's patch featuriser).

The runner prepares before its first decision, so the instrument never waits on this work in
the middle of a run. The result is saved as `prepared/<strategy>-<key>.npz` in the run
directory, the key being the strategy's hash of everything the work depends on (the library,
its settings, the seed); a resumed run loads that file instead of doing the work again (a
missing, damaged or mismatched file is simply recomputed, with the same result). Each time is
logged as a `prepared` event with its wall time. The work runs on the process's torch / BLAS
threads (`--threads`).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from explorer.engine.campaign import Campaign
from explorer.engine.events import Prepared
from explorer.engine.rundir import atomic_write_bytes
from explorer.strategies.base import Preparation, preparable

PREPARED_DIR = "prepared"
_META = ("_key", "_settings", "_summary")


def prepared_file(run_dir: Path, strategy: str, key: str) -> Path:
    """Where a run keeps a strategy's preparation for `key`."""
    return run_dir / PREPARED_DIR / f"{strategy}-{key[:16]}.npz"


def save_preparation(path: Path, prep: Preparation) -> None:
    """Write a preparation atomically (plain arrays and strings; no pickle)."""
    arrays: dict[str, Any] = {k: np.asarray(v) for k, v in prep.arrays.items()}
    arrays.update(
        _key=np.asarray(prep.key),
        _settings=np.asarray(prep.settings),
        _summary=np.asarray(prep.summary),
    )
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())


def load_preparation(path: Path, key: str) -> Preparation | None:
    """The preparation saved at `path` when it is readable and was made for `key`, else None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            stored = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if any(m not in stored for m in _META) or str(stored["_key"]) != key:
        return None
    meta = {m: str(stored.pop(m)) for m in _META}
    return Preparation(key, stored, meta["_settings"], meta["_summary"])


def needs_preparation(campaign: Campaign) -> bool:
    """True while the campaign's strategy has once-per-run work not yet loaded or done."""
    return _key(campaign) is not None


def _key(campaign: Campaign) -> str | None:
    """The strategy's preparation key for this campaign, or None when there is nothing to do:
    no such work, prepared already, or none needed within the planned budget."""
    strategy = campaign.strategy
    if campaign.prepared is not None or not preparable(strategy):
        return None
    key = strategy.preparation_key(  # type: ignore[attr-defined]
        campaign.library, campaign.strategy_seed, campaign.budget
    )
    return None if key is None else str(key)


def prepare_campaign(campaign: Campaign, run_dir: Path) -> Prepared | None:
    """Load or compute the strategy's preparation into `campaign.prepared`; the event to log,
    or None when there is nothing to prepare (see `needs_preparation`)."""
    t0 = time.perf_counter()
    key = _key(campaign)
    if key is None:
        return None
    strategy, seed = campaign.strategy, campaign.strategy_seed
    path = prepared_file(run_dir, strategy.name, key)
    prep = load_preparation(path, key)
    reused = prep is not None
    if prep is None:
        prep = strategy.prepare(campaign.library, seed)  # type: ignore[attr-defined]
        assert isinstance(prep, Preparation)
        save_preparation(path, prep)
    campaign.prepared = prep
    return Prepared(
        strategy=strategy.name,
        key=key,
        file=path.relative_to(run_dir).as_posix(),
        reused=reused,
        wall_s=time.perf_counter() - t0,
        summary=prep.summary,
    )


def load_saved_preparation(campaign: Campaign, run_dir: Path) -> bool:
    """Attach the preparation a run saved (never compute it): for views that rebuild a
    campaign from its log, such as the posterior figures. True when one was attached."""
    key = _key(campaign)
    if key is None:
        return False
    prep = load_preparation(prepared_file(run_dir, campaign.strategy.name, key), key)
    if prep is not None:
        campaign.prepared = prep
    return prep is not None
