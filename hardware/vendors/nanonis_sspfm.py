"""PFM on a Nanonis controller: lock-in set-up, Follow Me to the spot, and switching
spectroscopy as bias spectroscopy in multi-line-segment (MLS) mode.

Each write step of the triangle waveform is two MLS segments: the write bias (lock-in read on
field) and 0 V (read off field). MLS takes at most 16 segments, so a loop runs as consecutive
`BiasSpectr.Start` calls of 8 steps each; the spot keeps its polarisation between calls. The
recorded lock-in channels come back with their names and units ("LI Demod 1 X (V)"): every
channel's full trace is kept as `sspfm.trace_<name>_<unit>`, the segment means as
`sspfm.lockin_on` / `lockin_off` (steps, 2: X, Y in V) and in the single-frequency layout
`sspfm.sf_on` / `sf_off` (A in response units, φ, drive_hz) that `hardware/pfm/sspfm.reduce`
turns into loops, as for every other single-frequency back end. The lock-in drives at
`single_drive_hz` (below the contact resonance, `sspfm.mode: single`).
"""

from __future__ import annotations

import re

import numpy as np

from hardware.errors import HardwareError
from hardware.pfm.loops import triangle_waveform
from hardware.pfm.sspfm import reduce
from hardware.protocols import FloatArray, Site, SSParams, TipHealth
from hardware.vendors.nanonis import NanonisProbe

MLS_MAX_SEGMENTS = 16
TIP_CHECK_WIDTH_HZ = 100e3


