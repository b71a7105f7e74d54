"""Thread limits reach torch, the BLAS pools and libraries imported later; the automatic choice
never oversubscribes; run and resume log the choice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import yaml

from explorer.cli import main
from explorer.engine.events import RunResumed, RunStarted, read_events
from explorer.engine.threads import (
    MAX_AUTO_THREADS,
    available_cores,
    busy_cores,
    choose_threads,
    current_threads,
    limit_threads,
    per_worker_threads,
)
from tests.conftest import REPO


def test_limit_threads_sets_every_pool() -> None:
    limit_threads(1)
    assert torch.get_num_threads() == 1
    assert os.environ["OMP_NUM_THREADS"] == "1"
    assert all(n == 1 for n in current_threads().values())


def test_rejects_zero() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        limit_threads(0)
    with pytest.raises(ValueError, match=">= 1"):
        choose_threads(0)


def test_available_cores_is_the_affinity_mask() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert available_cores() == expected


def test_busy_cores_counts_other_runnable_tasks(tmp_path: Path) -> None:
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("3.54 3.57 5.34 4/155 14220\n")
    assert busy_cores(loadavg) == 3
    loadavg.write_text("0.0 0.0 0.0 1/10 1\n")
    assert busy_cores(loadavg) == 0


def test_auto_choice_never_exceeds_the_free_cores(monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS")
    choice = choose_threads()
    free = max(1, choice.cores_available - choice.cores_busy)
    assert choice.source == "auto"
    assert 1 <= choice.n_threads <= min(free, MAX_AUTO_THREADS)
    assert choose_threads(workers=64).n_threads == 1


def test_an_exported_omp_num_threads_caps_the_automatic_count(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    choice = choose_threads()
    assert choice.n_threads == 1
    assert choice.source in ("environment", "auto")  # "auto" when the free cores give 1 anyway
    assert choose_threads(3).n_threads == 3  # --threads still overrides it


def test_explicit_count_wins_and_workers_divide_the_cores() -> None:
    assert choose_threads(3).n_threads == 3
    assert choose_threads(3).source == "option"
    assert per_worker_threads(None, available_cores()) == 1
    assert per_worker_threads(2, 8) == 2


def _campaign(tmp_path: Path) -> Path:
    cfg = yaml.safe_load((REPO / "campaigns" / "smbfo-random.yaml").read_text())
    cfg["stop"] = {"max_points": 3}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_run_and_resume_log_their_thread_choice(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    assert main(["run", str(_campaign(tmp_path)), "--out", str(out), "-q", "--threads", "1"]) == 0
    run_dir = next(p for p in out.iterdir() if not p.is_symlink())
    assert main(["resume", str(run_dir), "-q", "--max-points", "4"]) == 0
    events = read_events(run_dir / "events.jsonl").events
    started = next(e for e in events if isinstance(e, RunStarted))
    resumed = next(e for e in events if isinstance(e, RunResumed))
    assert started.threads is not None and resumed.threads is not None
    assert started.threads["n_threads"] == 1 and started.threads["source"] == "option"
    assert resumed.threads["source"] in ("auto", "environment")  # the tests export 1 thread
    assert 1 <= int(resumed.threads["n_threads"]) <= available_cores()
