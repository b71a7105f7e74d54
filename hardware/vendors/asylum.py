"""Asylum Research (MFP-3D / Jupiter / Cypher) through Igor Pro: an aespm-style file bridge.

Reference §1.2: every action is an Igor command line written to `buffer/ToIgor.arcmd`; Igor
executes it (aespm runs `SendToIgor.bat`, which calls `Igor.exe /X` on the file; configure that
as `igor_command`, or leave it empty when an Igor-side loop watches the folder) and removes the
file when done. Values are read back by making Igor save a wave as text (`readout.txt`);
measurements are detected as new `.ibw` files in the data folder and read with igor2 (an optional
extra: `pip install combi-explorer[asylum]`). Every wait has a timeout.

Switching spectroscopy runs as DART-SS (`sspfm.mode: dart`: dual-frequency resonance tracking,
a quadruple per step) or as single-frequency SS-PFM (`mode: single`: DART off, one drive
frequency, amplitude and phase per step).

Every Igor name the bridge sends is listed in `CONTROLS`, `USER_FUNCTIONS` and `GV_KEYS`
(docs/asylum-igor.md; `explorer check-igor` verifies them in a running Igor without pressing
anything). Control names are aespm's where aespm has them (engage, tip voltage, PFM/DART mode,
zero PD, DART tune, DART spectroscopy); `DriveFrequencySetVar_0` and the `CX*` user functions
are ours [dk] and must be checked against the lab's Igor before arming.
"""

from __future__ import annotations

import math
import subprocess
import time
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any

import numpy as np

from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.journal import Journal
from hardware.pfm.sho import fit_sho
from hardware.pfm.sspfm import reduce
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

SS_COLUMNS = ("Amp1", "Amp2", "Phase1", "Phase2", "Freq", "Bias")
SF_COLUMNS = ("Amp", "Phase", "Bias")  # single-frequency SS-PFM wave
SS_MODES = ("dart", "single")

# control name -> panel, for every ARExecuteControl the bridge sends
CONTROLS: dict[str, str] = {
    "ImagingModePopup_0": "MasterPanel",
    "DriveFrequencySetVar_0": "MasterPanel",
    "ClearForce_1": "MasterPanel",
    "GoForce_1": "MasterPanel",
    "DualACModeBox_3": "DART",
    "DFRTFrequencyCenterSetvar": "DART",
    "DFRTFrequencyWidthSetvar": "DART",
    "SweepWidthSetVar_3": "DART",
    "DoTuneDFRT_3": "DART",
    "ZeroLDPDButton_1": "MasterMotorPanel",
    "MotorEngageButton_0": "MasterMotorPanel",
    "TipVoltageSetVar_0": "NapPanel",
    "ARDoIVAmpSetVar_1": "DARTSpectroscopy",
    "ARDoIVCyclesSetVar_1": "DARTSpectroscopy",
    "SingleForce_2": "DARTSpectroscopy",
}
# functions the bridge calls: (name, what it must do); Asylum's own first, then the lab's
AR_FUNCTIONS = ("ARExecuteControl", "PV", "GV")
USER_FUNCTIONS: dict[str, str] = {
    "GetTune": "save the last tune as Tune.ibw (columns Freq, Amp, Phase) in the data folder "
    "(aespm UserFunctions.ipf)",
    "CXWithdraw": "CXWithdraw(clearance_um): withdraw the motorised head by at least "
    "clearance_um and return when it stands still",
    "CXSetSSSteps": "CXSetSSSteps(n): set the number of write steps per SS cycle and write "
    "SSSteps into the note of the next SS wave",
}
GV_KEYS = ("HVAGain", "MotorEngaged", "ZSensorMicrons", "DeflVolts")


def _ctrl(name: str, value: float | int = 0, text: str = "") -> str:
    return f'ARExecuteControl("{name}","{CONTROLS[name]}",{value:g},"{text}")'


def igor_path(path: PurePath) -> str:
    """A file path as Igor reads it: Windows paths in Igor's colon form (`C:Users:lab:x.txt`,
    free of backslash escapes), anything else as a POSIX path."""
    win = PureWindowsPath(path)
    if win.drive:
        return win.drive + ":".join(win.parts[1:])
    return path.as_posix()


