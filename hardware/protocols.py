"""Protocols and value types shared by every instrument back end (real, simulated, replay).

Units are in the names (`x_mm`, `timeout_s`, `bias_v`). Arrays travel in `Measurement.arrays`,
keyed `"<channel>.<quantity>"` (for example `"sspfm.bias_v"`, `"sspfm.pr_off"`), so a run
directory stores them as flat `.npz` members and objectives can name a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
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


# ---- devices behind the Instrument facade (reference §6.2) ------------------------------------
Range = tuple[float, float]


@dataclass(frozen=True)
class StageStatus:
    """What a stage reports: read-back position (mm), motion and the controller's flags."""

    referenced: bool
    moving: bool
    x_mm: float
    y_mm: float
    faults: frozenset[str] = frozenset()
    warnings: frozenset[str] = frozenset()


@runtime_checkable
class Stage(Protocol):
    """Coarse XY stage. Every blocking call has a timeout; on expiry the motion is stopped and
    HardwareTimeoutError raised. `stop()` may be called from any thread."""

    travel_mm: tuple[Range, Range]
    simulated: bool

    def connect(self, *, timeout_s: float) -> StageStatus: ...

    def home(self, *, timeout_s: float) -> StageStatus: ...

    def set_limits(self, x_mm: Range, y_mm: Range, *, timeout_s: float) -> None: ...

    def move_to(self, x_mm: float, y_mm: float, *, timeout_s: float) -> StageStatus: ...

    def status(self, *, timeout_s: float) -> StageStatus: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class ProbeState(Enum):
    RETRACTED = "retracted"
    APPROACHING = "approaching"
    ENGAGED = "engaged"
    FAULT = "fault"


@dataclass(frozen=True)
class ApproachResult:
    """Outcome of a motorized approach: success, Z position and the contact deflection."""

    ok: bool
    z_um: float
    deflection_v: float
    reason: str = ""


@dataclass(frozen=True)
class Resonance:
    """A tune: contact resonance frequency, quality factor and amplitude at resonance."""

    f0_hz: float
    q: float
    amp: float


@dataclass(frozen=True)
class TipHealth:
    """A reference measurement: tip sensitivity (relative to a new tip) and resonance."""

    sensitivity: float
    f0_hz: float


@dataclass(frozen=True)
class Site:
    """Where a measurement happens: the library location and the spot inside it (µm offset)."""

    location_id: int
    x_mm: float
    y_mm: float
    spot_dx_um: float = 0.0
    spot_dy_um: float = 0.0


@runtime_checkable
class Probe(Protocol):
    """Z, engagement, tip bias and resonance tuning."""

    state: ProbeState
    bias_v: float
    clearance_um: float
    bias_limit_v: float  # hardware capability: AO range × amplifier gain

    def connect(self, *, timeout_s: float) -> None: ...

    def retract(self, *, clearance_um: float, timeout_s: float) -> None: ...

    def approach(self, *, timeout_s: float) -> ApproachResult: ...

    def set_bias(self, volts: float, *, ramp_v_per_s: float, timeout_s: float) -> None: ...

    def tune(self, *, center_hz: float, width_hz: float, timeout_s: float) -> Resonance: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SSParams:
    """Switching-spectroscopy recipe (triangle of write steps, each followed by a read)."""

    v_max: float = 10.0
    steps_per_cycle: int = 64
    cycles: int = 2
    mode: str = "dart"  # "dart" (quadruple per step), "be" (SHO spectrum), "single" (A, φ)
    dart_width_hz: float = 10e3
    be_bandwidth_hz: float = 60e3
    be_bins: int = 32
    single_drive_hz: float = 20e3  # fixed drive of single-frequency SS-PFM (below resonance)


@runtime_checkable
class PFM(Protocol):
    """Piezoresponse measurements at the engaged tip; arrays keyed "<channel>.<quantity>"."""

    channels: tuple[str, ...]

    def enter_mode(self, *, timeout_s: float) -> None:
        """Switch the controller into PFM/DART mode and zero the photodiode."""
        ...

    def leave_mode(self, *, timeout_s: float) -> None:
        """Back to the imaging (AC) mode used while moving."""
        ...

    def switching_spectroscopy(
        self, params: SSParams, site: Site, *, timeout_s: float
    ) -> dict[str, FloatArray]: ...

    def tip_check(self, *, timeout_s: float) -> TipHealth: ...

    def close(self) -> None: ...


@runtime_checkable
class SiteAware(Protocol):
    """Optional: simulated devices learn which site the facade is about to visit (for their
    per-location random streams); real devices do not implement it."""

    def enter_site(self, site: Site) -> None: ...
