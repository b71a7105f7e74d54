"""Running a sweep's tasks on Dask distributed (or serially in this process) and gathering the
results into Parquet tables.

* Default: a `LocalCluster` of worker processes, one per core, one thread each (and one torch /
  BLAS thread per worker: Dask's nanny sets OMP_NUM_THREADS=1 before a worker starts and every
  task calls `explorer.engine.threads.limit_threads`).
* `scheduler="tcp://host:port"`: an existing cluster (`dask scheduler` + `dask worker`, or
  dask-jobqueue on SLURM). Workers must import this package and see the output directory.
* `serial=True`: no Dask, every task in this process (debugging, tiny benchmarks).

Each task's result arrives as it finishes (progress bar); a task that raised, or whose worker
died, becomes a row with status "error" and its traceback; the others go on.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.sweep.spec import SweepPlan, SweepTask
from explorer.sweep.summary import TaskResult
from explorer.sweep.tasks import base_columns, error_result, run_task

RESULTS_FILE = "results.parquet"
CONNECT_TIMEOUT_S = 20.0
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


def _serial(tasks: tuple[SweepTask, ...]) -> Iterator[TaskResult]:
    for task in tasks:
        yield run_task(task)


def _on_cluster(tasks: tuple[SweepTask, ...], client: Any) -> Iterator[TaskResult]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]  # two sweeps on one scheduler never share a key
    keys = [f"explorer-sweep-{t.sweep}-{t.key}-{token}" for t in tasks]
    futures = client.map(run_task, list(tasks), key=keys, pure=False)
    by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
    for future in as_completed(futures):
        task = by_key[future.key]
        try:
            yield future.result()
        except Exception as exc:  # the worker died or the task could not be deserialised
            yield error_result(base_columns(task), f"{type(exc).__name__}: {exc}", 0.0)
        future.release()


def local_client(workers: int | None) -> tuple[Any, Any]:
    """A LocalCluster with `workers` single-threaded worker processes and its client."""
    from distributed import Client, LocalCluster

    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    return cluster, Client(cluster)


def execute(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    serial: bool = False,
    progress: Progress = lambda _: None,
) -> SweepOutcome:
    """Run every task, write results.parquet and curves.parquet, return the outcome."""
    results: list[TaskResult] = []
    if serial:
        for r in _serial(plan.tasks):
            results.append(r)
            progress(r)
    else:
        cluster, client = connect(scheduler, workers)
        try:
            for r in _on_cluster(plan.tasks, client):
                results.append(r)
                progress(r)
        finally:
            client.close()
            if cluster is not None:
                close_quietly(cluster)
    return write_tables(plan, results)


def close_quietly(cluster: Any) -> None:
    """Close a LocalCluster; workers that imported torch can take longer than the nanny's
    grace period to exit, and its "killing" warning is noise once every result is in."""
    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    nanny.setLevel(logging.ERROR)
    try:
        cluster.close()
    finally:
        nanny.setLevel(level)


def connect(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """(cluster, client): a new LocalCluster of `workers` processes when `scheduler` is None
    (close both when done), else (None, a client of the running scheduler at that address)."""
    if scheduler is None:
        return local_client(workers)
    from distributed import Client

    from explorer.errors import ConfigError

    try:
        return None, Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise ConfigError(
            f"--scheduler {scheduler}: cannot connect ({exc}); start one with "
            "`dask scheduler` and `dask worker <address>`"
        ) from None


def write_tables(plan: SweepPlan, results: list[TaskResult]) -> SweepOutcome:
    """results.parquet (one row per task, grid order) and curves.parquet (long format)."""
    import pandas as pd

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
