"""Running a sweep's tasks on an executor (explorer.sweep.executors: Dask distributed, or
serially in this process) and gathering the results into Parquet tables.

* Default: a `LocalCluster` of worker processes, one per core, one thread each (and one torch /
  BLAS thread per worker: Dask's nanny sets OMP_NUM_THREADS=1 before a worker starts and every
  task calls `explorer.engine.threads.limit_threads`).
* `scheduler="tcp://host:port"`: an existing cluster (`dask scheduler` + `dask worker`, or
  dask-jobqueue on SLURM). Workers must import this package and see the output directory.
* `serial=True`: no Dask, every task in this process (debugging, tiny benchmarks).
* `executor=`: any other `concurrent.futures.Executor` (e.g. `explorer.sweep.executors.spawn_pool`).

Each task's result arrives as it finishes (progress bar); a task that raised, or whose worker
died, becomes a row with status "error" and its traceback; the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.sweep.executors import InlineExecutor, completed, dask_executor
from explorer.sweep.spec import SweepPlan, SweepTask
from explorer.sweep.task_summary import TaskResult
from explorer.sweep.tasks import base_columns, error_result, run_task

RESULTS_FILE = "results.parquet"
CURVES_FILE = "curves.parquet"
Progress = Callable[[TaskResult], None]


@dataclass(frozen=True)
class SweepOutcome:
    """Where the tables are and what happened."""

    sweep_dir: Path
    results_path: Path
    curves_path: Path
    results: list[dict[str, Any]]
    n_failed: int


def _sweep_executor(
    scheduler: str | None, workers: int | None, serial: bool, executor: Executor | None
) -> AbstractContextManager[Executor]:
    if executor is not None:
        return nullcontext(executor)
    return nullcontext(InlineExecutor()) if serial else dask_executor(scheduler, workers)


def execute(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    serial: bool = False,
    executor: Executor | None = None,
    progress: Progress = lambda _: None,
) -> SweepOutcome:
    """Run every task, write results.parquet and curves.parquet, return the outcome.

    `executor`: any concurrent.futures Executor to run the tasks on (the caller closes it);
    otherwise `serial` runs them here and the default is a Dask cluster (`scheduler`,
    `workers`)."""
    results: list[TaskResult] = []
    with _sweep_executor(scheduler, workers, serial, executor) as pool:
        for task, outcome in completed(run_task, plan.tasks, pool):
            r = outcome if isinstance(outcome, TaskResult) else _failed(task, outcome)
            results.append(r)
            progress(r)
    return write_tables(plan, results)


def _failed(task: SweepTask, exc: Exception) -> TaskResult:
    """The row of a task whose worker died or that could not be deserialised."""
    return error_result(base_columns(task), f"{type(exc).__name__}: {exc}", 0.0)


def write_tables(plan: SweepPlan, results: list[TaskResult]) -> SweepOutcome:
    """results.parquet (one row per task, grid order) and curves.parquet (long format)."""
    import pandas as pd  # noqa: PLC0415

    order = {t.key: k for k, t in enumerate(plan.tasks)}
    results = sorted(results, key=lambda r: order[r.row["task"]])
    plan.sweep_dir.mkdir(parents=True, exist_ok=True)
    rows = [r.row for r in results]
    curves = [c for r in results for c in r.curves]
    results_path = plan.sweep_dir / RESULTS_FILE
    curves_path = plan.sweep_dir / CURVES_FILE
    pd.DataFrame(rows).to_parquet(results_path, index=False)
    pd.DataFrame(curves, columns=_curve_columns(curves)).to_parquet(curves_path, index=False)
    failed = sum(1 for r in rows if r["status"] != "success")
    return SweepOutcome(plan.sweep_dir, results_path, curves_path, rows, failed)


def _curve_columns(curves: list[dict[str, Any]]) -> list[str]:
    if curves:
        return list(curves[0])
    return ["sweep", "task", "dataset", "override", "seed", "objective", "step", "best_so_far"]
