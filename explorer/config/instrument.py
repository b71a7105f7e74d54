"""Instrument section of the YAML: simulated instruments (lab and replay kinds join this union)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from explorer.config.base import XY, NonNegFloat, PositiveFloat, Range, Strict
from explorer.config.replay import ReplayInstrumentConfig
from explorer.config.safety import SafetyConfig, check_safety, omitted_safety_problems
from explorer.config.sample_check import sample_problems

if TYPE_CHECKING:
    from hardware.protocols import Instrument, SSParams
    from hardware.safety import SoftFence


def check_sim_faults(faults: list[str]) -> list[str]:
    """`faults:` entries of a simulated probe/PFM (KIND@N[xK], see hardware.sim)."""
    from hardware.sim import SimFaultPlan

    for text in faults:
        SimFaultPlan.parse(text)  # ValueError names the entry and the grammar
    return faults


class SimTimingConfig(Strict):
    """Virtual durations charged per location (defaults: reference §1.5)."""

    stage_enable_s: NonNegFloat = 8.0
    stage_disable_s: NonNegFloat = 1.0
    stage_speed_mm_per_s: PositiveFloat = 0.1
    home_speed_mm_per_s: PositiveFloat = 2.0
    retract_s: NonNegFloat = 2.0
    approach_s: NonNegFloat = 20.0
    approach_failure_p: Annotated[float, Field(ge=0.0, le=0.5)] = 0.02
    mode_switch_s: NonNegFloat = 36.0
    tune_s: NonNegFloat = 3.0
    zero_pd_s: NonNegFloat = 3.5
    settle_s: NonNegFloat = 30.0
    loop_s: NonNegFloat = 10.0
    tip_check_s: NonNegFloat = 20.0


class SSPFMConfig(Strict):
    """Switching-spectroscopy recipe used at every location.

    `mode: dart` returns a DART quadruple per step (Asylum); `be` a band-excitation spectrum
    per step, fitted with the SHO model; `single` the lock-in amplitude and phase at the fixed
    drive `single_drive_hz` (single-frequency SS-PFM, no Q or f0). `spots` loops are measured
    at distinct fresh spots and averaged."""

    v_max: Annotated[float, Field(gt=0, le=200)] = 10.0
    steps_per_cycle: Annotated[int, Field(ge=8, le=1024, multiple_of=4)] = 64
    cycles: Annotated[int, Field(ge=1, le=8)] = 2
    spots: Annotated[int, Field(ge=1, le=16)] = 1
    mode: Literal["dart", "be", "single"] = "dart"
    dart_width_hz: Annotated[float, Field(gt=0, le=100e3)] = 10e3
    be_bandwidth_hz: Annotated[float, Field(gt=0, le=1e6)] = 60e3
    be_bins: Annotated[int, Field(ge=8, le=512)] = 32
    single_drive_hz: Annotated[float, Field(gt=0, le=5e6)] = 20e3

    def params(self) -> SSParams:
        from hardware.protocols import SSParams

        return SSParams(**self.model_dump(exclude={"spots"}))


class SimInstrumentConfig(Strict):
    """Simulated sample + stage + probe + PFM behind the same safety facade as real hardware.

    `sample_params` overrides fields of the sample model (SmBFOParams / AlScBNParams /
    PhaseParams) by name. `phases` is the ground-truth phase library for novelty discovery
    (hardware/pfm/phases.py; its map follows the stage position, no composition map needed).
    `noise: realistic` is the calibrated three-tier model; `low` divides spot-to-spot variability
    by 4; `none` removes it (for debugging strategies). `amplifier_v` is the simulated bias
    amplifier's range (10 V AO; 100+ V for nitrides).
    """

    kind: Literal["sim"]
    sample: Literal["smbfo", "alscbn", "phases"] = "smbfo"
    noise: Literal["realistic", "low", "none"] = "realistic"
    sample_params: dict[str, float] = Field(default_factory=dict)
    timing: SimTimingConfig = Field(default_factory=SimTimingConfig)
    sspfm: SSPFMConfig = Field(default_factory=SSPFMConfig)
    safety: SafetyConfig | None = None
    start_xy_mm: XY = (0.0, 0.0)
    travel_mm: tuple[Range, Range] = ((-100.0, 100.0), (-100.0, 100.0))
    amplifier_v: Annotated[float, Field(gt=0, le=220)] = 200.0
    measure_timeout_s: PositiveFloat = 600.0
    faults: list[str] = Field(default_factory=list, max_length=32)

    @property
    def controller_limits_mm(self) -> tuple[Range, Range]:
        return _controller_limits(self.safety_or_default(), self.travel_mm)

    _faults = field_validator("faults")(check_sim_faults)

    @model_validator(mode="after")
    def _checks(self) -> SimInstrumentConfig:
        problems = sample_problems(
            self.sample,
            self.sample_params,
            sample_param_names(self.sample),
            sample_elements(self.sample),
        )
        problems += omitted_safety_problems(self.safety, self.default_safety())
        problems += check_safety(
            self.safety_or_default(), self.travel_mm, self.sspfm.v_max, self.amplifier_v
        )
        if problems:
            raise ValueError(problems[0])
        return self

    def safety_or_default(self) -> SafetyConfig:
        """The safety section; by default the bias limit follows the recipe's v_max."""
        return self.safety if self.safety is not None else self.default_safety()

    def default_safety(self) -> SafetyConfig:
        """The limits without a `safety:` block: defaults, bias limit max(10 V, v_max)."""
        return SafetyConfig(bias_limit_v=max(10.0, self.sspfm.v_max))

    def build(
        self,
        *,
        seed: int,
        composition_at: object,
        prior_measurements: int = 0,
        start_time_s: float = 0.0,
        start_xy_mm: XY | None = None,
        run_dir: Path | None = None,
        fence: SoftFence | None = None,
        arm_hardware: bool = False,
    ) -> Instrument:
        from hardware.clock import SimClock
        from hardware.instrument import PFMInstrument
        from hardware.journal import JOURNAL_FILE, HardwareLock, Journal
        from hardware.safety import SoftFence
        from hardware.sim import SimFaultPlan, SimPFM, SimProbe, SimTiming, SimWorld
        from hardware.stages.sim import SimStage

        sample = build_sample(self.sample, self.sample_params, self.noise, seed)
        timing = SimTiming(**self.timing.model_dump())
        clock = SimClock(start_time_s)
        world = SimWorld(
            sample,
            composition_at,  # type: ignore[arg-type]
            seed,
            clock,
            xy_mm=start_xy_mm or self.start_xy_mm,
            loops_done=prior_measurements * self.sspfm.spots,
            tip_lifetime_loops=sample.params.tip_lifetime_loops,
            faults=SimFaultPlan(self.faults),
        )
        safety = self.safety_or_default()
        limits = _controller_limits(safety, self.travel_mm)
        policy = safety.policy(limits, fence or SoftFence(), timing.settle_s)
        journal = Journal(run_dir / JOURNAL_FILE if run_dir else None, clock.now_s)
        lock = HardwareLock(run_dir / ".hardware.lock", "simulated instrument") if run_dir else None
        return PFMInstrument(
            SimStage(world, timing, travel_mm=self.travel_mm),
            SimProbe(world, timing, bias_limit_v=self.amplifier_v),
            SimPFM(world, timing),
            policy,
            clock=clock,
            journal=journal,
            recipe=self.sspfm.params(),
            spots_per_location=self.sspfm.spots,
            armed=arm_hardware,
            lock=lock,
            tune_center_hz=float(sample.params.f0_ref_hz),
            describe={"instrument": "sim", "sample": self.sample, "noise": self.noise},
            composition_at=composition_at,  # type: ignore[arg-type]
        )


