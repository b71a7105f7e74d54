"""The posterior cache: a second computation of the same decision reads the stored record
(no model is rebuilt), a new event gives a new key, and a foreign file is ignored."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis import posterior
from explorer.analysis.posterior_cache import (
    CACHE_DIR,
    cache_key,
    load_record,
    prune,
    record_path,
    store_record,
)
from explorer.analysis.rundata import RunData


def test_a_cached_decision_is_not_recomputed(
    so_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(so_run, run_dir, ignore=shutil.ignore_patterns("cache"))
    run = RunData.load(run_dir)
    step = posterior.default_steps(run)[-1]
    first = posterior.posterior_data(run, step)
    assert len(list((run_dir / CACHE_DIR).glob("*.npz"))) == 1

    def no_rebuild(*_: object) -> None:
        raise AssertionError("the model was rebuilt although the decision is cached")

    monkeypatch.setattr(posterior, "_compute", no_rebuild)
    again = posterior.posterior_data(RunData.load(run_dir), step)
    for name in ("mean", "std", "lower", "upper", "features", "observed_values"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    assert (again.chosen_id, again.agrees_with_log, again.label) == (
        first.chosen_id,
        first.agrees_with_log,
        first.label,
    )


def test_keys_follow_the_events_and_the_request(so_run: Path, tmp_path: Path) -> None:
    events = RunData.load(so_run).log.events
    k = cache_key(events[:10], {"step": 4})
    assert k == cache_key(events[:10], {"step": 4})
    assert k != cache_key(events[:11], {"step": 4}) and k != cache_key(events[:10], {"step": 5})
    store_record(tmp_path, k, {"x": np.arange(3.0)})
    rec = load_record(tmp_path, k)
    assert rec is not None and rec["x"].tolist() == [0.0, 1.0, 2.0]
    other = "0" * 32 + k[32:]
    record_path(tmp_path, k).rename(record_path(tmp_path, other))
    assert load_record(tmp_path, other) is None  # stored under another key
    record_path(tmp_path, k).write_bytes(b"not a zip")
    assert load_record(tmp_path, k) is None


def test_the_cache_keeps_only_the_newest_records(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_DIR
    for k in range(5):
        store_record(tmp_path, str(k) * 64, {"x": np.array([k])})
        path = record_path(tmp_path, str(k) * 64)
        os.utime(path, ns=(k * 10**9, k * 10**9))  # written one second apart
    prune(folder, keep=2)
    assert sorted(p.name for p in folder.glob("*.npz")) == [
        record_path(tmp_path, str(k) * 64).name for k in (3, 4)
    ]
