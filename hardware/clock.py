"""Clocks: a virtual SimClock so simulated campaigns report lab hours while running instantly."""

from __future__ import annotations

import threading
import time


class SimClock:
    """Virtual time. `sleep` advances it instantly; `speedup` > 0 also really sleeps t/speedup."""

    def __init__(self, start_s: float = 0.0, *, speedup: float = 0.0) -> None:
        self._t = float(start_s)
        self._speedup = float(speedup)
        self._lock = threading.Lock()

    def now_s(self) -> float:
        with self._lock:
            return self._t

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot sleep a negative time ({seconds} s)")
        with self._lock:
            self._t += seconds
        if self._speedup > 0:
            time.sleep(seconds / self._speedup)

    def advance(self, seconds: float) -> None:
        """Alias of sleep, for emulators that model elapsed time."""
        self.sleep(seconds)


class RealClock:
    """Wall-clock time (monotonic) for real hardware."""

    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))
