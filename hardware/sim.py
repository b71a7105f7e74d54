"""Simulated probe and PFM over a `SampleModel`, sharing one `SimWorld` with the SimStage.

Every operation charges a realistic duration to the SimClock (reference §1.5: stage enable/step/
disable, retract, motorized approach, mode switch, DART tunes, settle, DART-SS), so a simulated
campaign reports lab hours while running instantly. They sit behind the same Instrument facade
as real hardware, so simulated runs exercise every safety rule.

Randomness: the facade tells the world which site it is visiting (`enter_site`); each device
then draws from its own child of `SeedSequence(seed, spawn_key=(11, location_id))` (stage 0,
probe 1, PFM 2, tip check 3), so the same location gives the same raw data in a resumed run
regardless of what happened before (a tip check at a location, which depends on how many
visits the journal counts, never shifts the PFM stream). The lock-in phase offset is fixed per
run (spawn key 12).

Fault injection (`SimFaultPlan`, the same one-shot `KIND@N[xK]` grammar as the emulators,
counted in locations visited since this instrument was built): `approach` (every approach at
the N-th location is a false engage), `crash` (the tip hits something: probe FAULT), `nan`
(NaN readouts), `saturate` (amplitude clipped at half its peak), `tipchange` (from the N-th
location on the tip has lost 70 % of its sensitivity: the next tip check refuses).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from hardware.emulators.zaber import FaultPlan
from hardware.errors import HardwareError
from hardware.pfm.quality import RAW_PREFIXES
from hardware.pfm.sample import SampleModel
from hardware.pfm.sspfm import reduce, synthesize
from hardware.protocols import (
    ApproachResult,
    Clock,
    FloatArray,
    ProbeState,
    Resonance,
    Site,
    SSParams,
    TipHealth,
)

CompositionFn = Callable[[float, float], Mapping[str, float]]
STREAMS = {"stage": 0, "probe": 1, "pfm": 2, "tip": 3}


class SimFaultPlan(FaultPlan):
    """Probe / PFM faults of the simulated instrument (see the module docstring)."""

    KINDS = ("approach", "crash", "nan", "saturate", "tipchange")


@dataclass(frozen=True)
class SimTiming:
    """Durations in seconds (reference/hardware-and-physics.md §1.5)."""

    stage_enable_s: float = 8.0
    stage_disable_s: float = 1.0
    stage_speed_mm_per_s: float = 0.1
    home_speed_mm_per_s: float = 2.0
    retract_s: float = 2.0
    approach_s: float = 20.0
    approach_jitter: float = 0.25  # log-normal sigma
    approach_failure_p: float = 0.02
    mode_switch_s: float = 36.0  # AC -> PFM/DART and back (10 + 8 s each way)
    tune_s: float = 3.0  # two DART tunes
    zero_pd_s: float = 3.5
    settle_s: float = 30.0
    loop_s: float = 10.0  # one DART-SS loop (2 cycles)
    tip_check_s: float = 20.0
    bias_ramp_v_per_s: float = 50.0


@dataclass
class SimWorld:
    """State shared by the simulated stage, probe and PFM: sample, clock, tip, current site."""

    sample: SampleModel
    composition_at: CompositionFn
    seed: int
    clock: Clock
    xy_mm: tuple[float, float] = (0.0, 0.0)
    loops_done: int = 0
    tip_lifetime_loops: float = 3000.0
    f0_wear_per_loop: float = 2e-4
    site: Site | None = None
    faults: FaultPlan = field(default_factory=SimFaultPlan)
    sites_visited: int = 0
    tip_factor: float = 1.0
    _rngs: dict[str, np.random.Generator] = field(default_factory=dict)

    @property
    def lockin_phase_rad(self) -> float:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(12,)))
        return float(rng.uniform(-np.pi / 2, 3 * np.pi / 2))

    def enter_site(self, site: Site) -> None:
        if site == self.site:
            return  # stage, probe and PFM all forward the same site
        self.site = site
        self.sites_visited += 1
        if self.fault("tipchange"):
            self.tip_factor = 0.3
        children = np.random.SeedSequence(self.seed, spawn_key=(11, site.location_id)).spawn(4)
        self._rngs = {name: np.random.default_rng(children[k]) for name, k in STREAMS.items()}

    def rng(self, purpose: str) -> np.random.Generator:
        if purpose not in self._rngs:  # outside a site (homing, tip checks before a visit)
            key = (13, STREAMS[purpose], self.loops_done)
            self._rngs[purpose] = np.random.default_rng(
                np.random.SeedSequence(self.seed, spawn_key=key)
            )
        return self._rngs[purpose]

    def fault(self, kind: str) -> bool:
        """Whether an injected fault of `kind` fires at the current location."""
        return self.faults.fires(kind, self.sites_visited)

    def tip_sensitivity(self) -> float:
        return self.tip_factor * math.exp(-self.loops_done / self.tip_lifetime_loops)

    def f0_scale(self) -> float:
        return max(1.0 - self.f0_wear_per_loop * self.loops_done, 0.5)

    def composition(self) -> dict[str, float]:
        return dict(self.composition_at(*self.xy_mm))


class SimProbe:
    """Z, approach, bias and tune over the simulated sample (reference §6.4 SimProbe)."""

    def __init__(self, world: SimWorld, timing: SimTiming, *, bias_limit_v: float) -> None:
        self.world = world
        self.timing = timing
        self.bias_limit_v = bias_limit_v
        self.state = ProbeState.RETRACTED
        self.bias_v = 0.0
        self.clearance_um = 1000.0  # the head starts fully up

    def connect(self, *, timeout_s: float) -> None:
        return None

    def retract(self, *, clearance_um: float, timeout_s: float) -> None:
        if self.state is not ProbeState.RETRACTED or self.clearance_um < clearance_um:
            self.world.clock.sleep(self.timing.retract_s)
        self.state = ProbeState.RETRACTED
        self.clearance_um = max(self.clearance_um, clearance_um)

    def approach(self, *, timeout_s: float) -> ApproachResult:
        w, t = self.world, self.timing
        rng = w.rng("probe")
        seconds = t.approach_s * float(rng.lognormal(0.0, t.approach_jitter))
        failed = bool(rng.random() < t.approach_failure_p)
        self.state = ProbeState.APPROACHING
        surface = w.sample.surface_at(*w.xy_mm)
        if seconds > timeout_s or surface == "off_sample":
            w.clock.sleep(min(seconds, timeout_s))
            self.state = ProbeState.RETRACTED
            return ApproachResult(False, 0.0, 0.0, "no surface found within the Z range")
        w.clock.sleep(seconds)
        if surface == "keep_out" or w.fault("crash"):
            self.state = ProbeState.FAULT
            return ApproachResult(False, 0.0, 5.0, "tip crashed onto a clamp / electrode pad")
        if w.fault("approach"):
            self.state = ProbeState.RETRACTED
            return ApproachResult(False, 0.0, 0.0, "approach stopped: false engage (injected)")
        if failed:
            self.state = ProbeState.RETRACTED
            return ApproachResult(False, 0.0, 0.0, "approach stopped: false engage")
        self.state, self.clearance_um = ProbeState.ENGAGED, 0.0
        return ApproachResult(True, float(rng.normal(-2.0, 0.3)), float(rng.normal(0.5, 0.02)))

    def set_bias(self, volts: float, *, ramp_v_per_s: float, timeout_s: float) -> None:
        if abs(volts) > self.bias_limit_v:
            raise HardwareError(
                f"bias {volts} V is beyond the amplifier range ±{self.bias_limit_v}"
            )
        self.world.clock.sleep(abs(volts - self.bias_v) / ramp_v_per_s)
        self.bias_v = float(volts)

    def tune(self, *, center_hz: float, width_hz: float, timeout_s: float) -> Resonance:
        w = self.world
        if self.state is not ProbeState.ENGAGED:
            raise HardwareError("tune needs the probe engaged")
        w.clock.sleep(self.timing.tune_s / 2)
        resp = w.sample.response(w.composition(), *w.xy_mm)
        rng = w.rng("probe")
        f0 = resp.f0_hz * w.f0_scale() * (1.0 + float(rng.normal(0.0, 1e-3)))
        if abs(f0 - center_hz) > width_hz / 2:
            raise HardwareError(
                f"no contact resonance within {center_hz / 1e3:.1f} ± {width_hz / 2e3:.1f} kHz "
                "(tip lost, or the tune window is wrong)"
            )
        return Resonance(f0, resp.q * float(rng.lognormal(0.0, 0.05)), resp.q * w.tip_sensitivity())

    def enter_site(self, site: Site) -> None:
        self.world.enter_site(site)

    def close(self) -> None:
        return None


class SimPFM:
    """SS-PFM (DART or BE) raw data from the sample, reduced by the same analysis as real data."""

    channels: tuple[str, ...] = ("sspfm",)

    def __init__(self, world: SimWorld, timing: SimTiming) -> None:
        self.world = world
        self.timing = timing

    def enter_mode(self, *, timeout_s: float) -> None:
        self.world.clock.sleep(self.timing.mode_switch_s / 2 + self.timing.zero_pd_s)

    def leave_mode(self, *, timeout_s: float) -> None:
        self.world.clock.sleep(self.timing.mode_switch_s / 2)

    def switching_spectroscopy(
        self, params: SSParams, site: Site, *, timeout_s: float
    ) -> dict[str, FloatArray]:
        w = self.world
        rng = w.rng("pfm")
        spot = w.sample.spot(w.composition(), site.x_mm, site.y_mm, rng)
        raw = synthesize(
            spot,
            params,
            rng,
            tip_sensitivity=w.tip_sensitivity(),
            lockin_phase_rad=w.lockin_phase_rad,
            detector_noise=w.sample.detector_noise,
            f0_scale=w.f0_scale(),
        )
        w.clock.sleep(self.timing.loop_s * params.cycles / 2)
        w.loops_done += 1
        if w.fault("nan") or w.fault("saturate"):
            raw = _corrupt(raw, nan=w.fault("nan"))
        out = {**raw, **reduce(raw)}
        return {f"sspfm.{k}": np.asarray(v) for k, v in out.items()}

    def tip_check(self, *, timeout_s: float) -> TipHealth:
        w = self.world
        w.clock.sleep(self.timing.tip_check_s)
        rng = w.rng("tip")
        f0 = w.sample.f0_ref_hz * w.f0_scale()
        return TipHealth(w.tip_sensitivity() * float(rng.lognormal(0.0, 0.03)), f0)

    def expected_metrics(self, x_mm: float, y_mm: float) -> dict[str, float]:
        """Noise-free ground truth at a position (for scoring benchmarks, never for decisions)."""
        return self.world.sample.expected_metrics(
            dict(self.world.composition_at(x_mm, y_mm)), x_mm, y_mm
        )

    def enter_site(self, site: Site) -> None:
        self.world.enter_site(site)

    def close(self) -> None:
        return None


def _corrupt(raw: dict[str, FloatArray], *, nan: bool) -> dict[str, FloatArray]:
    """Injected bad readouts: NaN on a few steps, or the amplitude clipped at half its peak."""
    out = dict(raw)
    for key in [k for k in raw if k.startswith(RAW_PREFIXES)]:
        a = np.array(raw[key], float)
        if nan:
            a[len(a) // 3 : len(a) // 3 + 4] = np.nan
        elif key.startswith(("dart_", "sf_")):
            cols = 2 if key.startswith("dart_") else 1  # the amplitude columns
            top = 0.5 * float(np.max(a[:, :cols]))
            a[:, :cols] = np.minimum(a[:, :cols], top)
        else:
            top = 0.5 * float(np.max(np.abs(a)))
            a = np.clip(a, -top, top)
        out[key] = a
    return out
