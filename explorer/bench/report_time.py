"""Report build time: `explorer report RUN_DIR` timed in fresh processes, as a user runs it.

The first build is *cold*: the run's posterior cache (explorer.analysis.posterior_cache) is set
aside first, so the posterior models are rebuilt (and torch imported). The following builds are
*warm*: they read the posterior data the cold build stored. Each build reports its wall time and
the CPU time of the child process (user + system); on a machine shared with other work the CPU
time is the steadier number. A cache the run had is put back afterwards (otherwise the one the
builds wrote stays, as after an ordinary `explorer report`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError

#: the posterior cache of a run directory (explorer.analysis.posterior_cache.CACHE_DIR)
CACHE_DIR = Path("cache") / "posterior"


@dataclass(frozen=True)
class ReportBuild:
    """One timed `explorer report`: cold (no posterior cache) or warm, wall and CPU seconds."""

    cold: bool
    wall_s: float
    cpu_s: float


def time_report(run_dir: Path, *, timeout_s: float = 600.0) -> tuple[float, float]:
    """(wall s, CPU s of the child) of one `python -m explorer report RUN_DIR`."""
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "explorer", "report", str(run_dir)],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    wall_s = time.perf_counter() - t0
    after = os.times()
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ExplorerError(f"bench report: explorer report {run_dir} failed: {tail[0]}")
    cpu_s = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall_s, cpu_s


def bench_report(run_dir: Path, *, warm: int = 2) -> list[ReportBuild]:
    """One cold build, then `warm` warm builds of the run's report."""
    cache = run_dir / CACHE_DIR
    with tempfile.TemporaryDirectory(prefix="explorer-bench-report-") as tmp:
        kept = Path(tmp) / "posterior"
        if cache.exists():
            shutil.move(str(cache), kept)
        try:
            builds = [ReportBuild(True, *time_report(run_dir))]
            builds += [ReportBuild(False, *time_report(run_dir)) for _ in range(warm)]
        finally:
            if kept.exists():
                shutil.rmtree(cache, ignore_errors=True)
                shutil.move(str(kept), cache)
    return builds


def to_json(builds: list[ReportBuild], meta: dict[str, Any]) -> dict[str, Any]:
    return {"meta": meta, "builds": [asdict(b) for b in builds]}
