"""`instrument: {kind: sim}` and the sections it shares with the lab kind (timing of the
simulated devices, the SS-PFM recipe). The YAML fields map onto the frozen specs of
hardware.assembly, which assembles the instrument."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from explorer.config.safety_config import SafetyConfig, check_safety, omitted_safety_problems
from explorer.config.strict_base import XY, NonNegFloat, PositiveFloat, Range, Strict
from hardware.assembly.sample_check import sample_problems
from hardware.assembly.sim import assemble_sim
from hardware.assembly.specs import (
    InstrumentBuild,
    Recipe,
    SampleSpec,
    SimInstrumentSpec,
    SimPFMSpec,
)
from hardware.protocols import Instrument, SSParams
from hardware.safety import SoftFence
from hardware.sim import SimFaultPlan, SimTiming


def check_sim_faults(faults: list[str]) -> list[str]:
    """`faults:` entries of a simulated probe/PFM (KIND@N[xK], see hardware.sim)."""
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

    def spec(self) -> SimTiming:
        return SimTiming(**self.model_dump())


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
        return SSParams(**self.model_dump(exclude={"spots"}))

    def recipe(self) -> Recipe:
        return Recipe(self.params(), self.spots)


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
        problems = sample_problems(self.sample, self.sample_params)
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

    def sample_spec(self) -> SampleSpec:
        return SampleSpec(self.sample, self.noise, dict(self.sample_params))

    def spec(self) -> SimInstrumentSpec:
        """The YAML fields as the frozen spec hardware.assembly.sim assembles."""
        safety = self.safety_or_default()
        return SimInstrumentSpec(
            SimPFMSpec(
                self.sample_spec(), self.timing.spec(), self.amplifier_v, tuple(self.faults)
            ),
            self.sspfm.recipe(),
            safety.policy(self.controller_limits_mm, SoftFence(), self.timing.settle_s),
            travel_mm=self.travel_mm,
            start_xy_mm=self.start_xy_mm,
        )

    def build(self, build: InstrumentBuild) -> Instrument:
        return assemble_sim(self.spec(), build)


def _controller_limits(safety: SafetyConfig, travel: tuple[Range, Range]) -> tuple[Range, Range]:
    if safety.soft_limits is None:
        return travel
    return safety.soft_limits.x_mm, safety.soft_limits.y_mm
