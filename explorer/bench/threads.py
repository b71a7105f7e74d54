"""Thread benchmark: the same campaign on a quiet machine and with CPU-burning background load.

Each run is a fresh `python -m explorer run CAMPAIGN --threads ...` process (its thread pools start
clean, as a user's would), timed by wall clock. The load is `load` spawned processes that spin
until the loaded run ends. The ratio loaded / quiet says whether the thread choice copes with a
busy machine: a fair share of the CPU gives (1 + load / cores) at worst for one thread; a pool
that oversubscribes the cores spins at its OpenMP barriers and is many times slower.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError


@dataclass(frozen=True)
class ThreadRun:
    """One timed campaign: its --threads setting (None: automatic), background load, wall."""

    threads: int | None
    load: int
    wall_s: float


def _burn() -> None:  # pragma: no cover - runs in a child process until terminated
    while True:
        pass


def _campaign_env() -> dict[str, str]:
    """This environment without thread variables, so the child chooses for itself."""
    drop = {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def time_campaign(
    campaign: Path, max_points: int, threads: int | None, seed: int, timeout_s: float
) -> float:
    """Wall seconds of one `explorer run` in a fresh process (ExplorerError if it fails)."""
    with tempfile.TemporaryDirectory(prefix="explorer-bench-threads-") as tmp:
        cmd = [sys.executable, "-m", "explorer", "run", str(campaign), "--out", tmp, "-q"]
        cmd += ["--max-points", str(max_points), "--seed", str(seed)]
        cmd += ["--threads", str(threads)] if threads is not None else []
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd,
            check=False,
            env=_campaign_env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        wall_s = time.perf_counter() - t0
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ExplorerError(f"bench threads: {campaign} failed: {tail[0]}")
    return wall_s


def under_load(load: int, fn: Any) -> Any:
    """fn() while `load` spawned processes spin; they are terminated however fn ends."""
    ctx = multiprocessing.get_context("spawn")
    burners = [ctx.Process(target=_burn, daemon=True) for _ in range(load)]
    for p in burners:
        p.start()
    try:
        return fn()
    finally:
        for p in burners:
            p.terminate()
        for p in burners:
            p.join(timeout=5.0)


def bench_threads(
    campaign: Path,
    *,
    max_points: int,
    settings: tuple[int | None, ...],
    load: int,
    seed: int = 0,
    timeout_s: float = 600.0,
) -> list[ThreadRun]:
    """Quiet then loaded wall time of the campaign for each --threads setting."""
    runs: list[ThreadRun] = []
    for threads in settings:
        quiet = time_campaign(campaign, max_points, threads, seed, timeout_s)
        runs.append(ThreadRun(threads, 0, quiet))
        busy = under_load(
            load, lambda t=threads: time_campaign(campaign, max_points, t, seed, timeout_s)
        )
        runs.append(ThreadRun(threads, load, busy))
    return runs


def ratios(runs: list[ThreadRun]) -> dict[str, float]:
    """Loaded / quiet wall time per setting ('auto' or the thread count)."""
    out: dict[str, float] = {}
    for quiet, busy in zip(runs[::2], runs[1::2], strict=True):
        out["auto" if quiet.threads is None else str(quiet.threads)] = busy.wall_s / quiet.wall_s
    return out


def to_json(runs: list[ThreadRun], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": meta,
        "runs": [asdict(r) for r in runs],
        "ratio_loaded_over_quiet": ratios(runs),
    }
