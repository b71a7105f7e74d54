"""Peak memory of one call: tracemalloc (Python and numpy allocations) and the process RSS.

torch allocates outside Python's allocator, so tracemalloc alone misses tensors; the resident
set size (RSS) sees everything. On Linux the RSS high-water mark (VmHWM) is reset before the call
by writing 5 to /proc/self/clear_refs, so the peak belongs to that call; elsewhere the lifetime
peak from getrusage is reported (an upper bound), or 0 where there is none (Windows).
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
MB = 1024.0 * 1024.0


@dataclass(frozen=True)
class MemoryPeak:
    """Peaks of one call, in MiB.

    Attributes:
        rss_peak_mb: highest resident set size of the process during the call.
        rss_delta_mb: rss_peak_mb minus the RSS just before the call.
        traced_peak_mb: tracemalloc's peak (None when tracing was off).
        exact: True when the RSS peak was reset before the call (Linux).
    """

    rss_peak_mb: float
    rss_delta_mb: float
    traced_peak_mb: float | None
    exact: bool


def _status_kb(field: str) -> float | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def current_rss_mb() -> float:
    kb = _status_kb("VmRSS")
    if kb is not None:
        return kb / 1024.0
    return _lifetime_peak_mb()


def _lifetime_peak_mb() -> float:
    """Lifetime RSS peak from getrusage (POSIX); 0.0 where the platform has no `resource`
    module (Windows), so a benchmark still runs and reports tracemalloc's numbers."""
    try:
        import resource
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024.0


def measure(fn: Callable[[], T], *, trace: bool) -> tuple[T, float, MemoryPeak]:
    """Run fn once; returns (its result, wall seconds, memory peaks).

    With trace=True tracemalloc runs during the call, which slows allocation-heavy Python code:
    time such calls separately.
    """
    gc.collect()
    before = current_rss_mb()
    exact = _reset_peak()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - t0
        traced = tracemalloc.get_traced_memory()[1] / MB if trace else None
        if trace:
            tracemalloc.stop()
    hwm = _status_kb("VmHWM")
    peak = hwm / 1024.0 if (exact and hwm is not None) else _lifetime_peak_mb()
    return result, seconds, MemoryPeak(peak, max(peak - before, 0.0), traced, exact)