def _controller_limits(safety: SafetyConfig, travel: tuple[Range, Range]) -> tuple[Range, Range]:
    if safety.soft_limits is None:
        return travel
    return safety.soft_limits.x_mm, safety.soft_limits.y_mm


def _sample_classes(name: str) -> tuple[type, type]:
    if name == "phases":
        from hardware.pfm.phases import PhaseLibrarySample, PhaseParams

        return PhaseParams, PhaseLibrarySample
    if name == "alscbn":
        from hardware.pfm.alscbn import AlScBNParams, AlScBNSample

        return AlScBNParams, AlScBNSample
    from hardware.pfm.smbfo import SmBFOParams, SmBFOSample

    return SmBFOParams, SmBFOSample


def sample_param_names(name: str) -> set[str]:
    """Float parameters of a sample model that `sample_params` may override."""
    params_cls, _ = _sample_classes(name)
    return {f.name for f in dataclasses.fields(params_cls) if f.type in ("float", float)}


def sample_elements(name: str) -> tuple[str, ...]:
    """Composition keys a simulated sample reads from the library's composition map."""
    return {"smbfo": ("Sm",), "alscbn": ("Sc", "B"), "phases": ()}[name]


NOISE_TIERS = ("heterogeneity_sigma_ln", "dead_spot_probability", "vc_repeat_noise_v")


def build_sample(name: str, overrides: dict[str, float], noise: str, seed: int) -> Any:
    """The simulated sample model, with overrides and the chosen noise level applied.

    `noise: low` divides the spot-to-spot tiers by 4, `none` removes them (the detector noise
    is kept at 1 % so fits stay well posed)."""
    params_cls, sample_cls = _sample_classes(name)
    params = dataclasses.replace(params_cls(), **overrides)
    if noise != "realistic":
        k = 0.25 if noise == "low" else 0.0
        scaled = {f: getattr(params, f) * k for f in NOISE_TIERS}
        scaled["detector_noise"] = params.detector_noise * max(k, 0.01)
        params = dataclasses.replace(params, **scaled)
    return sample_cls(params, seed)


from explorer.config.lab import LabInstrumentConfig  # noqa: E402 - lab builds on the classes above

InstrumentConfig = Annotated[
    SimInstrumentConfig | LabInstrumentConfig | ReplayInstrumentConfig, Field(discriminator="kind")
]
