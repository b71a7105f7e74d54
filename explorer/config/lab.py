"""`instrument: {kind: lab, ...}`: a real stage driver (Zaber ASCII or Prior ProScan over any
pyserial URL) plus a PFM back end (the simulated probe/PFM, the Asylum/Igor bridge, or a
Nanonis controller over TCP), behind the same safety facade as `kind: sim`. The YAML fields map
onto hardware.assembly's specs; hardware.assembly.lab assembles the instrument.

Arming: a port that is not `emu://` is real hardware. Without `--arm-hardware` the run is a dry
run: the driver talks to an in-process emulator named `dryrun` instead of the port (and the
Nanonis client to an in-process Nanonis emulator beside it), so every command that *would* be
sent is journaled and nothing reaches the hardware.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from explorer.config.instrument import SimTimingConfig, SSPFMConfig, check_sim_faults
from explorer.config.paths import PortablePath
from explorer.config.safety_config import SafetyConfig, check_safety
from explorer.config.strict_base import NonNegFloat, PositiveFloat, Range, Strict
from hardware.assembly.lab import assemble_lab
from hardware.assembly.sample_check import sample_problems
from hardware.assembly.specs import (
    AsylumPFMSpec,
    InstrumentBuild,
    LabInstrumentSpec,
    NanonisPFMSpec,
    PriorStageSpec,
    SampleSpec,
    SimPFMSpec,
    ZaberStageSpec,
)
from hardware.protocols import Instrument
from hardware.safety import SoftFence
from hardware.vendors.nanonis import NanonisSettings

DEFAULT_TRAVEL: tuple[Range, Range] = ((0.0, 100.0), (0.0, 100.0))


class ZaberStageConfig(Strict):
    """Zaber ASCII two-axis stage. `port`: COM3, /dev/ttyUSB0, socket://host:port, emu://zaber?.."""

    kind: Literal["zaber"]
    port: str
    microstep_um: PositiveFloat = 0.1
    baudrate: Annotated[int, Field(ge=1200, le=921600)] = 115200
    device: Annotated[int, Field(ge=1, le=99)] = 1
    travel_mm: tuple[Range, Range] = DEFAULT_TRAVEL
    poll_s: Annotated[float, Field(gt=0, le=5)] = 0.1
    read_timeout_s: Annotated[float, Field(gt=0, le=30)] = 0.5
    move_timeout_s: PositiveFloat = 60.0
    checksums: bool = True
    clock_from_emulator: str | None = None  # share the virtual clock of an in-process emulator

    def spec(self) -> ZaberStageSpec:
        return ZaberStageSpec(**self.model_dump(exclude={"kind"}))


class PriorStageConfig(Strict):
    """Prior ProScan XY stage (`RES` resolution `um_per_count`, usually 1 µm)."""

    kind: Literal["prior"]
    port: str
    um_per_count: PositiveFloat = 1.0
    baudrate: Annotated[int, Field(ge=1200, le=115200)] = 9600
    travel_mm: tuple[Range, Range] = DEFAULT_TRAVEL
    poll_s: Annotated[float, Field(gt=0, le=5)] = 0.1
    read_timeout_s: Annotated[float, Field(gt=0, le=30)] = 0.5
    move_timeout_s: PositiveFloat = 60.0
    clock_from_emulator: str | None = None

    def spec(self) -> PriorStageSpec:
        return PriorStageSpec(**self.model_dump(exclude={"kind"}))


StageConfig = Annotated[ZaberStageConfig | PriorStageConfig, Field(discriminator="kind")]


class SimPFMConfig(Strict):
    """Simulated probe + PFM measuring a simulated sample that sits on the real stage."""

    kind: Literal["sim"]
    sample: Literal["smbfo", "alscbn"] = "smbfo"
    noise: Literal["realistic", "low", "none"] = "realistic"
    sample_params: dict[str, float] = Field(default_factory=dict)
    timing: SimTimingConfig = Field(default_factory=SimTimingConfig)
    amplifier_v: Annotated[float, Field(gt=0, le=220)] = 10.0
    faults: list[str] = Field(default_factory=list, max_length=32)

    _faults = field_validator("faults")(check_sim_faults)

    @model_validator(mode="after")
    def _sample_params(self) -> SimPFMConfig:
        problems = sample_problems(self.sample, self.sample_params)
        if problems:
            raise ValueError(problems[0])
        return self

    def spec(self) -> SimPFMSpec:
        sample = SampleSpec(self.sample, self.noise, dict(self.sample_params))
        return SimPFMSpec(sample, self.timing.spec(), self.amplifier_v, tuple(self.faults))


class AsylumPFMConfig(Strict):
    """Asylum Research controller driven through Igor Pro (aespm-style file bridge)."""

    kind: Literal["asylum"]
    exchange_dir: PortablePath
    igor_command: list[str] = Field(default_factory=list)
    command_timeout_s: PositiveFloat = 30.0
    data_timeout_s: PositiveFloat = 300.0
    amplifier_v: Annotated[float, Field(gt=0, le=220)] = 10.0
    sample: Literal["smbfo", "alscbn"] | None = None  # only used to name the composition keys

    def spec(self) -> AsylumPFMSpec:
        return AsylumPFMSpec(
            self.exchange_dir,
            tuple(self.igor_command),
            self.command_timeout_s,
            self.data_timeout_s,
            self.amplifier_v,
        )


