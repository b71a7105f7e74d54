"""Asylum Research (MFP-3D / Jupiter / Cypher) through Igor Pro: an aespm-style file bridge.

Reference §1.2: every action is an Igor command line written to `buffer/ToIgor.arcmd`; Igor
executes it (aespm runs `SendToIgor.bat`, which calls `Igor.exe /X` on the file; configure that
as `igor_command`, or leave it empty when an Igor-side loop watches the folder) and removes the
file when done. Values are read back by making Igor save a wave as text (`readout.txt`);
measurements are detected as new `.ibw` files in the data folder and read with igor2 (an optional
extra: `pip install combi-explorer[asylum]`). Every wait has a timeout.

Control names are aespm's where aespm has them (engage, tip voltage, PFM/DART mode, zero PD,
DART tune, DART spectroscopy); `MotorWithdrawButton_0` and the `CX*` user functions are ours
[dk] and must be checked against the lab's Igor procedures before arming.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
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


def _ctrl(name: str, panel: str, value: float | int = 0, text: str = "") -> str:
    return f'ARExecuteControl("{name}","{panel}",{value:g},"{text}")'


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
        self.readout.unlink(missing_ok=True)
        lines = [f"Make/N={len(keys)}/O ReadOut"]
        lines += [f'ReadOut[{i}]=GV("{k}")' for i, k in enumerate(keys)]
        lines.append(f'Save/O/G/J ReadOut as "{self.readout.as_posix()}"')
        self.execute(lines)
        self._wait(self.readout.exists, self.command_timeout_s, "write readout.txt")
        values = [float(v) for v in self.readout.read_text().split()]
        if len(values) != len(keys):
            raise HardwareError(f"readout.txt has {len(values)} values for keys {keys}")
        self.journal.write("reply", "igor", values=dict(zip(keys, values, strict=True)))
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


def dart_tune(
    bridge: AsylumBridge, center_hz: float, width_hz: float, timeout_s: float
) -> Resonance:
    """A DART tune saved by aespm's `GetTune()` as Tune.ibw (Freq, Amp, Phase), SHO-fitted."""
    before = bridge.data_files()
    bridge.execute([
        _ctrl("DFRTFrequencyCenterSetvar", "DART", center_hz),
        _ctrl("SweepWidthSetVar_3", "DART", width_hz),
        _ctrl("DoTuneDFRT_3", "DART"),
        "GetTune()",
    ], timeout_s=timeout_s)  # fmt: skip
    data, labels, _ = load_ibw(bridge.wait_new_file(before))
    freq, amp, phase = (data[:, labels.index(k)] for k in ("Freq", "Amp", "Phase"))
    fit = fit_sho(freq, np.asarray(amp * np.exp(1j * np.radians(phase)), complex))
    res = Resonance(float(fit.f0_hz[0]), float(fit.q[0]), float(np.max(amp)))
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
        self.bridge.execute([_ctrl("MotorEngageButton_0", "MasterMotorPanel")], timeout_s=timeout_s)
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
        self.bridge.execute([_ctrl("TipVoltageSetVar_0", "NapPanel", volts)], timeout_s=timeout_s)
        self.bias_v = float(volts)

    def tune(self, *, center_hz: float, width_hz: float, timeout_s: float) -> Resonance:
        return dart_tune(self.bridge, center_hz, width_hz, timeout_s)

    def close(self) -> None:
        return None


class AsylumPFM:
    """PFM/DART mode switching and DART switching spectroscopy through Igor."""

    channels: tuple[str, ...] = ("sspfm",)

    def __init__(self, bridge: AsylumBridge) -> None:
        self.bridge = bridge

    def enter_mode(self, *, timeout_s: float) -> None:
        self.bridge.execute([
            _ctrl("ImagingModePopup_0", "MasterPanel", 0, "PFM Mode"),
            _ctrl("DualACModeBox_3", "DART", 1),
            _ctrl("ZeroLDPDButton_1", "MasterMotorPanel"),
        ], timeout_s=timeout_s)  # fmt: skip

    def leave_mode(self, *, timeout_s: float) -> None:
        self.bridge.execute([
            _ctrl("ImagingModePopup_0", "MasterPanel", 0, "AC Mode"),
            _ctrl("DualACModeBox_3", "DART", 0),
        ], timeout_s=timeout_s)  # fmt: skip

    def switching_spectroscopy(
        self, params: SSParams, site: Site, *, timeout_s: float
    ) -> dict[str, FloatArray]:
        if params.mode != "dart":
            raise HardwareError("the Asylum bridge runs DART switching spectroscopy (mode: dart)")
        before = self.bridge.data_files()
        self.bridge.execute([
            f'PV("XOffset", {site.spot_dx_um * 1e-6:g})',
            f'PV("YOffset", {site.spot_dy_um * 1e-6:g})',
            _ctrl("ARDoIVAmpSetVar_1", "DARTSpectroscopy", params.v_max),
            _ctrl("ARDoIVCyclesSetVar_1", "DARTSpectroscopy", params.cycles),
            f"CXSetSSSteps({params.steps_per_cycle})",
            _ctrl("DFRTFrequencyWidthSetvar", "DART", params.dart_width_hz),
            _ctrl("ClearForce_1", "MasterPanel"),
            _ctrl("GoForce_1", "MasterPanel"),
            _ctrl("SingleForce_2", "DARTSpectroscopy"),
        ], timeout_s=timeout_s)  # fmt: skip
        raw = dart_ss_from_ibw(self.bridge.wait_new_file(before))
        return {f"sspfm.{k}": np.asarray(v) for k, v in {**raw, **reduce(raw)}.items()}

    def tip_check(self, *, timeout_s: float) -> TipHealth:
        """A wide DART tune at the current spot: drive-referred amplitude (resonance amplitude /
        Q, proportional to tip sensitivity × local response) and f0, for the facade to compare
        with its first check."""
        res = dart_tune(self.bridge, self.bridge.last_f0_hz, 100e3, timeout_s)
        return TipHealth(res.amp / res.q, res.f0_hz)

    def close(self) -> None:
        return None
