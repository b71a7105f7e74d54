"""Frozen descriptions of instruments, and the one value a run hands to every assembly.

A spec says what the instrument is (stage, probe/PFM back end, recipe, limits); an
`InstrumentBuild` says where and when it runs (seed, composition map, fence, run folder,
arming). `hardware.assembly.sim | lab | replay` turn the two into an `Instrument`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hardware.protocols import SSParams
from hardware.replay import LibraryDataset
from hardware.safety import SafetyPolicy, SoftFence
from hardware.sim import SimTiming
from hardware.vendors.nanonis import NanonisSettings

Range = tuple[float, float]
XY = tuple[float, float]
CompositionAt = Callable[[float, float], Mapping[str, float]]


@dataclass(frozen=True)
class InstrumentBuild:
    """What a run supplies when it assembles its instrument.

    Attributes:
        seed: instrument seed (simulated sample, per-location noise).
        composition_at: stage position -> composition, for simulated samples (None: no map).
        prior_measurements: locations already measured (a resumed run's tip wear).
        start_time_s: the simulated clock's start (a resumed run continues its lab time).
        start_xy_mm: where a simulated stage starts (None: the spec's start).
        run_dir: folder of the hardware journal and lock (None: journal in memory, no lock).
        fence: the software fence every move is checked against.
        arm_hardware: allow real hardware to move (otherwise a lab instrument is a dry run).
    """

    seed: int
    composition_at: CompositionAt | None = None
    prior_measurements: int = 0
    start_time_s: float = 0.0
    start_xy_mm: XY | None = None
    run_dir: Path | None = None
    fence: SoftFence = field(default_factory=SoftFence)
    arm_hardware: bool = False


@dataclass(frozen=True)
class Recipe:
    """The switching-spectroscopy recipe and how many fresh spots are averaged per location."""

    params: SSParams = field(default_factory=SSParams)
    spots_per_location: int = 1


@dataclass(frozen=True)
class SampleSpec:
    """A simulated sample: a name in `hardware.assembly.samples.SAMPLES`, parameter overrides
    by field name, and the noise level (`realistic`, `low`: spot-to-spot tiers / 4, `none`)."""

    name: str = "smbfo"
    noise: Literal["realistic", "low", "none"] = "realistic"
    overrides: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SimPFMSpec:
    """Simulated probe + PFM over a simulated sample; `amplifier_v` is the bias amplifier's
    range and `faults` the one-shot fault plan (`KIND@N[xK]`, see hardware.sim)."""

    sample: SampleSpec = field(default_factory=SampleSpec)
    timing: SimTiming = field(default_factory=SimTiming)
    amplifier_v: float = 200.0
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimInstrumentSpec:
    """Simulated stage, probe and PFM behind the safety facade. The policy's fence is replaced
    by the build's fence."""

    pfm: SimPFMSpec
    recipe: Recipe
    policy: SafetyPolicy
    travel_mm: tuple[Range, Range] = ((-100.0, 100.0), (-100.0, 100.0))
    start_xy_mm: XY = (0.0, 0.0)


@dataclass(frozen=True)
class ZaberStageSpec:
    """Zaber ASCII two-axis stage on a pyserial URL (COM3, /dev/ttyUSB0, socket://, emu://)."""

    port: str
    microstep_um: float = 0.1
    baudrate: int = 115200
    device: int = 1
    travel_mm: tuple[Range, Range] = ((0.0, 100.0), (0.0, 100.0))
    poll_s: float = 0.1
    read_timeout_s: float = 0.5
    move_timeout_s: float = 60.0
    checksums: bool = True
    clock_from_emulator: str | None = None
    kind: Literal["zaber"] = "zaber"


@dataclass(frozen=True)
class PriorStageSpec:
    """Prior ProScan XY stage (`um_per_count` is its RES resolution)."""

    port: str
    um_per_count: float = 1.0
    baudrate: int = 9600
    travel_mm: tuple[Range, Range] = ((0.0, 100.0), (0.0, 100.0))
    poll_s: float = 0.1
    read_timeout_s: float = 0.5
    move_timeout_s: float = 60.0
    clock_from_emulator: str | None = None
    kind: Literal["prior"] = "prior"


StageSpec = ZaberStageSpec | PriorStageSpec


@dataclass(frozen=True)
class AsylumPFMSpec:
    """Asylum Research controller driven through Igor Pro (file bridge in `exchange_dir`)."""

    exchange_dir: Path
    igor_command: tuple[str, ...] = ()
    command_timeout_s: float = 30.0
    data_timeout_s: float = 300.0
    amplifier_v: float = 10.0


@dataclass(frozen=True)
class NanonisPFMSpec:
    """A Nanonis SPM controller over its TCP programming interface. Over an emulated stage
    (a dry run, or an emu:// port) the link goes to an in-process Nanonis emulator measuring
    the simulated `sample` (None: SmBFO at Sm = 0.1 everywhere)."""

    settings: NanonisSettings
    amplifier_v: float = 10.0
    sample: str | None = None


LabPFMSpec = SimPFMSpec | AsylumPFMSpec | NanonisPFMSpec


@dataclass(frozen=True)
class LabInstrumentSpec:
    """A stage driver and a probe/PFM back end behind the safety facade. The policy's fence is
    replaced by the build's fence; the hardware lock lives in `lock_dir`, named by the port."""

    stage: StageSpec
    pfm: LabPFMSpec
    recipe: Recipe
    policy: SafetyPolicy
    lock_dir: Path


@dataclass(frozen=True)
class ReplayInstrumentSpec:
    """A recorded library dataset replayed through the Instrument protocol.

    Attributes:
        dataset: the recording.
        miss: what a never-recorded location does: `error` or the `nearest` recorded one.
        noise_relative: fresh Gaussian noise, as a multiple of each quantity's robust spread.
        recorded_std: also add the dataset's per-location std where it declares one.
        noise_scalars: apply `noise_relative` to scalars as well as channel arrays.
        timing: overrides of `ReplayTiming` fields (seconds) over the dataset's own timing.
        match_tolerance_mm: hit radius (None: a quarter of the location spacing).
        start_xy_mm: where the replayed stage starts (unless the build gives a position).
    """

    dataset: LibraryDataset
    miss: Literal["error", "nearest"] = "error"
    noise_relative: float = 0.0
    recorded_std: bool = False
    noise_scalars: bool = True
    timing: Mapping[str, float] = field(default_factory=dict)
    match_tolerance_mm: float | None = None
    start_xy_mm: XY = (0.0, 0.0)