def channel_key(name: str) -> str:
    """'LI Demod 1 X (V)' -> 'li_demod_1_x_v' (name and unit, as the project names quantities)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


class NanonisPFM:
    """Lock-in PFM and switching spectroscopy through the Bias Spectroscopy module."""

    channels: tuple[str, ...] = ("sspfm",)

    def __init__(self, probe: NanonisProbe) -> None:
        self.probe, self.link, self.settings = probe, probe.link, probe.settings
        self.clock = probe.clock

    def enter_mode(self, *, timeout_s: float) -> None:
        s, call = self.settings, self.link.call
        # PFM: modulate the bias, demodulate the deflection (demodulator = modulator number)
        call("LockIn_ModSignalSet", s.modulator, s.bias_signal, timeout_s=timeout_s)
        call("LockIn_DemodSignalSet", s.modulator, s.deflection_signal, timeout_s=timeout_s)
        call("LockIn_ModAmpSet", s.modulator, s.drive_amp_v, timeout_s=timeout_s)
        call("LockIn_ModOnOffSet", s.modulator, 1, timeout_s=timeout_s)
        call("BiasSpectr_Open", timeout_s=timeout_s)
        call("BiasSpectr_ChsSet", [s.lockin_x_signal, s.lockin_y_signal], timeout_s=timeout_s)
        call("BiasSpectr_MLSModeSet", "MLS", timeout_s=timeout_s)
        # reset bias at the end: on; Z controller hold: off (stay in contact); final Z: off
        call("BiasSpectr_AdvPropsSet", 1, 2, 2, 0, timeout_s=timeout_s)

    def leave_mode(self, *, timeout_s: float) -> None:
        self.link.call("LockIn_ModOnOffSet", self.settings.modulator, 0, timeout_s=timeout_s)

    def move_tip(self, site: Site, *, timeout_s: float) -> None:
        """Follow Me to the spot, refused outside the scan frame."""
        cx, cy, w, h = self.probe.frame_m
        dx, dy = site.spot_dx_um * 1e-6, site.spot_dy_um * 1e-6
        if abs(dx) > w / 2 or abs(dy) > h / 2:
            raise HardwareError(
                f"spot ({site.spot_dx_um:g}, {site.spot_dy_um:g}) µm is outside the scan frame "
                f"{w * 1e6:g} × {h * 1e6:g} µm; lower safety.spot_pitch_um or spots"
            )
        self.link.call("FolMe_XYPosSet", cx + dx, cy + dy, 1, timeout_s=timeout_s)

    def switching_spectroscopy(
        self, params: SSParams, site: Site, *, timeout_s: float
    ) -> dict[str, FloatArray]:
        if params.mode != "single":
            raise HardwareError("the Nanonis back end runs single-frequency SS-PFM (mode: single)")
        deadline = self.clock.now_s() + timeout_s
        self.move_tip(site, timeout_s=timeout_s)
        drive_hz = params.single_drive_hz  # below the contact resonance the tunes found
        self.link.call(
            "LockIn_ModPhasFreqSet", self.settings.modulator, drive_hz, timeout_s=timeout_s
        )
        bias = triangle_waveform(params.v_max, params.steps_per_cycle, params.cycles)
        if np.max(np.abs(bias)) > self.probe.bias_limit_v:
            raise HardwareError(f"sspfm.v_max {params.v_max} V beyond ±{self.probe.bias_limit_v} V")
        pairs = MLS_MAX_SEGMENTS // 2
        traces: dict[str, list[FloatArray]] = {}
        means: list[FloatArray] = []
        for start in range(0, bias.size, pairs):
            left = deadline - self.clock.now_s()
            if left <= 0:
                raise HardwareError("the switching spectroscopy exceeded its timeout; stopped")
            names, data = self._sweep(bias[start : start + pairs], timeout_s=left)
            for name, row in zip(names, data, strict=True):
                traces.setdefault(name, []).append(row)
            means.append(self._segment_means(names, data))
        xy = np.concatenate(means)  # (2 · steps, 2): on, off, on, off, ...
        raw = {"bias_v": bias, "lockin_on": xy[0::2], "lockin_off": xy[1::2]}
        raw |= {f"sf_{k}": self._amp_phase(raw[f"lockin_{k}"], params) for k in ("on", "off")}
        out = {**raw, **reduce(raw)}
        out |= {f"trace_{channel_key(k)}": np.concatenate(v) for k, v in traces.items()}
        return {f"sspfm.{k}": np.asarray(v, float) for k, v in out.items()}

    def _amp_phase(self, xy: FloatArray, params: SSParams) -> FloatArray:
        """Lock-in X/Y (V) -> the single-frequency layout (A in response units, φ, drive_hz)."""
        s = self.settings
        amp = np.hypot(xy[:, 0], xy[:, 1]) / (s.drive_amp_v * s.lockin_v_per_au)
        drive = np.full(len(xy), params.single_drive_hz)
        return np.column_stack([amp, np.arctan2(xy[:, 1], xy[:, 0]), drive])

    def _sweep(self, writes_v: FloatArray, *, timeout_s: float) -> tuple[list[str], FloatArray]:
        s = self.settings
        starts = [float(v) for w in writes_v for v in (w, 0.0)]
        n = len(starts)
        self.link.call(
            "BiasSpectr_MLSValsSet", n, starts, list(starts), [s.segment_settling_s] * n,
            [s.point_settling_s] * n, [s.point_integration_s] * n, [s.points_per_segment] * n,
            [1] * n, timeout_s=timeout_s,
        )  # fmt: skip
        values = self.link.call("BiasSpectr_Start", 1, "", timeout_s=timeout_s)
        names, data = list(values[2]), np.asarray(values[5], float)
        if data.shape != (len(names), n * s.points_per_segment):
            raise HardwareError(
                f"BiasSpectr.Start returned {data.shape} data for {len(names)} channels and "
                f"{n} segments of {s.points_per_segment} points"
            )
        self.link.journal.write("note", "nanonis", message="spectroscopy channels",
                                channels=names, units=[_unit(k) for k in names])  # fmt: skip
        return names, data

    def _segment_means(self, names: list[str], data: FloatArray) -> FloatArray:
        s, labels = self.settings, self.probe.signal_names
        rows = []
        for slot in (s.lockin_x_signal, s.lockin_y_signal):
            if labels[slot] not in names:
                raise HardwareError(f"the spectroscopy did not record {labels[slot]!r}")
            rows.append(data[names.index(labels[slot])])
        seg = np.stack(rows, axis=-1).reshape(-1, s.points_per_segment, 2)
        return np.asarray(seg.mean(axis=1))

    def tip_check(self, *, timeout_s: float) -> TipHealth:
        """A wide tune at the current spot: drive-referred amplitude and f0 (as on Asylum)."""
        res = self.probe.tune(
            center_hz=self.probe.last_f0_hz, width_hz=TIP_CHECK_WIDTH_HZ, timeout_s=timeout_s
        )
        return TipHealth(res.amp / res.q, res.f0_hz)

    def close(self) -> None:
        return None


def _unit(name: str) -> str:
    match = re.search(r"\(([^)]*)\)\s*$", name)
    return match.group(1) if match else ""