class NanonisPFMConfig(Strict):
    """A Nanonis SPM controller (SPECS) over its TCP programming interface (`nanonis_spm`).

    Signal slots are indexes in the Signals Manager; `motor_step_um` is the coarse motor's
    step (open loop: the clearance is counted in steps); `lockin_v_per_au` converts the
    demodulator output to response units at 1 V drive. The loop needs
    `sspfm.mode: single` (the lock-in at `single_drive_hz`). Unarmed, the run talks to
    an in-process Nanonis emulator over the simulated `sample` instead of `host:port`."""

    kind: Literal["nanonis"]
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 6501
    connect_timeout_s: PositiveFloat = 5.0
    command_timeout_s: PositiveFloat = 10.0
    poll_s: Annotated[float, Field(gt=0, le=5)] = 0.2
    motor_step_um: PositiveFloat = 0.1
    motor_group: Annotated[int, Field(ge=0, le=5)] = 0
    deflection_signal: Annotated[int, Field(ge=0, le=127)] = 1
    bias_signal: Annotated[int, Field(ge=0, le=127)] = 24
    lockin_x_signal: Annotated[int, Field(ge=0, le=127)] = 2
    lockin_y_signal: Annotated[int, Field(ge=0, le=127)] = 3
    modulator: Annotated[int, Field(ge=1, le=8)] = 1
    drive_amp_v: Annotated[float, Field(gt=0, le=10)] = 0.1
    lockin_v_per_au: PositiveFloat = 1e-3
    tune_points: Annotated[int, Field(ge=16, le=1024)] = 81
    tune_settle_s: NonNegFloat = 0.005
    points_per_segment: Annotated[int, Field(ge=1, le=1000)] = 5
    segment_settling_s: NonNegFloat = 0.01
    point_settling_s: NonNegFloat = 0.002
    point_integration_s: NonNegFloat = 0.005
    bias_step_s: PositiveFloat = 0.05
    crash_deflection_v: PositiveFloat = 4.0
    amplifier_v: Annotated[float, Field(gt=0, le=220)] = 10.0
    # what the dry-run emulator measures (and the composition keys); none: SmBFO at Sm = 0.1
    sample: Literal["smbfo", "alscbn"] | None = None

    def settings(self) -> NanonisSettings:
        return NanonisSettings(**self.model_dump(exclude={"kind", "amplifier_v", "sample"}))

    def spec(self) -> NanonisPFMSpec:
        return NanonisPFMSpec(self.settings(), self.amplifier_v, self.sample)


PFMConfig = Annotated[
    SimPFMConfig | AsylumPFMConfig | NanonisPFMConfig, Field(discriminator="kind")
]


class LabInstrumentConfig(Strict):
    """A stage driver + PFM back end under the safety facade (see module docstring)."""

    kind: Literal["lab"]
    stage: StageConfig
    pfm: PFMConfig
    sspfm: SSPFMConfig = Field(default_factory=SSPFMConfig)
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    settle_s: NonNegFloat = 30.0
    lock_dir: PortablePath = Path(tempfile.gettempdir()) / "combi-explorer-locks"
    measure_timeout_s: PositiveFloat = 900.0

    @model_validator(mode="after")
    def _checks(self) -> LabInstrumentConfig:
        problems = check_safety(
            self.safety, self.stage.travel_mm, self.sspfm.v_max, self.pfm.amplifier_v
        )
        if self.pfm.kind == "asylum" and self.sspfm.mode == "be":
            problems.append(
                "sspfm.mode: the Asylum bridge runs dart (DART-SS) or single "
                "(single-frequency SS-PFM), not be; choose one of those"
            )
        if problems:
            raise ValueError(problems[0])
        if self.pfm.kind == "nanonis" and self.sspfm.mode != "single":
            raise ValueError(
                f"sspfm.mode: {self.sspfm.mode!r}; the Nanonis back end reads its lock-in at "
                "one frequency: set 'mode: single' (drive at single_drive_hz)"
            )
        return self

    @property
    def sample(self) -> str | None:
        return self.pfm.sample

    @property
    def controller_limits_mm(self) -> tuple[Range, Range]:
        lim = self.safety.soft_limits
        return (lim.x_mm, lim.y_mm) if lim else self.stage.travel_mm

    def spec(self) -> LabInstrumentSpec:
        """The YAML fields as the frozen spec hardware.assembly.lab assembles."""
        return LabInstrumentSpec(
            self.stage.spec(),
            self.pfm.spec(),
            self.sspfm.recipe(),
            self.safety.policy(self.controller_limits_mm, SoftFence(), self.settle_s),
            self.lock_dir,
        )

    def build(self, build: InstrumentBuild) -> Instrument:
        return assemble_lab(self.spec(), build)
