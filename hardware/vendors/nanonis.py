"""Nanonis SPM controllers (SPECS) over their TCP programming interface, through the vendor's
own client `nanonis_spm` (an optional extra: `pip install 'combi-explorer[nanonis]'`).

`NanonisLink` owns the socket: every command is journaled with its arguments and reply, runs
under a socket timeout, and fails with one HardwareError (a refused command, a lost or garbled
connection). The client resets its socket timeout after each reply, so the link sets it again
before every command.

`NanonisProbe`: withdraw (Z controller off, piezo fully up, then coarse motor steps up to the
clearance the facade asks for), auto-approach (polled with a timeout; contact verified by the Z
controller and the deflection), bias set/get as a ramp with a read-back, and contact-resonance
tunes as a lock-in frequency sweep fitted with the SHO model. The PFM side (lock-in set-up,
Follow Me, switching spectroscopy) is in `nanonis_sspfm.py`.
"""

from __future__ import annotations

import math
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.journal import Journal
from hardware.pfm.sho import fit_sho
from hardware.protocols import ApproachResult, Clock, ProbeState, Resonance

MOTOR_Z_UP, MOTOR_MAX_STEPS = 4, 65535


@dataclass(frozen=True)
class NanonisSettings:
    """How the controller is wired: signal slots, motor step, lock-in and sweep timing."""

    host: str = "127.0.0.1"
    port: int = 6501
    connect_timeout_s: float = 5.0
    command_timeout_s: float = 10.0
    poll_s: float = 0.2
    motor_step_um: float = 0.1
    motor_group: int = 0
    deflection_signal: int = 1
    bias_signal: int = 24
    lockin_x_signal: int = 2
    lockin_y_signal: int = 3
    modulator: int = 1
    drive_amp_v: float = 0.1
    lockin_v_per_au: float = 1e-3
    tune_points: int = 81
    tune_settle_s: float = 0.005
    points_per_segment: int = 5
    segment_settling_s: float = 0.01
    point_settling_s: float = 0.002
    point_integration_s: float = 0.005
    crash_deflection_v: float = 4.0
    bias_step_s: float = 0.05


def client_class() -> Any:
    """The vendor client class, or a HardwareError naming the extra to install."""
    try:
        from nanonis_spm import Nanonis  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        raise HardwareError(
            "the Nanonis back end needs SPECS' client: pip install 'combi-explorer[nanonis]'"
        ) from None
    return Nanonis


class NanonisLink:
    """One TCP connection to the Nanonis software, journaled command by command.

    A command that timed out or lost the connection drops the socket; the next command
    reconnects once (the controller itself is usually still running: the safe path, bias 0 V
    and withdraw, needs it), stopping a bias spectroscopy first if that was what was cut off.
    """

    def __init__(self, settings: NanonisSettings, journal: Journal) -> None:
        self.settings, self.journal = settings, journal
        self._sock: socket.socket | None = None
        self._client: Any = None
        self._lock = threading.RLock()
        self._opened = False
        self._cut_off: str | None = None  # the command whose reply was lost
        self.on_close: list[Callable[[], None]] = []  # e.g. stop a dry run's emulator

    def open(self, *, timeout_s: float) -> None:
        s = self.settings
        where = f"{s.host}:{s.port}"
        self.journal.write("command", "nanonis", command="connect", address=where)
        try:
            self._sock = socket.create_connection((s.host, s.port), timeout=timeout_s)
        except OSError as exc:
            raise HardwareError(
                f"cannot reach the Nanonis software at {where} ({exc}); start it and enable "
                "the TCP programming interface (or `explorer emulate nanonis`)"
            ) from None
        self._client = client_class()(self._sock)
        self._opened = True

    def call(self, method: str, *args: Any, timeout_s: float | None = None) -> list[Any]:
        """Run `Nanonis.<method>(*args)`; the return values, or HardwareError."""
        name = method.replace("_", ".", 1)
        with self._lock:
            self._ensure_open(name)
            assert self._sock is not None
            self.journal.write("command", "nanonis", command=name, args=_plain(args))
            self._sock.settimeout(timeout_s or self.settings.command_timeout_s)
            try:
                result = getattr(self._client, method)(*[_copy(a) for a in args])
            except TimeoutError:
                self._drop(name)
                raise HardwareTimeoutError(f"Nanonis did not answer {name} in time") from None
            except (OSError, struct.error, IndexError, ValueError, UnicodeDecodeError) as exc:
                self._drop(name)
                raise HardwareError(f"lost the Nanonis connection during {name}: {exc}") from None
            if len(result) != 3:
                self._drop(name)
                raise HardwareError(f"Nanonis answered {name} with another command's reply")
            error, _raw, values = result
            self.journal.write("reply", "nanonis", command=name, error=error, values=_plain(values))
            if error:
                raise HardwareError(f"Nanonis refused {name}: {error.strip()}")
            return list(values)

    def _ensure_open(self, name: str) -> None:
        """Reconnect once after a lost reply; HardwareError if never connected or it fails."""
        if self._client is not None:
            return
        if not self._opened:
            raise HardwareError(f"{name}: not connected to the Nanonis software")
        cut_off, self._cut_off = self._cut_off, None
        self.journal.write("note", "nanonis", message=f"reconnecting after {cut_off}")
        try:
            self.open(timeout_s=self.settings.connect_timeout_s)
        except HardwareError as exc:
            raise HardwareError(f"{name}: the Nanonis connection is lost ({exc})") from None
        if cut_off == "BiasSpectr.Start":  # the sweep may still be applying bias
            self.call("BiasSpectr_Stop")

    def _drop(self, cut_off: str | None = None) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = self._client = None
        self._cut_off = cut_off

    def close(self) -> None:
        with self._lock:
            self._drop()
            self._opened = False
            while self.on_close:
                self.on_close.pop()()


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value  # the client edits lists


