"""A Nanonis SPM controller emulated over the simulated PFM sample (`hardware/pfm/`).

The state a TCP client can see and change: bias, Z controller and piezo Z, the coarse motor
(tip-sample gap), the auto-approach, Follow Me (tip position inside the scan frame), the lock-in
(modulator frequency and amplitude, demodulated X/Y) and the bias spectroscopy module in
multi-line-segment (MLS) mode. Time comes from an injected clock (a SimClock in tests and dry
runs, so approaches and sweeps cost no wall time); motion and approaches complete lazily when a
later command looks at the clock, like the Zaber emulator.

Physics: where the tip lands (the stage position from `position_mm()` plus the Follow Me
offset) the sample model draws one spot; every non-zero-bias point of a spectroscopy is a write
step in that spot's history and the loop model (`hardware/pfm/sspfm.true_loops`) gives its
on-field response; a 0 V point reads the off-field (remanent) response of the last write. The
lock-in sees that response through the cantilever's contact resonance (SHO at the modulation
frequency), with the detector noise of the sample model; demodulator 1 follows modulator 1
and its X/Y are signal slots 2 and 3 (`SIGNAL_NAMES`).

The command table (names, argument and return types as in the vendor's interface) is in
`nanonis_commands.py`; the TCP server in `nanonis_server.py`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from hardware.pfm.sample import SampleModel, SpotResponse
from hardware.pfm.sho import sho_response
from hardware.pfm.sspfm import true_loops
from hardware.protocols import Clock

#: Signals Manager slots (index -> "Name (unit)") the emulator exposes; others read 0.
SIGNAL_NAMES: dict[int, str] = {
    0: "Current (A)",
    1: "Normal Deflection (V)",
    2: "LI Demod 1 X (V)",
    3: "LI Demod 1 Y (V)",
    24: "Bias (V)",
    30: "Z (m)",
}
N_SIGNALS = 32
DEFLECTION, LI_X, LI_Y, BIAS, Z = 1, 2, 3, 24, 30
Z_RANGE_M = 2e-6  # piezo Z travel; withdrawn = the upper limit
CONTACT_DEFLECTION_V = 0.5
CRASH_DEFLECTION_V = 5.0
ELECTROSTATIC_FRACTION = 0.2
VOLTS_PER_AU = 1e-3  # demodulator output per response unit at 1 V drive, gain 1


class NanonisCommandError(Exception):
    """The controller refuses a command (returned in the response's error section)."""


@dataclass(frozen=True)
class NanonisTiming:
    """Durations of the emulated controller (s)."""

    approach_s: float = 15.0
    approach_um_per_s: float = 100.0  # coarse travel while approaching
    withdraw_s: float = 0.5
    motor_step_um: float = 0.1
    motor_steps_per_s: float = 2000.0
    folme_um_per_s: float = 10.0


@dataclass
class Segment:
    start_v: float
    end_v: float
    initial_settling_s: float
    settling_s: float
    integration_s: float
    steps: int


@dataclass
class LockIn:
    """A modulator (and the demodulator of the same number)."""

    on: bool = False
    freq_hz: float = 300e3
    amp_v: float = 0.1
    modulated_signal: int = 0  # as found: not wired for PFM until the client sets it
    demodulated_signal: int = 0


@dataclass
class Landing:
    """The spot under the engaged tip and the bias history written into it."""

    spot: SpotResponse
    writes_v: list[float] = field(default_factory=list)


class NanonisEmulator:
    """Controller state and physics; `nanonis_commands.dispatch` maps commands onto it."""

    def __init__(
        self,
        clock: Clock,
        sample: SampleModel,
        composition_at: Callable[[float, float], Mapping[str, float]],
        position_mm: Callable[[], tuple[float, float]],
        *,
        seed: int = 0,
        timing: NanonisTiming | None = None,
        scan_frame_um: tuple[float, float] = (10.0, 10.0),
    ) -> None:
        self.clock, self.sample, self.composition_at = clock, sample, composition_at
        self.position_mm = position_mm
        self.seed = seed
        self.timing = timing or NanonisTiming()
        self.scan_frame_um = scan_frame_um
        self.lock = threading.RLock()
        self.bias_v = 0.0
        self.zctrl_on = False
        self.z_m = Z_RANGE_M
        self.gap_um = 100.0  # coarse tip-sample distance; the head starts up
        self.crashed = False
        self.approach_until: float | None = None
        self.folme_m = (0.0, 0.0)
        self.lockins = {k: LockIn() for k in range(1, 9)}
        self.channels: list[int] = [BIAS]
        self.mls: list[Segment] = []
        self.landing: Landing | None = None
        self.landings = 0
        self.commands_seen = 0
        self._noise = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(22,)))
        phase_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(12,)))
        self.lockin_phase_rad = float(phase_rng.uniform(-np.pi, np.pi))  # fixed per session

    # ---- where the tip is ---------------------------------------------------------------------
    def tip_mm(self) -> tuple[float, float]:
        x, y = self.position_mm()
        return x + self.folme_m[0] * 1e3, y + self.folme_m[1] * 1e3

    def _land(self) -> None:
        self.landings += 1
        rng = np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(21, self.landings))
        )
        x, y = self.tip_mm()
        spot = self.sample.spot(dict(self.composition_at(x, y)), x, y, rng)
        self.landing = Landing(spot)

    def update(self) -> None:
        """Complete an auto-approach whose time has come."""
        if self.approach_until is None or self.clock.now_s() < self.approach_until:
            return
        self.approach_until = None
        surface = self.sample.surface_at(*self.tip_mm())
        if surface == "off_sample":
            self.gap_um = 0.0  # the motor ran to its end without finding a surface
            return
        self.gap_um, self.zctrl_on, self.z_m = 0.0, True, 0.3 * Z_RANGE_M
        self.crashed = surface == "keep_out"
        self._land()

    # ---- Z --------------------------------------------------------------------------------------
    def start_approach(self) -> None:
        if self.approach_until is not None or self.zctrl_on:
            return
        t = self.timing
        self.approach_until = self.clock.now_s() + t.approach_s + self.gap_um / t.approach_um_per_s

    def stop_approach(self) -> None:
        self.approach_until = None

    def withdraw(self) -> None:
        self.approach_until = None
        if self.zctrl_on or self.z_m < Z_RANGE_M:
            self.clock.sleep(self.timing.withdraw_s)
        self.zctrl_on, self.z_m, self.landing = False, Z_RANGE_M, None

    def set_zctrl(self, on: bool) -> None:
        if on and self.gap_um > 0:
            raise NanonisCommandError(
                "Z controller: no surface within the piezo range (approach first)"
            )
        self.zctrl_on = on
        if not on:
            self.landing = None

    def motor_move(self, direction: int, steps: int) -> None:
        if direction not in (4, 5):
            raise NanonisCommandError(
                f"Motor.StartMove: direction {direction} is not wired (Z only)"
            )
        if self.zctrl_on:
            raise NanonisCommandError("Motor.StartMove: withdraw the tip before a coarse step")
        self.clock.sleep(steps / self.timing.motor_steps_per_s)
        delta = steps * self.timing.motor_step_um
        self.gap_um = max(self.gap_um + (delta if direction == 4 else -delta), 0.0)

    # ---- Follow Me ------------------------------------------------------------------------------
    def folme_move(self, x_m: float, y_m: float) -> None:
        w, h = (v * 1e-6 / 2 for v in self.scan_frame_um)
        if abs(x_m) > w or abs(y_m) > h:
            raise NanonisCommandError(
                f"FolMe.XYPosSet: ({x_m:.3g}, {y_m:.3g}) m is outside the scan frame "
                f"±{w:.3g}, ±{h:.3g} m"
            )
        distance_um = 1e6 * math.dist(self.folme_m, (x_m, y_m))
        self.clock.sleep(distance_um / self.timing.folme_um_per_s)
        self.folme_m = (x_m, y_m)
        if self.zctrl_on:
            self._land()  # a new spot under the tip, with no history

    # ---- signals --------------------------------------------------------------------------------
    def signal(self, index: int) -> float:
        if index == BIAS:
            return self.bias_v
        if index == Z:
            return self.z_m
        if index == DEFLECTION:
            contact = CRASH_DEFLECTION_V if self.crashed else CONTACT_DEFLECTION_V
            return contact if self.zctrl_on else 0.0
        if index in (LI_X, LI_Y):  # remanent response plus the electrostatic background
            z = self.lockin_signal(np.array([self._remanent() + self._background()]), 1 / 16)[0]
            return float(z.real if index == LI_X else z.imag)
        return 0.0

    def _remanent(self) -> float:
        if self.landing is None:
            return 0.0
        spot = self.landing.spot
        if not self.landing.writes_v:
            return spot.loop.a0 + spot.loop.r
        off = self._loops()[1]
        return float(off[-1])

    def _background(self) -> float:
        """Electrostatic drive of the cantilever: a resonance even on a dead spot."""
        x, y = self.tip_mm()
        nominal = self.sample.response(dict(self.composition_at(x, y)), x, y)
        return ELECTROSTATIC_FRACTION * abs(nominal.loop.r)

    def _loops(self) -> tuple[np.ndarray, np.ndarray]:
        """On- and off-field response after each write of the spot's history (which starts
        from 0 V: the as-grown state, so a single write has a direction too)."""
        assert self.landing is not None
        bias = np.asarray([0.0, *self.landing.writes_v], float)
        on, off = true_loops(self.landing.spot, bias, 1.0)
        return on[1:], off[1:]

    def lockin_signal(self, pr: np.ndarray, steps: float = 1) -> np.ndarray:
        """Demodulated X + iY (V) for piezoresponse `pr` (a.u.), through the contact resonance;
        the noise is the sample's detector noise per loop point spread over `steps` samples
        (a Signals.ValsGet averages over the acquisition period: 1/16 of a point's noise)."""
        li = self.lockins[1]
        wired = li.modulated_signal == BIAS and li.demodulated_signal == DEFLECTION
        if not li.on or not wired or self.landing is None:  # no PFM signal: bias not modulated
            return np.zeros(pr.shape, complex)  # or the deflection not demodulated
        spot = self.landing.spot
        phase = self.lockin_phase_rad + np.where(pr >= 0, 0.0, np.pi)
        z = sho_response(np.array(li.freq_hz), np.abs(pr), spot.f0_hz, spot.q, phase)
        noise = self.sample.detector_noise * math.sqrt(steps / 2)  # at the detector: no Q
        z = z + self._noise.normal(0, noise, pr.shape) + 1j * self._noise.normal(0, noise, pr.shape)
        return np.asarray(z * li.amp_v * VOLTS_PER_AU)

    # ---- bias spectroscopy (MLS) ----------------------------------------------------------------
    def spectroscopy(self) -> tuple[list[str], np.ndarray]:
        """Run the configured MLS sweep: channel names and data (channels + 1, points)."""
        if not self.mls:
            raise NanonisCommandError("BiasSpectr.Start: no MLS segments configured")
        if self.landing is None:
            raise NanonisCommandError("BiasSpectr.Start: the tip is not in contact")
        biases, writes = self._run_segments()
        on, off = self._loops()
        pr = np.array([
            (on if b != 0.0 else off)[k - 1] if k else self._initial_pr()
            for b, k in zip(biases, writes, strict=True)
        ])  # fmt: skip
        li = self.lockin_signal(pr, max(seg.steps for seg in self.mls))
        rows = {BIAS: biases, LI_X: li.real, LI_Y: li.imag}
        data = [biases] + [rows.get(ch, np.zeros(biases.size)) for ch in self.channels]
        self.bias_v = float(biases[-1])
        names = ["Bias calc (V)"] + [
            SIGNAL_NAMES.get(ch, f"Input {ch} (V)") for ch in self.channels
        ]
        return names, np.vstack(data)

    def _run_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Bias of every point, and how many writes the spot had seen at that point; a
        constant non-zero segment is one write, every point of a ramp is a write."""
        assert self.landing is not None
        biases: list[float] = []
        writes: list[int] = []
        for seg in self.mls:
            self.clock.sleep(
                seg.initial_settling_s + seg.steps * (seg.settling_s + seg.integration_s)
            )
            constant = seg.start_v == seg.end_v
            if constant and seg.start_v != 0.0:
                self.landing.writes_v.append(seg.start_v)
            for v in np.linspace(seg.start_v, seg.end_v, seg.steps):
                biases.append(float(v))
                if not constant and v != 0.0:
                    self.landing.writes_v.append(float(v))
                writes.append(len(self.landing.writes_v))
        return np.asarray(biases), np.asarray(writes)

    def _initial_pr(self) -> float:
        assert self.landing is not None
        return self.landing.spot.loop.a0 + self.landing.spot.loop.r
