"""Protocols and value types shared by every instrument back end (real, simulated, replay).

Units are in the names (`x_mm`, `timeout_s`, `bias_v`). Arrays travel in `Measurement.arrays`,
keyed `"<channel>.<quantity>"` (for example `"sspfm.bias_v"`, `"sspfm.pr_off"`), so a run
directory stores them as flat `.npz` members and objectives can name a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Time categories reported by every instrument, summed into the run's time budget.
TIME_CATEGORIES: tuple[str, ...] = ("move", "approach", "tune", "settle", "measure", "overhead")


@dataclass(frozen=True)
class Measurement:
    """Everything one visit to a library location produced.

    Attributes:
        location_id: the library location that was measured.
        x_mm, y_mm: stage read-back position (not the target) in mm.
        arrays: raw data, keyed "<channel>.<quantity>" (bias in V, response in a.u.).
        scalars: scalars the instrument already knows (e.g. recorded table values on replay,
            tip health numbers); objectives may read them with `from: scalar`.
        durations_s: instrument time spent per category (see TIME_CATEGORIES), in seconds.
        t_start_s, t_end_s: instrument clock (virtual for simulators) at start and end.
        meta: small JSON-serialisable facts (spot offset, tip state, simulated flag, ...).
    """

    location_id: int
    x_mm: float
    y_mm: float
    arrays: Mapping[str, FloatArray]
    scalars: Mapping[str, float] = field(default_factory=dict)
    durations_s: Mapping[str, float] = field(default_factory=dict)
    t_start_s: float = 0.0
    t_end_s: float = 0.0
    meta: Mapping[str, str | float | int | bool] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Total instrument time of this visit."""
        return float(sum(self.durations_s.values()))

    def channel(self, name: str) -> dict[str, FloatArray]:
        """The arrays of one channel, keyed by quantity (prefix stripped)."""
        prefix = name + "."
        return {k[len(prefix) :]: v for k, v in self.arrays.items() if k.startswith(prefix)}


@runtime_checkable
class Clock(Protocol):
    """Instrument time source: virtual (SimClock) or wall (RealClock)."""

    def now_s(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@runtime_checkable
class Instrument(Protocol):
    """What the campaign runner needs from any instrument.

    `channels` are known before the first measurement (the run_started descriptor).
    `abort()` is idempotent and callable from any thread (signal handlers): stop the stage,
    bias to 0 V, retract.
    """

    channels: tuple[str, ...]

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...