def _plain(value: Any) -> Any:
    """Journal form of arguments and replies (2D data by shape, 1-tuples unpacked)."""
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape)} if value.ndim > 1 else value.tolist()
    if isinstance(value, list | tuple):
        if len(value) == 1 and isinstance(value[0], int | float) and isinstance(value, tuple):
            return value[0]
        return [_plain(v) for v in value]
    return value


def floats(values: list[Any]) -> list[float]:
    """A decoded float array (the client returns 1-tuples per element)."""
    return [float(v[0] if isinstance(v, tuple) else v) for v in values]


class NanonisProbe:
    """Z, approach, bias and resonance tunes on a Nanonis controller."""

    def __init__(self, link: NanonisLink, clock: Clock, *, bias_limit_v: float) -> None:
        self.link, self.clock, self.bias_limit_v = link, clock, bias_limit_v
        self.settings = link.settings
        self.state = ProbeState.RETRACTED
        self.bias_v = 0.0
        self.clearance_um = 0.0  # unknown until the first withdraw: the motor is open-loop
        self.last_f0_hz = 0.0
        self.last_q = 0.0
        self.signal_names: list[str] = []
        self.frame_m = (0.0, 0.0, 0.0, 0.0)

    def connect(self, *, timeout_s: float) -> None:
        self.link.open(timeout_s=timeout_s)
        names = self.link.call("Signals_NamesGet", timeout_s=timeout_s)[2]
        s = self.settings
        for label, k in (("deflection", s.deflection_signal), ("lock-in X", s.lockin_x_signal),
                         ("lock-in Y", s.lockin_y_signal)):  # fmt: skip
            if not 0 <= k < len(names):
                raise HardwareError(
                    f"{label} signal slot {k} is not among the {len(names)} signals"
                )
        self.signal_names = list(names)
        cx, cy, w, h, _ = floats(self.link.call("Scan_FrameGet", timeout_s=timeout_s))
        self.frame_m = (cx, cy, w, h)
        self.bias_v = floats(self.link.call("Bias_Get", timeout_s=timeout_s))[0]

    def retract(self, *, clearance_um: float, timeout_s: float) -> None:
        ms = max(1, round(1000 * timeout_s))
        self.link.call("ZCtrl_Withdraw", 1, ms, timeout_s=timeout_s)
        self.state = ProbeState.RETRACTED
        missing = clearance_um - self.clearance_um
        steps = math.ceil(missing / self.settings.motor_step_um) if missing > 0 else 0
        while steps > 0:
            chunk = min(steps, MOTOR_MAX_STEPS)
            self.link.call("Motor_StartMove", MOTOR_Z_UP, chunk, self.settings.motor_group, 1,
                           timeout_s=timeout_s)  # fmt: skip
            self.clearance_um += chunk * self.settings.motor_step_um
            steps -= chunk

    def approach(self, *, timeout_s: float) -> ApproachResult:
        deadline = self.clock.now_s() + timeout_s
        self.state = ProbeState.APPROACHING
        self.link.call("AutoApproach_Open")
        self.link.call("AutoApproach_OnOffSet", 1)
        while self.link.call("AutoApproach_OnOffGet")[0]:
            if self.clock.now_s() >= deadline:
                self.link.call("AutoApproach_OnOffSet", 0)
                self.retract(clearance_um=0.0, timeout_s=self.settings.command_timeout_s)
                raise HardwareTimeoutError(
                    f"the auto-approach did not finish within {timeout_s:g} s"
                )
            self.clock.sleep(self.settings.poll_s)
        if not self.link.call("ZCtrl_OnOffGet")[0]:
            self.state, self.clearance_um = ProbeState.RETRACTED, 0.0
            return ApproachResult(False, 0.0, 0.0, "no surface found: the auto-approach ended "
                                  "with the Z controller off")  # fmt: skip
        s = self.settings
        deflection_v, z_m = floats(
            self.link.call("Signals_ValsGet", [s.deflection_signal, 30], 1)[1]
        )
        self.clearance_um = 0.0
        if deflection_v >= s.crash_deflection_v:
            self.state = ProbeState.FAULT
            why = f"deflection {deflection_v:.2f} V at contact: the tip crashed"
            return ApproachResult(False, z_m * 1e6, deflection_v, why)
        self.state = ProbeState.ENGAGED
        return ApproachResult(True, z_m * 1e6, deflection_v)

    def set_bias(self, volts: float, *, ramp_v_per_s: float, timeout_s: float) -> None:
        if abs(volts) > self.bias_limit_v:
            raise HardwareError(f"bias {volts} V beyond the amplifier range ±{self.bias_limit_v}")
        dt = self.settings.bias_step_s
        n = max(1, min(200, math.ceil(abs(volts - self.bias_v) / (ramp_v_per_s * dt))))
        for v in np.linspace(self.bias_v, volts, n + 1)[1:]:
            self.link.call("Bias_Set", float(v), timeout_s=timeout_s)
            if n > 1:
                self.clock.sleep(dt)
        read = floats(self.link.call("Bias_Get", timeout_s=timeout_s))[0]
        self.bias_v = read
        if abs(read - volts) > 1e-3 + 1e-4 * abs(volts):
            raise HardwareError(f"bias read-back {read:g} V after setting {volts:g} V")

    def tune(self, *, center_hz: float, width_hz: float, timeout_s: float) -> Resonance:
        """Lock-in frequency sweep over the window, then a fine sweep of 8 coarse steps around
        the peak, SHO-fitted (the lock-in must be running)."""
        if self.state is not ProbeState.ENGAGED:
            raise HardwareError("tune needs the probe engaged")
        n = self.settings.tune_points
        coarse = np.linspace(center_hz - width_hz / 2, center_hz + width_hz / 2, n)
        peak = coarse[int(np.argmax(np.abs(self._sweep(coarse, timeout_s))))]
        step = coarse[1] - coarse[0]
        fine = np.linspace(peak - 4 * step, peak + 4 * step, n)
        fit = fit_sho(fine, self._sweep(fine, timeout_s))
        f0, q = float(fit.f0_hz[0]), float(fit.q[0])
        if not (math.isfinite(f0) and coarse[0] <= f0 <= coarse[-1] and 0 < q < 1000):
            raise HardwareError(
                f"no contact resonance within {center_hz / 1e3:.1f} ± {width_hz / 2e3:.1f} kHz "
                "(tip lost, lock-in not running, or the tune window is wrong)"
            )
        self.last_f0_hz, self.last_q = f0, q
        s = self.settings
        self.link.call("LockIn_ModPhasFreqSet", s.modulator, f0, timeout_s=timeout_s)
        return Resonance(f0, q, float(fit.amp[0]) * q)

    def _sweep(self, freq_hz: np.ndarray, timeout_s: float) -> np.ndarray:
        """Lock-in X + iY at each modulation frequency."""
        s = self.settings
        out = np.empty(freq_hz.size, complex)
        for k, f in enumerate(freq_hz):
            self.link.call("LockIn_ModPhasFreqSet", s.modulator, float(f), timeout_s=timeout_s)
            self.clock.sleep(s.tune_settle_s)
            values = self.link.call(
                "Signals_ValsGet", [s.lockin_x_signal, s.lockin_y_signal], 1, timeout_s=timeout_s
            )
            x, y = floats(values[1])
            out[k] = complex(x, y)
        return out

    def close(self) -> None:
        self.link.close()
