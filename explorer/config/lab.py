"""`instrument: {kind: lab, ...}`: a real stage driver (Zaber ASCII or Prior ProScan over any
pyserial URL) plus a PFM back end (the simulated probe/PFM, the Asylum/Igor bridge, or a
Nanonis controller over TCP), behind the same safety facade as `kind: sim`.

Arming: a port that is not `emu://` is real hardware. Without `--arm-hardware` the run is a dry
run: the driver talks to an in-process emulator named `dryrun` instead of the port (and the
Nanonis client to an in-process Nanonis emulator beside it), so every command that *would* be
sent is journaled and nothing reaches the hardware.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from explorer.config.base import NonNegFloat, PositiveFloat, Range, Strict
from explorer.config.instrument import (
    SimTimingConfig,
    SSPFMConfig,
    build_sample,
    check_sim_faults,
    sample_elements,
    sample_param_names,
)
from explorer.config.safety import SafetyConfig, check_safety
from explorer.config.sample_check import sample_problems

if TYPE_CHECKING:
    from hardware.protocols import Clock, Instrument, Stage
    from hardware.safety import SoftFence

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
        names, elements = sample_param_names(self.sample), sample_elements(self.sample)
        problems = sample_problems(self.sample, self.sample_params, names, elements)
        if problems:
            raise ValueError(problems[0])
        return self


class AsylumPFMConfig(Strict):
    """Asylum Research controller driven through Igor Pro (aespm-style file bridge)."""

    kind: Literal["asylum"]
    exchange_dir: Path
    igor_command: list[str] = Field(default_factory=list)
    command_timeout_s: PositiveFloat = 30.0
    data_timeout_s: PositiveFloat = 300.0
    amplifier_v: Annotated[float, Field(gt=0, le=220)] = 10.0
    sample: Literal["smbfo", "alscbn"] | None = None  # only used to name the composition keys


class NanonisPFMConfig(Strict):
    """A Nanonis SPM controller (SPECS) over its TCP programming interface (`nanonis_spm`).

    Signal slots are indexes in the Signals Manager; `motor_step_um` is the coarse motor's
    step (open loop: the clearance is counted in steps); `lockin_v_per_au` converts the
    demodulator output to response units at 1 V drive on resonance. Unarmed, the run talks to
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

    def settings(self) -> Any:
        from hardware.vendors.nanonis import NanonisSettings

        return NanonisSettings(**self.model_dump(exclude={"kind", "amplifier_v", "sample"}))


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
    lock_dir: Path = Path(tempfile.gettempdir()) / "combi-explorer-locks"
    measure_timeout_s: PositiveFloat = 900.0

    @model_validator(mode="after")
    def _checks(self) -> LabInstrumentConfig:
        problems = check_safety(
            self.safety, self.stage.travel_mm, self.sspfm.v_max, self.pfm.amplifier_v
        )
        if problems:
            raise ValueError(problems[0])
        if self.pfm.kind == "nanonis" and self.sspfm.mode != "dart":
            raise ValueError(
                "sspfm.mode: the Nanonis back end reads a single-frequency lock-in; "
                "remove 'mode: be'"
            )
        return self

    @property
    def sample(self) -> str | None:
        return self.pfm.sample

    @property
    def controller_limits_mm(self) -> tuple[Range, Range]:
        lim = self.safety.soft_limits
        return (lim.x_mm, lim.y_mm) if lim else self.stage.travel_mm

    def build(
        self,
        *,
        seed: int,
        composition_at: object,
        prior_measurements: int = 0,
        start_time_s: float = 0.0,
        start_xy_mm: tuple[float, float] | None = None,
        run_dir: Path | None = None,
        fence: SoftFence | None = None,
        arm_hardware: bool = False,
    ) -> Instrument:
        from hardware.instrument import PFMInstrument, StepTimeouts
        from hardware.journal import JOURNAL_FILE, HardwareLock, Journal, lock_path_for
        from hardware.safety import SoftFence

        port, dry_run = _port(self.stage.port, arm_hardware, self.stage.kind)
        clock = _clock(port, self.stage.clock_from_emulator, self.stage.kind)
        journal = Journal(run_dir / JOURNAL_FILE if run_dir else None, clock.now_s)
        try:
            stage = _stage(self.stage, port, journal, clock, simulated=port.startswith("emu://"))
            if isinstance(self.pfm, NanonisPFMConfig):
                probe, pfm = _nanonis(self.pfm, port, dry_run, clock, journal, seed, composition_at)
            else:
                probe, pfm, stage = _pfm(
                    self, stage, clock, journal, seed, composition_at, prior_measurements
                )
        except BaseException:
            journal.close()
            raise
        policy = self.safety.policy(self.controller_limits_mm, fence or SoftFence(), self.settle_s)
        lock = HardwareLock(lock_path_for(port, self.lock_dir), f"stage {port}")
        return PFMInstrument(
            stage,
            probe,
            pfm,
            policy,
            clock=clock,
            journal=journal,
            recipe=self.sspfm.params(),
            spots_per_location=self.sspfm.spots,
            armed=arm_hardware,
            lock=lock,
            timeouts=StepTimeouts(move_s=self.stage.move_timeout_s),
            composition_at=composition_at,  # type: ignore[arg-type]
            describe={
                "instrument": "lab",
                "stage": self.stage.kind,
                "port": self.stage.port,
                "dry_run": dry_run,
                "pfm": self.pfm.kind,
            },
        )


