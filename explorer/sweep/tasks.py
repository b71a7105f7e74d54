"""Running one sweep task on whichever process gets it (a Dask worker or this one).

A task is an ordinary campaign: `explorer.engine.session.start_new` + the runner, writing its own
run directory under the task directory. Before starting, the task directory is checked: a run of the
same campaign that finished successfully is reused (a rerun skips it); an unfinished one (crash,
abort, fault) is resumed with `explorer.engine.session.resume`, which continues exactly where
its log ends. Nothing escapes `run_task`: any exception becomes a row with status "error" and the
traceback, so one failed task never stops the others.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any

from explorer.analysis.rundata import RunData
from explorer.config import parse_config
from explorer.engine.restore import load_run_config
from explorer.engine.rundir import is_run_dir
from explorer.engine.session import resume, start_new
from explorer.engine.threads import limit_threads
from explorer.errors import RunDirError
from explorer.report.live import live_report_for
from explorer.sweep.spec import SweepTask
from explorer.sweep.task_summary import TaskResult, ground_truth, summarise


def base_columns(task: SweepTask) -> dict[str, Any]:
    return {
        "sweep": task.sweep,
        "task": task.key,
        "dataset": task.dataset,
        "override": task.override,
        "seed": task.seed,
    }


def existing_run(task_dir: Path) -> Path | None:
    """The newest run directory in a task directory (None if there is none)."""
    if not task_dir.is_dir():
        return None
    runs = sorted(p for p in task_dir.iterdir() if not p.is_symlink() and is_run_dir(p))
    return runs[-1] if runs else None


def _same_campaign(run_dir: Path, campaign: dict[str, Any]) -> bool:
    stored = load_run_config(run_dir).model_dump(mode="json")
    return stored == parse_config(campaign).model_dump(mode="json")


def _execute(task: SweepTask) -> tuple[Path, bool]:
    """Run (or reuse, or resume) the task's campaign; returns (run_dir, reused)."""
    previous = existing_run(Path(task.task_dir))
    if previous is not None:
        if not _same_campaign(previous, task.campaign):
            raise RunDirError(
                f"{previous} holds a run of a different campaign than task {task.key}; "
                "delete the task directory or give the sweep another name"
            )
        stopped = RunData.load(previous).stopped
        if stopped is not None and stopped.status == "success":
            return previous, True
        session = resume(previous, subscribers=(live_report_for,))
    else:
        cfg = parse_config(task.campaign, source=task.key)
        session = start_new(cfg, subscribers=(live_report_for,))
    try:
        session.runner.run()
    finally:
        session.close()
    return session.run_dir, False


def run_task(task: SweepTask) -> TaskResult:
    """Execute one task and summarise it; never raises."""
    t0 = time.perf_counter()
    base = base_columns(task)
    try:
        limit_threads(task.threads)
        run_dir, reused = _execute(task)
        cfg = parse_config(task.campaign, source=task.key)
        result = summarise(RunData.load(run_dir), base, ground_truth(cfg))
    except Exception:
        return error_result(base, traceback.format_exc(), time.perf_counter() - t0)
    result.row.update(reused=reused, wall_s=time.perf_counter() - t0)
    return result


def error_result(base: dict[str, Any], text: str, wall_s: float) -> TaskResult:
    """The row of a task that raised (or whose worker died)."""
    last = text.strip().splitlines()[-1] if text.strip() else "unknown error"
    return TaskResult(
        {
            **base,
            "status": "error",
            "reason": last,
            "run_dir": None,
            "n_measured": 0,
            "reused": False,
            "wall_s": wall_s,
            "error": text,
        }
    )
