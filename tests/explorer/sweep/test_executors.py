"""One executor abstraction: inline, spawned processes and a real Dask cluster run the same
jobs with the same results; failures come back as values (completed) or re-raise (run_all)."""

from __future__ import annotations

import contextlib
import os
import socket

import pytest

from explorer.sweep.executors import (
    InlineExecutor,
    completed,
    dask_executor,
    process_executor,
    run_all,
    spawn_pool,
)


def _square_or_fail(x: int) -> int:
    if x < 0:
        raise ValueError(f"negative job {x}")
    return x * x


def test_inline_runs_each_job_in_turn_and_returns_failures_as_values() -> None:
    seen = []
    for job, outcome in completed(_square_or_fail, [2, -1, 3], InlineExecutor()):
        seen.append((job, outcome if isinstance(outcome, int) else str(outcome)))
    assert seen == [(2, 4), (-1, "negative job -1"), (3, 9)]


def test_run_all_keeps_job_order_and_reports_each_result() -> None:
    arrived: list[int] = []
    with spawn_pool(2) as pool:
        assert run_all(_square_or_fail, [3, 1, 2], pool, arrived.append) == [9, 1, 4]
    assert sorted(arrived) == [1, 4, 9]


def test_run_all_re_raises_the_failure() -> None:
    with pytest.raises(ValueError, match="negative job -2"):
        run_all(_square_or_fail, [1, -2], InlineExecutor())


def test_process_executor_is_inline_for_one_worker() -> None:
    assert isinstance(process_executor(1), InlineExecutor)


def test_spawned_workers_use_one_thread() -> None:
    with spawn_pool(1) as pool:
        assert pool.submit(_omp_threads).result() == "1"


def _omp_threads() -> str:
    return os.environ["OMP_NUM_THREADS"]


def _worker_environment(_: int) -> tuple[str | None, str]:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ["OMP_NUM_THREADS"]


def test_a_dask_cluster_is_an_executor() -> None:
    with dask_executor(None, 1) as executor:
        outcomes = dict(completed(_square_or_fail, [4, -5], executor))
        environment = run_all(_worker_environment, [0], executor)[0]
    assert outcomes[4] == 16 and isinstance(outcomes[-5], ValueError)
    # glibc's adaptive malloc is kept (the nanny's trim threshold doubles torch's CPU time);
    # the numeric libraries still get one thread per worker
    assert environment == (None, "1")


def test_a_dask_cluster_starts_beside_another_that_holds_the_default_port() -> None:
    """A sweep beside a running benchmark: the scheduler's HTTP server must not claim 8787."""
    holder = socket.socket()
    with contextlib.suppress(OSError):  # if something holds it already, that is the case too
        holder.bind(("", 8787))
    holder.listen()
    try:
        with dask_executor(None, 1) as executor:  # warnings are errors: a port warning fails here
            outcomes = dict(completed(_square_or_fail, [3], executor))
    finally:
        holder.close()
    assert outcomes[3] == 9
