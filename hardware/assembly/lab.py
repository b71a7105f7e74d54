"""Assemble `kind: lab`: a real stage driver (Zaber ASCII or Prior ProScan over any pyserial
URL) and a probe/PFM back end (simulated, Asylum/Igor, Nanonis) behind the safety facade.

Arming: a port that is not `emu://` is real hardware. Unarmed, the driver talks to an
in-process emulator named `dryrun` instead of the port, so every command that *would* be sent
is journaled and nothing reaches the hardware.

Extension points: `STAGES` maps a stage spec's `kind` to its serial line terminator and driver;
`PFM_BACKENDS` maps a PFM spec class to the function that builds its probe and PFM (and may
wrap the stage, as the simulated back end does to follow the stage position).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.assembly.samples import build_sample
from hardware.assembly.sim import sim_world
from hardware.assembly.specs import (
    AsylumPFMSpec,
    InstrumentBuild,
    LabInstrumentSpec,
    NanonisPFMSpec,
    PriorStageSpec,
    Recipe,
    SampleSpec,
    SimPFMSpec,
    StageSpec,
    ZaberStageSpec,
)
from hardware.clock import RealClock
from hardware.emulators import emulator_for, get_emulator, register_url_handler
from hardware.instrument import PFMInstrument, StepTimeouts
from hardware.journal import JOURNAL_FILE, HardwareLock, Journal, lock_path_for
from hardware.protocols import PFM, Clock, Probe, Stage
from hardware.sim import SimPFM, SimProbe
from hardware.stages.prior_proscan import PriorProScanStage
from hardware.stages.tracked import TrackedStage
from hardware.stages.zaber_ascii import ZaberAsciiStage
from hardware.transport import SerialTransport
from hardware.vendors.asylum import AsylumBridge, AsylumPFM, AsylumProbe
from hardware.vendors.nanonis_devices import nanonis_devices


@dataclass(frozen=True)
class LabLink:
    """What a PFM back end is built with: the opened stage, its port, clock and journal."""

    stage: Stage
    port: str
    dry_run: bool
    clock: Clock
    journal: Journal
    build: InstrumentBuild
    recipe: Recipe


def _zaber(spec: Any, t: SerialTransport, clock: Clock, simulated: bool) -> Stage:
    return ZaberAsciiStage(
        t,
        clock,
        microstep_um=spec.microstep_um,
        travel_mm=spec.travel_mm,
        device=spec.device,
        poll_s=spec.poll_s,
        checksums=spec.checksums,
        simulated=simulated,
    )


def _prior(spec: Any, t: SerialTransport, clock: Clock, simulated: bool) -> Stage:
    return PriorProScanStage(
        t,
        clock,
        um_per_count=spec.um_per_count,
        travel_mm=spec.travel_mm,
        poll_s=spec.poll_s,
        simulated=simulated,
    )


StageFactory = Callable[[Any, SerialTransport, Clock, bool], Stage]
#: stage kind -> (serial line terminator, driver): Zaber ASCII ends lines with LF, Prior with CR
STAGES: dict[str, tuple[bytes, StageFactory]] = {
    ZaberStageSpec.kind: (b"\n", _zaber),
    PriorStageSpec.kind: (b"\r", _prior),
}


def _sim_pfm(spec: Any, link: LabLink) -> tuple[Probe, PFM, Stage]:
    spots = link.recipe.spots_per_location
    world = sim_world(spec, link.build, link.clock, spots_per_location=spots)
    return (
        SimProbe(world, spec.timing, bias_limit_v=spec.amplifier_v),
        SimPFM(world, spec.timing),
        TrackedStage(link.stage, world),
    )


def _asylum_pfm(spec: Any, link: LabLink) -> tuple[Probe, PFM, Stage]:
    bridge = AsylumBridge(
        spec.exchange_dir,
        link.journal,
        link.clock,
        igor_command=list(spec.igor_command),
        command_timeout_s=spec.command_timeout_s,
        data_timeout_s=spec.data_timeout_s,
    )
    pfm = AsylumPFM(bridge, mode=link.recipe.params.mode)
    return AsylumProbe(bridge, bias_limit_v=spec.amplifier_v), pfm, link.stage


def constant_composition(x_mm: float, y_mm: float) -> dict[str, float]:
    """SmBFO at Sm = 0.1 everywhere (what `explorer emulate nanonis` uses without a campaign)."""
    return {"Sm": 0.1}


def _nanonis_pfm(spec: Any, link: LabLink) -> tuple[Probe, PFM, Stage]:
    """Nanonis probe + PFM (`hardware/vendors/nanonis_devices.py`): an emulated stage gets an
    in-process Nanonis emulator over `spec.sample` (without one: SmBFO at Sm = 0.1)."""

    def emulated_sample() -> tuple[Any, Any]:
        composition_at = link.build.composition_at
        name = spec.sample if spec.sample is not None and composition_at is not None else "smbfo"
        sample = build_sample(SampleSpec(name), link.build.seed)
        return sample, composition_at or constant_composition  # `sample: null`: no map given

    probe, pfm = nanonis_devices(
        spec.settings,
        stage_port=link.port,
        clock=link.clock,
        journal=link.journal,
        bias_limit_v=spec.amplifier_v,
        emulated_sample=emulated_sample,
        seed=link.build.seed,
    )
    return probe, pfm, link.stage


PFMFactory = Callable[[Any, LabLink], tuple[Probe, PFM, Stage]]
#: PFM spec class -> (name in `describe()`, builder)
PFM_BACKENDS: dict[type, tuple[str, PFMFactory]] = {
    SimPFMSpec: ("sim", _sim_pfm),
    AsylumPFMSpec: ("asylum", _asylum_pfm),
    NanonisPFMSpec: ("nanonis", _nanonis_pfm),
}


def dry_run_port(port: str, armed: bool, kind: str) -> tuple[str, bool]:
    """(URL to open, dry_run): an unarmed real port is replaced by the dry-run emulator."""
    if port.startswith("emu://") or armed:
        return port, False
    return f"emu://{kind}?name=dryrun", True


def lab_clock(port: str, emulator_name: str | None, kind: str) -> Clock:
    """An emulated port runs on its emulator's virtual clock (or on a named emulator's)."""
    register_url_handler()
    if port.startswith("emu://"):
        clock: Clock = emulator_for(port).clock
        return clock
    if emulator_name is not None:
        return get_emulator(kind, emulator_name).clock
    return RealClock()


def open_stage(spec: StageSpec, port: str, journal: Journal, clock: Clock) -> Stage:
    """The stage driver on its serial transport."""
    eol, make = STAGES[spec.kind]
    transport = SerialTransport(
        port,
        journal,
        source="stage",
        baudrate=spec.baudrate,
        read_timeout_s=spec.read_timeout_s,
        eol=eol,
    )
    return make(spec, transport, clock, port.startswith("emu://"))


def assemble_lab(spec: LabInstrumentSpec, build: InstrumentBuild) -> PFMInstrument:
    """The lab instrument; the journal is closed again if any part fails to open."""
    port, dry_run = dry_run_port(spec.stage.port, build.arm_hardware, spec.stage.kind)
    clock = lab_clock(port, spec.stage.clock_from_emulator, spec.stage.kind)
    journal = Journal(build.run_dir / JOURNAL_FILE if build.run_dir else None, clock.now_s)
    try:
        stage = open_stage(spec.stage, port, journal, clock)
        link = LabLink(stage, port, dry_run, clock, journal, build, spec.recipe)
        probe, pfm, stage = PFM_BACKENDS[type(spec.pfm)][1](spec.pfm, link)
    except BaseException:
        journal.close()
        raise
    return PFMInstrument(
        stage,
        probe,
        pfm,
        dataclasses.replace(spec.policy, fence=build.fence),
        clock=clock,
        journal=journal,
        recipe=spec.recipe.params,
        spots_per_location=spec.recipe.spots_per_location,
        armed=build.arm_hardware,
        lock=HardwareLock(lock_path_for(port, spec.lock_dir), f"stage {port}"),
        timeouts=StepTimeouts(move_s=spec.stage.move_timeout_s),
        composition_at=build.composition_at,
        describe={
            "instrument": "lab",
            "stage": spec.stage.kind,
            "port": spec.stage.port,
            "dry_run": dry_run,
            "pfm": PFM_BACKENDS[type(spec.pfm)][0],
        },
    )
