"""Thread pools of the numeric libraries: how many threads a process may use, and setting them.

torch (intra-op OpenMP), the BLAS under numpy/scipy (OpenBLAS/MKL, via threadpoolctl) and any
library imported later (through the *_NUM_THREADS variables) get the same count. torch is only
touched if it is already imported, so a random-strategy sweep never pays for importing it.

`choose_threads` picks the count that never oversubscribes the machine: the cores this process
may run on (its CPU affinity where the OS has one, else the CPU count), less the cores other
processes keep busy right now (runnable tasks in /proc/loadavg, else the 1-minute load), shared
among `workers` processes, capped at `MAX_AUTO_THREADS` (the GP matrices of a campaign gain
nothing from more), at least 1. OpenMP threads that wait for a busy core spin at barriers, so one
thread too many costs far more than one too few. An `OMP_NUM_THREADS` the user exported caps
the automatic count (source "environment"), as numpy and torch users expect; `--threads N`
overrides the choice.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
MAX_AUTO_THREADS = 4
_LOADAVG = Path("/proc/loadavg")


@dataclass(frozen=True)
class ThreadChoice:
    """The thread count a process uses and why (logged in run_started / run_resumed)."""

    n_threads: int
    source: Literal["auto", "environment", "option", "sweep"]
    cores_available: int
    cores_busy: int
    workers: int = 1

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)


def available_cores() -> int:
    """Cores this process may run on: its affinity mask where the OS has one, else cpu_count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def busy_cores(loadavg: Path = _LOADAVG) -> int:
    """Cores other processes keep busy now: runnable tasks less this one (Linux), else the
    1-minute load average, else 0."""
    try:
        running = int(loadavg.read_text().split()[3].split("/")[0])
        return max(0, running - 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(os.getloadavg()[0])
    except (OSError, AttributeError):
        return 0


def choose_threads(requested: int | None = None, *, workers: int = 1) -> ThreadChoice:
    """`requested` threads if given (>= 1), else the automatic count for one of `workers`
    processes sharing this machine (see the module docstring)."""
    if requested is not None and requested < 1:
        raise ValueError(f"thread count must be >= 1, got {requested}")
    if workers < 1:
        raise ValueError(f"worker count must be >= 1, got {workers}")
    cores, busy = available_cores(), busy_cores()
    if requested is not None:
        return ThreadChoice(requested, "option", cores, busy, workers)
    free = max(1, cores - busy) // workers
    auto = max(1, min(free, MAX_AUTO_THREADS))
    cap = environment_cap()
    if cap is not None and cap < auto:
        return ThreadChoice(cap, "environment", cores, busy, workers)
    return ThreadChoice(auto, "auto", cores, busy, workers)


def environment_cap() -> int | None:
    """The thread count exported in OMP_NUM_THREADS (a positive integer), else None."""
    text = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(text) if text.isdigit() and int(text) >= 1 else None


def per_worker_threads(requested: int | None, workers: int) -> int:
    """Threads of each of `workers` processes sharing the cores (`requested` if given): the
    cores divided among them, never oversubscribed, at least 1."""
    if requested is not None:
        return choose_threads(requested).n_threads
    return max(1, min(available_cores() // workers, MAX_AUTO_THREADS))


def apply_threads(choice: ThreadChoice) -> ThreadChoice:
    """Limit every numeric library of this process to the choice; returns it."""
    limit_threads(choice.n_threads)
    return choice


def limit_threads(n: int) -> None:
    """Use at most n threads in every numeric library of this process (n >= 1)."""
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    for var in _ENV:
        os.environ[var] = str(n)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    threadpool_limits(n)


def current_threads() -> dict[str, int]:
    """What each pool uses now (for benchmark metadata)."""
    from threadpoolctl import threadpool_info  # noqa: PLC0415

    out = {f"{p['internal_api']}:{p['prefix']}": int(p["num_threads"]) for p in threadpool_info()}
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch"] = int(torch.get_num_threads())
    return out