class AsylumBridge:
    """Command file out, readout / new data files in (aespm's transport)."""

    def __init__(
        self,
        exchange_dir: Path,
        journal: Journal,
        clock: Clock,
        *,
        igor_command: list[str] | None = None,
        command_timeout_s: float = 30.0,
        data_timeout_s: float = 300.0,
        poll_s: float = 0.02,
    ) -> None:
        self.dir = Path(exchange_dir)
        self.cmd_file = self.dir / "buffer" / "ToIgor.arcmd"
        self.readout = self.dir / "buffer" / "readout.txt"
        self.data_dir = self.dir / "data"
        self.journal, self.clock = journal, clock
        self.igor_command = igor_command or []
        self.command_timeout_s, self.data_timeout_s = command_timeout_s, data_timeout_s
        self.poll_s = poll_s
        self.last_f0_hz = 350e3
        for d in (self.cmd_file.parent, self.data_dir):
            d.mkdir(parents=True, exist_ok=True)

    def _wait(self, done: Any, timeout_s: float, what: str) -> None:
        """Poll `done()` in real time (Igor is another process) until true or timeout."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() >= deadline:
                raise HardwareTimeoutError(f"Igor did not {what} within {timeout_s:g} s")
            time.sleep(self.poll_s)

    def execute(self, lines: list[str], *, timeout_s: float | None = None) -> None:
        """Hand Igor a batch of command lines and wait until it has consumed the file."""
        timeout = self.command_timeout_s if timeout_s is None else timeout_s
        self._wait(lambda: not self.cmd_file.exists(), timeout, "take the previous command")
        self.journal.write("command", "igor", lines=lines)
        tmp = self.cmd_file.with_suffix(".part")
        tmp.write_text("\r".join(lines) + "\r", encoding="ascii")
        tmp.replace(self.cmd_file)
        if self.igor_command:
            try:
                subprocess.run(self.igor_command, check=True, timeout=timeout)
            except (OSError, subprocess.SubprocessError) as exc:
                raise HardwareError(f"running {self.igor_command[0]!r} failed: {exc}") from None
        self._wait(lambda: not self.cmd_file.exists(), timeout, "execute the command file")

    def read_values(self, keys: list[str]) -> list[float]:
        """aespm `read_spm`: Igor saves GV(key) for each key into readout.txt."""
        values = self.read_expressions([([], f'GV("{k}")') for k in keys])
        self.journal.write("reply", "igor", values=dict(zip(keys, values, strict=True)))
        return values

    def read_expressions(self, items: list[tuple[list[str], str]]) -> list[float]:
        """Evaluate Igor expressions into readout.txt; each item is (lines to run first,
        expression), e.g. `(["ControlInfo/W=DART DoTuneDFRT_3"], "V_Flag")`."""
        self.readout.unlink(missing_ok=True)
        lines = [f"Make/N={len(items)}/O ReadOut"]
        for i, (before, expression) in enumerate(items):
            lines += [*before, f"ReadOut[{i}]={expression}"]
        lines.append(f'Save/O/G/J ReadOut as "{igor_path(self.readout)}"')
        self.execute(lines)
        self._wait(self.readout.exists, self.command_timeout_s, "write readout.txt")
        values = [float(v) for v in self.readout.read_text().split()]
        if len(values) != len(items):
            raise HardwareError(f"readout.txt has {len(values)} values for {len(items)} items")
        return values

    def data_files(self) -> set[str]:
        return {p.name for p in self.data_dir.glob("*.ibw")}

    def wait_new_file(self, before: set[str]) -> Path:
        """The first .ibw that appears in the data folder after `before` (aespm's file count)."""
        found: list[str] = []

        def appeared() -> bool:
            found[:] = sorted(self.data_files() - before)
            return bool(found)

        self._wait(appeared, self.data_timeout_s, "save a new data file")
        path = self.data_dir / found[0]
        self.journal.write("reply", "igor", new_file=path.name)
        return path


def load_ibw(path: Path) -> tuple[FloatArray, list[str], str]:
    """(data, column labels, note) of an .ibw file, via igor2 (the optional extra)."""
    try:
        from igor2 import binarywave  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise HardwareError(
            "reading Asylum .ibw files needs igor2: pip install 'combi-explorer[asylum]'"
        ) from None
    wave = binarywave.load(str(path))["wave"]
    labels = [b.decode("ascii", "replace") for b in (wave.get("labels") or [[], []])[1][1:]]
    note = bytes(wave.get("note", b"")).decode("latin-1").replace("\r", "\n")
    return np.asarray(wave["wData"], float), labels, note


def note_value(note: str, key: str, default: float) -> float:
    for line in note.splitlines():
        k, sep, v = line.partition(":")
        if sep and k.strip() == key:
            return float(v)
    return default


def segment_means(trace: FloatArray, n_segments: int, drop: float = 0.1) -> FloatArray:
    """Mean of each of `n_segments` equal segments, dropping `drop` at both ends (settling)."""
    seg = np.asarray(trace, float).reshape(n_segments, -1)
    k = round(seg.shape[1] * drop)
    return np.asarray(seg[:, k : seg.shape[1] - k].mean(axis=1))


def dart_ss_from_ibw(path: Path) -> dict[str, FloatArray]:
    """Bias-on / bias-off DART quadruples per step from an Asylum DART-SS wave (aespm `_load_ss`:
    write (on-field) and read (off-field) segments alternate; 10 % settling dropped at each end)."""
    data, labels, note = load_ibw(path)
    cols = {name: data[:, labels.index(name)] for name in SS_COLUMNS if name in labels}
    if len(cols) != len(SS_COLUMNS):
        raise HardwareError(f"{path.name}: expected columns {SS_COLUMNS}, found {labels}")
    steps = int(note_value(note, "SSSteps", 0))
    if steps <= 0 or data.shape[0] % (2 * steps):
        raise HardwareError(f"{path.name}: note has no usable SSSteps for {data.shape[0]} rows")
    width = note_value(note, "DFRTFrequencyWidth", 10e3)
    seg = {k: segment_means(v, 2 * steps) for k, v in cols.items()}
    out: dict[str, FloatArray] = {"bias_v": seg["Bias"][0::2]}
    for name, sl in (("on", slice(0, None, 2)), ("off", slice(1, None, 2))):
        fc = seg["Freq"][sl]
        out[f"dart_{name}"] = np.column_stack(
            [seg["Amp1"][sl], seg["Amp2"][sl], np.radians(seg["Phase1"][sl]),
             np.radians(seg["Phase2"][sl]), fc - width / 2, fc + width / 2]
        )  # fmt: skip
    return out


def single_ss_from_ibw(path: Path) -> dict[str, FloatArray]:
    """Bias-on / bias-off (A, φ, drive_hz) per step from a single-frequency SS-PFM wave:
    columns Amp, Phase (degrees), Bias; segments as in DART-SS; the drive from the note."""
    data, labels, note = load_ibw(path)
    if any(name not in labels for name in SF_COLUMNS):
        raise HardwareError(f"{path.name}: expected columns {SF_COLUMNS}, found {labels}")
    steps = int(note_value(note, "SSSteps", 0))
    if steps <= 0 or data.shape[0] % (2 * steps):
        raise HardwareError(f"{path.name}: note has no usable SSSteps for {data.shape[0]} rows")
    drive_hz = note_value(note, "DriveFrequency", math.nan)
    seg = {k: segment_means(data[:, labels.index(k)], 2 * steps) for k in SF_COLUMNS}
    out: dict[str, FloatArray] = {"bias_v": seg["Bias"][0::2]}
    for name, sl in (("on", slice(0, None, 2)), ("off", slice(1, None, 2))):
        amp = seg["Amp"][sl]
        out[f"sf_{name}"] = np.column_stack(
            [amp, np.radians(seg["Phase"][sl]), np.full(amp.shape, drive_hz)]
        )
    return out


def tune_resonance(freq_hz: FloatArray, amp: FloatArray, phase_deg: FloatArray) -> Resonance:
    """f0 and Q of a tune sweep by an SHO fit. The sign of a tune's phase axis depends on the
    software version and the lock-in set-up, so both senses are fitted and the better fit
    (higher R²) is kept; the amplitude curve alone fixes f0 and Q either way."""
    z = np.asarray(amp * np.exp(1j * np.radians(phase_deg)), complex)
    fits = [fit_sho(freq_hz, z), fit_sho(freq_hz, np.conj(z))]
    best = max(fits, key=lambda fit: float(fit.r2[0]))
    if not best.r2[0] > 0.5:
        raise HardwareError(
            f"the tune shows no resonance (SHO fit R² {float(best.r2[0]):.2f}); check the tune "
            "window and the laser alignment"
        )
    return Resonance(float(best.f0_hz[0]), float(best.q[0]), float(np.max(amp)))


def dart_tune(
    bridge: AsylumBridge, center_hz: float, width_hz: float, timeout_s: float
) -> Resonance:
    """A DART tune saved by aespm's `GetTune()` as Tune.ibw (Freq, Amp, Phase), SHO-fitted."""
    before = bridge.data_files()
    bridge.execute([
        _ctrl("DFRTFrequencyCenterSetvar", center_hz),
        _ctrl("SweepWidthSetVar_3", width_hz),
        _ctrl("DoTuneDFRT_3"),
        "GetTune()",
    ], timeout_s=timeout_s)  # fmt: skip
    data, labels, _ = load_ibw(bridge.wait_new_file(before))
    freq, amp, phase = (data[:, labels.index(k)] for k in ("Freq", "Amp", "Phase"))
    res = tune_resonance(freq, amp, phase)
    bridge.last_f0_hz = res.f0_hz
    return res


class AsylumProbe:
    """Engage/withdraw, tip bias and DART tunes through Igor."""

    def __init__(self, bridge: AsylumBridge, *, bias_limit_v: float) -> None:
        self.bridge = bridge
        self.bias_limit_v = bias_limit_v
        self.state = ProbeState.RETRACTED
        self.bias_v = 0.0
        self.clearance_um = 0.0  # unknown until the first withdraw

    def connect(self, *, timeout_s: float) -> None:
        gain, = self.bridge.read_values(["HVAGain"])  # fmt: skip
        self.bridge.journal.write("note", "probe", message=f"amplifier gain {gain:g}")

    def retract(self, *, clearance_um: float, timeout_s: float) -> None:
        self.bridge.execute([f"CXWithdraw({clearance_um:g})"], timeout_s=timeout_s)
        self.state, self.clearance_um = ProbeState.RETRACTED, clearance_um

    def approach(self, *, timeout_s: float) -> ApproachResult:
        self.state = ProbeState.APPROACHING
        self.bridge.execute([_ctrl("MotorEngageButton_0")], timeout_s=timeout_s)
        engaged, z_um, defl = self.bridge.read_values(
            ["MotorEngaged", "ZSensorMicrons", "DeflVolts"]
        )
        if engaged < 0.5:
            self.state = ProbeState.RETRACTED
            return ApproachResult(False, z_um, defl, "Igor reports the engage failed")
        self.state, self.clearance_um = ProbeState.ENGAGED, 0.0
        return ApproachResult(True, z_um, defl)

    def set_bias(self, volts: float, *, ramp_v_per_s: float, timeout_s: float) -> None:
        if abs(volts) > self.bias_limit_v:
            raise HardwareError(f"bias {volts} V beyond the amplifier range ±{self.bias_limit_v}")
        self.bridge.execute([_ctrl("TipVoltageSetVar_0", volts)], timeout_s=timeout_s)
        self.bias_v = float(volts)

    def tune(self, *, center_hz: float, width_hz: float, timeout_s: float) -> Resonance:
        return dart_tune(self.bridge, center_hz, width_hz, timeout_s)

    def close(self) -> None:
        return None


class AsylumPFM:
    """PFM mode switching and switching spectroscopy (DART-SS or single-frequency) via Igor."""

    channels: tuple[str, ...] = ("sspfm",)

    def __init__(self, bridge: AsylumBridge, *, mode: str = "dart") -> None:
        if mode not in SS_MODES:
            raise HardwareError(
                f"the Asylum bridge runs switching spectroscopy as {' or '.join(SS_MODES)}, "
                f"not {mode!r}"
            )
        self.bridge = bridge
        self.mode = mode

    def enter_mode(self, *, timeout_s: float) -> None:
        self.bridge.execute([
            _ctrl("ImagingModePopup_0", 0, "PFM Mode"),
            _ctrl("DualACModeBox_3", 1 if self.mode == "dart" else 0),
            _ctrl("ZeroLDPDButton_1"),
        ], timeout_s=timeout_s)  # fmt: skip

    def leave_mode(self, *, timeout_s: float) -> None:
        self.bridge.execute([
            _ctrl("ImagingModePopup_0", 0, "AC Mode"),
            _ctrl("DualACModeBox_3", 0),
        ], timeout_s=timeout_s)  # fmt: skip

    def switching_spectroscopy(
        self, params: SSParams, site: Site, *, timeout_s: float
    ) -> dict[str, FloatArray]:
        if params.mode != self.mode:
            raise HardwareError(
                f"recipe mode {params.mode!r} differs from the bridge's {self.mode!r}"
            )
        before = self.bridge.data_files()
        if self.mode == "dart":
            drive = _ctrl("DFRTFrequencyWidthSetvar", params.dart_width_hz)
        else:
            drive = _ctrl("DriveFrequencySetVar_0", params.single_drive_hz)
        self.bridge.execute([
            f'PV("XOffset", {site.spot_dx_um * 1e-6:g})',
            f'PV("YOffset", {site.spot_dy_um * 1e-6:g})',
            _ctrl("ARDoIVAmpSetVar_1", params.v_max),
            _ctrl("ARDoIVCyclesSetVar_1", params.cycles),
            f"CXSetSSSteps({params.steps_per_cycle})",
            drive,
            _ctrl("ClearForce_1"),
            _ctrl("GoForce_1"),
            _ctrl("SingleForce_2"),
        ], timeout_s=timeout_s)  # fmt: skip
        path = self.bridge.wait_new_file(before)
        raw = dart_ss_from_ibw(path) if self.mode == "dart" else single_ss_from_ibw(path)
        return {f"sspfm.{k}": np.asarray(v) for k, v in {**raw, **reduce(raw)}.items()}

    def tip_check(self, *, timeout_s: float) -> TipHealth:
        """A wide DART tune at the current spot: drive-referred amplitude (resonance amplitude /
        Q, proportional to tip sensitivity × local response) and f0, for the facade to compare
        with its first check."""
        res = dart_tune(self.bridge, self.bridge.last_f0_hz, 100e3, timeout_s)
        return TipHealth(res.amp / res.q, res.f0_hz)

    def close(self) -> None:
        return None