def _port(port: str, armed: bool, kind: str) -> tuple[str, bool]:
    """(URL to open, dry_run): an unarmed real port is replaced by the dry-run emulator."""
    if port.startswith("emu://") or armed:
        return port, False
    return f"emu://{kind}?name=dryrun", True


def _clock(port: str, emulator_name: str | None, kind: str) -> Clock:
    from hardware.clock import RealClock
    from hardware.emulators import emulator_for, get_emulator, register_url_handler

    register_url_handler()
    if port.startswith("emu://"):
        clock: Clock = emulator_for(port).clock
        return clock
    if emulator_name is not None:
        return get_emulator(kind, emulator_name).clock
    return RealClock()


def _stage(cfg: Any, port: str, journal: Any, clock: Clock, *, simulated: bool) -> Stage:
    from hardware.transport import SerialTransport

    t = SerialTransport(
        port,
        journal,
        source="stage",
        baudrate=cfg.baudrate,
        read_timeout_s=cfg.read_timeout_s,
        eol=b"\n" if cfg.kind == "zaber" else b"\r",  # Zaber ASCII: LF; Prior ProScan: CR
    )
    if cfg.kind == "zaber":
        from hardware.stages.zaber_ascii import ZaberAsciiStage

        return ZaberAsciiStage(
            t,
            clock,
            microstep_um=cfg.microstep_um,
            travel_mm=cfg.travel_mm,
            device=cfg.device,
            poll_s=cfg.poll_s,
            checksums=cfg.checksums,
            simulated=simulated,
        )
    from hardware.stages.prior_proscan import PriorProScanStage

    return PriorProScanStage(
        t,
        clock,
        um_per_count=cfg.um_per_count,
        travel_mm=cfg.travel_mm,
        poll_s=cfg.poll_s,
        simulated=simulated,
    )


def _pfm(
    cfg: LabInstrumentConfig,
    stage: Stage,
    clock: Clock,
    journal: Any,
    seed: int,
    composition_at: Any,
    prior_measurements: int,
) -> tuple[Any, Any, Stage]:
    p = cfg.pfm
    if isinstance(p, SimPFMConfig):
        from hardware.sim import SimFaultPlan, SimPFM, SimProbe, SimTiming, SimWorld
        from hardware.stages.tracked import TrackedStage

        sample = build_sample(p.sample, p.sample_params, p.noise, seed)
        timing = SimTiming(**p.timing.model_dump())
        world = SimWorld(
            sample,
            composition_at,
            seed,
            clock,
            loops_done=prior_measurements * cfg.sspfm.spots,
            tip_lifetime_loops=sample.params.tip_lifetime_loops,
            faults=SimFaultPlan(p.faults),
        )
        return (
            SimProbe(world, timing, bias_limit_v=p.amplifier_v),
            SimPFM(world, timing),
            TrackedStage(stage, world),
        )
    assert isinstance(p, AsylumPFMConfig), "Nanonis is assembled by _nanonis"
    from hardware.vendors.asylum import AsylumBridge, AsylumPFM, AsylumProbe

    bridge = AsylumBridge(
        p.exchange_dir,
        journal,
        clock,
        igor_command=p.igor_command,
        command_timeout_s=p.command_timeout_s,
        data_timeout_s=p.data_timeout_s,
    )
    return AsylumProbe(bridge, bias_limit_v=p.amplifier_v), AsylumPFM(bridge), stage


def _nanonis(
    p: NanonisPFMConfig,
    port: str,
    dry_run: bool,
    clock: Clock,
    journal: Any,
    seed: int,
    composition_at: Any,
) -> tuple[Any, Any]:
    """Nanonis probe + PFM; unarmed (or over an emulated stage without arming), the link goes
    to an in-process emulator beside the stage emulator, over the simulated sample."""
    from dataclasses import replace

    from hardware.vendors.nanonis import NanonisLink, NanonisProbe, client_class
    from hardware.vendors.nanonis_sspfm import NanonisPFM

    client_class()  # the optional extra is missing: say so before anything is opened
    settings = p.settings()
    server = None
    if dry_run or port.startswith("emu://"):
        from hardware.emulators import emulator_for
        from hardware.emulators.nanonis_lab import serve_beside

        name = p.sample if p.sample is not None and composition_at is not None else "smbfo"
        composition = composition_at or _constant_composition  # `sample: null`: no map given
        sample = build_sample(name, {}, "realistic", seed)
        server = serve_beside(emulator_for(port), sample, composition, seed=seed)
        settings = replace(settings, host="127.0.0.1", port=server.port)
    link = NanonisLink(settings, journal)
    if server is not None:
        link.on_close.append(server.stop)
    probe = NanonisProbe(link, clock, bias_limit_v=p.amplifier_v)
    return probe, NanonisPFM(probe)


def _constant_composition(x_mm: float, y_mm: float) -> dict[str, float]:
    """SmBFO at Sm = 0.1 everywhere (what `explorer emulate nanonis` uses without a campaign)."""
    return {"Sm": 0.1}
