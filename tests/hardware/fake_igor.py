"""A fake Igor Pro for the Asylum bridge tests: a thread that watches the exchange folder,
executes the command file like Igor would (the subset of controls the bridge uses), removes it,
and writes readouts and .ibw data files generated from the simulated sample under the tip.

It keeps every command file it executed (`command_files`, in order) for the golden transcripts,
answers `ControlInfo` / `exists()` probes like Igor (V_flag 0 for a missing control, exists 6
for a user function), and can be told that some controls or functions are missing."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hardware.pfm.dart import sho_amplitude_phase
from hardware.pfm.sspfm import synthesize
from hardware.protocols import SSParams
from hardware.sim import SimWorld
from hardware.vendors.asylum import AR_FUNCTIONS, CONTROLS, SF_COLUMNS, SS_COLUMNS, USER_FUNCTIONS
from hardware.vendors.ibw import write_ibw

CTRL = re.compile(r'ARExecuteControl\("(\w+)","(\w+)",([-+\d.eE]+),"([^"]*)"\)')
CALL = re.compile(r"(\w+)\(([^)]*)\)")
SAMPLES = 10  # lock-in samples per bias segment


class FakeIgor:
    def __init__(
        self,
        exchange_dir: Path,
        world: SimWorld,
        seed: int = 0,
        where: Callable[[], tuple[float, float]] | None = None,
        missing: frozenset[str] = frozenset(),
    ) -> None:
        """`where()` gives the stage position (default: the world's, for a SimStage);
        `missing` names controls or functions this Igor lacks."""
        self.dir = exchange_dir
        self.missing = missing
        self.command_files: list[list[str]] = []
        self.v_flag = 0.0
        self.world = world
        self.where = where or (lambda: world.xy_mm)
        self.rng = np.random.default_rng(seed)
        self.state: dict[str, float] = {
            "v_max": 10.0,
            "cycles": 2,
            "steps": 64,
            "width": 10e3,
            "engaged": 0.0,
            "bias": 0.0,
            "center": 350e3,
            "dual": 1.0,
            "drive": 20e3,
        }
        self.readout: list[str] = []
        self.executed: list[str] = []
        self.files = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> FakeIgor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        cmd = self.dir / "buffer" / "ToIgor.arcmd"
        while not self._stop.wait(0.002):
            if cmd.exists():
                lines = [x for x in cmd.read_bytes().decode("ascii").split("\r") if x.strip()]
                self.command_files.append(lines)
                for line in lines:
                    self.executed.append(line)
                    self._run(line.strip())
                cmd.unlink()

    def _run(self, line: str) -> None:
        if m := CTRL.fullmatch(line):
            self._control(m[1], float(m[3]))
        elif line.startswith("Make/N="):
            self.readout = []
        elif m := re.fullmatch(r'ReadOut\[\d+\]=GV\("(\w+)"\)', line):
            self.readout.append(f"{self._gv(m[1]):.9g}")
        elif m := re.fullmatch(r"ControlInfo/W=(\w+) (\w+)", line):
            known = CONTROLS.get(m[2]) == m[1] and m[2] not in self.missing
            self.v_flag = 1.0 if known else 0.0
        elif m := re.fullmatch(r'ReadOut\[\d+\]=WinType\("(\w+)"\)', line):
            known = m[1] in set(CONTROLS.values()) and m[1] not in self.missing
            self.readout.append("7" if known else "0")
        elif re.fullmatch(r"ReadOut\[\d+\]=V_Flag", line):
            self.readout.append(f"{self.v_flag:g}")
        elif m := re.fullmatch(r'ReadOut\[\d+\]=exists\("(\w+)"\)', line):
            known = m[1] in (*AR_FUNCTIONS, *USER_FUNCTIONS) and m[1] not in self.missing
            self.readout.append("6" if known else "0")
        elif m := re.fullmatch(r'Save/O/G/J ReadOut as "(.+)"', line):
            Path(m[1]).write_text("\n".join(self.readout) + "\n")
        elif m := CALL.fullmatch(line):
            self._call(m[1], m[2])

    def _control(self, name: str, value: float) -> None:
        keys = {
            "TipVoltageSetVar_0": "bias",
            "ARDoIVAmpSetVar_1": "v_max",
            "ARDoIVCyclesSetVar_1": "cycles",
            "DFRTFrequencyWidthSetvar": "width",
            "DFRTFrequencyCenterSetvar": "center",
            "DualACModeBox_3": "dual",
            "DriveFrequencySetVar_0": "drive",
        }
        if name in keys:
            self.state[keys[name]] = value
        elif name == "MotorEngageButton_0":
            ok = self.world.sample.surface_at(*self.where()) == "film"
            self.state["engaged"] = 1.0 if ok else 0.0
        elif name == "SingleForce_2":
            self._write_ss() if self.state["dual"] else self._write_single_ss()

    def _call(self, name: str, args: str) -> None:
        if name == "CXWithdraw":
            self.state["engaged"] = 0.0
        elif name == "CXSetSSSteps":
            self.state["steps"] = float(args)
        elif name == "GetTune":
            self._write_tune()

    def _gv(self, key: str) -> float:
        return {
            "HVAGain": 1.0,
            "MotorEngaged": self.state["engaged"],
            "ZSensorMicrons": -2.0,
            "DeflVolts": 0.5,
        }.get(key, float("nan"))

    def _spot(self):
        xy = self.where()
        return self.world.sample.spot(dict(self.world.composition_at(*xy)), *xy, self.rng)

    def _new_file(self, stem: str) -> Path:
        self.files += 1
        return self.dir / "data" / f"{stem}{self.files:04d}.ibw"

    def _write_tune(self) -> None:
        xy = self.where()
        resp = self.world.sample.response(dict(self.world.composition_at(*xy)), *xy)
        freq = np.linspace(resp.f0_hz - 20e3, resp.f0_hz + 20e3, 200)
        amp, phase = sho_amplitude_phase(
            np.ones(1), np.zeros(1), np.array([resp.f0_hz]), np.array([resp.q]), freq
        )
        phase = phase - np.pi  # BGlib convention for the tune sweep
        data = np.column_stack([freq, amp, np.degrees(phase)])
        write_ibw(self._new_file("Tune"), data, column_labels=["Freq", "Amp", "Phase"])

    def _write_ss(self) -> None:
        s = self.state
        params = SSParams(
            v_max=s["v_max"],
            steps_per_cycle=int(s["steps"]),
            cycles=int(s["cycles"]),
            dart_width_hz=s["width"],
        )
        raw = synthesize(
            self._spot(),
            params,
            self.rng,
            tip_sensitivity=1.0,
            lockin_phase_rad=0.7,
            detector_noise=self.world.sample.detector_noise,
        )
        rows = []
        for i, v in enumerate(raw["bias_v"]):
            for field, bias in (("dart_on", v), ("dart_off", 0.0)):
                a1, a2, p1, p2, f1, f2 = raw[field][i]
                seg = np.tile(
                    [a1, a2, np.degrees(p1), np.degrees(p2), (f1 + f2) / 2, bias], (SAMPLES, 1)
                )
                seg[[0, -1], :4] *= 3.0  # settling transients that the reader must drop
                rows.append(seg)
        note = f"ARDoIVCurve: 1\nSSSteps: {len(raw['bias_v'])}\nDFRTFrequencyWidth: {s['width']:g}"
        write_ibw(self._new_file("SS"), np.vstack(rows), note=note, column_labels=list(SS_COLUMNS))

    def _write_single_ss(self) -> None:
        s = self.state
        params = SSParams(
            v_max=s["v_max"],
            steps_per_cycle=int(s["steps"]),
            cycles=int(s["cycles"]),
            mode="single",
            single_drive_hz=s["drive"],
        )
        raw = synthesize(
            self._spot(),
            params,
            self.rng,
            tip_sensitivity=1.0,
            lockin_phase_rad=0.7,
            detector_noise=self.world.sample.detector_noise,
        )
        rows = []
        for i, v in enumerate(raw["bias_v"]):
            for field, bias in (("sf_on", v), ("sf_off", 0.0)):
                amp, phase, _ = raw[field][i]
                seg = np.tile([amp, np.degrees(phase), bias], (SAMPLES, 1))
                seg[[0, -1], :1] *= 3.0  # settling transients that the reader must drop
                rows.append(seg)
        note = f"ARDoIVCurve: 1\nSSSteps: {len(raw['bias_v'])}\nDriveFrequency: {s['drive']:g}"
        write_ibw(self._new_file("SS"), np.vstack(rows), note=note, column_labels=list(SF_COLUMNS))
