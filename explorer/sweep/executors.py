"""Where independent jobs run: one `concurrent.futures.Executor` for sweeps, bench efficiency
(a sweep), bench curiosity, discovery runs and backtests.

* `InlineExecutor`: every job in this process, as it is submitted (debugging, `--serial`,
  one worker).
* `spawn_pool(n)`: n worker processes started by *spawn* (a fork could inherit torch / OpenMP
  thread state), one torch / BLAS thread each.
* `dask_executor(scheduler, workers)`: a Dask cluster (a new `LocalCluster` of single-threaded
  worker processes, or the running scheduler at `tcp://host:port`) through
  `Client.get_executor()`.

Any other `concurrent.futures.Executor` works the same. Jobs are a top-level function and
picklable arguments; `completed` yields each (job, result or exception) as it finishes and
`run_all` returns the results in job order.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from explorer.engine.threads import limit_threads
from explorer.errors import ConfigError

J = TypeVar("J")
R = TypeVar("R")
CONNECT_TIMEOUT_S = 20.0
MALLOC_TRIM = "MALLOC_TRIM_THRESHOLD_"  # set by Dask's nannies unless left out (local_client)


class InlineExecutor(Executor):
    """Runs each job in this process when it is submitted; its future is already done."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` spawned processes with one numeric-library thread each."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=limit_threads,
        initargs=(1,),
    )


def process_executor(workers: int) -> Executor:
    """Inline for one worker, else a spawned pool of `workers` processes."""
    return InlineExecutor() if workers <= 1 else spawn_pool(workers)


def completed(
    fn: Callable[[J], R], jobs: Sequence[J], executor: Executor
) -> Iterator[tuple[J, R | Exception]]:
    """(job, result) as each job finishes; a job that raised (or whose worker died) gives
    (job, the exception) and the others go on. Inline, each job runs when its turn comes."""
    if isinstance(executor, InlineExecutor):
        for job in jobs:
            yield job, _outcome(executor.submit(fn, job))
        return
    futures = {executor.submit(fn, job): job for job in jobs}
    for future in as_completed(futures):
        yield futures.pop(future), _outcome(future)


def _outcome(future: Future[Any]) -> Any:
    """The future's result, or the exception it raised."""
    try:
        return future.result()
    except Exception as exc:
        return exc


def run_all(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    executor: Executor,
    on_result: Callable[[R], None] | None = None,
) -> list[R]:
    """`fn(job)` for every job, returned in job order; `on_result` sees each result as it
    arrives. The first job found to have raised re-raises here."""
    results: dict[int, R] = {}
    for k, outcome in completed(_Indexed(fn), list(enumerate(jobs)), executor):
        if isinstance(outcome, Exception):
            raise outcome
        results[k[0]] = outcome
        if on_result is not None:
            on_result(outcome)
    return [results[k] for k in range(len(jobs))]


class _Indexed:
    """fn applied to the job of an (index, job) pair (picklable when fn is)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __call__(self, indexed: tuple[int, Any]) -> Any:
        return self.fn(indexed[1])


def local_client(workers: int | None) -> tuple[Any, Any]:
    """A LocalCluster with `workers` single-threaded worker processes and its client.

    No dashboard, and the scheduler's HTTP server (health and metrics routes, which Dask starts
    even without a dashboard) on a free port: by default it takes 8787, so a second cluster on
    the machine, such as a benchmark beside a sweep, would warn that the port is in use.

    The workers keep glibc's own malloc tuning: Dask's nannies set MALLOC_TRIM_THRESHOLD_ before
    they spawn a worker, which turns off glibc's adaptive mmap threshold, so every large
    allocation of torch's many small tensor operations becomes an mmap and a page-fault storm:
    a curiosity-loss score took 120 s of CPU with it and 64 s without."""
    import dask  # noqa: PLC0415
    from distributed import Client, LocalCluster  # noqa: PLC0415

    n = workers or os.cpu_count() or 1
    key = "distributed.nanny.pre-spawn-environ"
    spawn_env = {k: v for k, v in dask.config.get(key, {}).items() if k != MALLOC_TRIM}
    with dask.config.set({key: spawn_env}):  # read when each nanny is made, here
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
            env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )
    return cluster, Client(cluster)


def connect(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """(cluster, client): a new LocalCluster of `workers` processes when `scheduler` is None
    (close both when done), else (None, a client of the running scheduler at that address)."""
    if scheduler is None:
        return local_client(workers)
    from distributed import Client  # noqa: PLC0415

    try:
        return None, Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise ConfigError(
            f"--scheduler {scheduler}: cannot connect ({exc}); start one with "
            "`dask scheduler` and `dask worker <address>`"
        ) from None


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


@contextmanager
def dask_executor(scheduler: str | None, workers: int | None) -> Iterator[Executor]:
    """A Dask cluster as an Executor (see `connect`); client and cluster close on exit."""
    cluster, client = connect(scheduler, workers)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            close_quietly(cluster)
