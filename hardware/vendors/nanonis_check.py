"""A read-only check of a Nanonis session before arming: is the controller reachable, do the
configured signal slots exist (and what are they called), does the scan frame hold the spots,
is the bias inside the limit, what state are the Z controller and the lock-in in.

Only `*Get` commands are sent: nothing moves, no bias changes, the lock-in is not switched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hardware.journal import Journal
from hardware.spots import SPIRAL_RADIUS
from hardware.vendors.nanonis import NanonisLink, NanonisSettings, floats


@dataclass(frozen=True)
class Finding:
    """One line of the check: `ok` false is a problem to fix before arming."""

    ok: bool
    text: str


def check_session(
    settings: NanonisSettings,
    *,
    bias_limit_v: float,
    spots: int,
    spot_pitch_um: float,
    timeout_s: float = 5.0,
) -> list[Finding]:
    """Findings, in order; raises HardwareError only when the session cannot be reached."""
    link = NanonisLink(settings, Journal(None, lambda: 0.0))
    link.open(timeout_s=timeout_s)
    try:
        out = [Finding(True, f"connected to {settings.host}:{settings.port}")]
        out += _signals(link, settings)
        out += _frame(link, spots, spot_pitch_um)
        out += _state(link, settings, bias_limit_v)
        return out
    finally:
        link.close()


def _signals(link: NanonisLink, s: NanonisSettings) -> list[Finding]:
    names = link.call("Signals_NamesGet")[2]
    out = []
    for key in ("deflection_signal", "bias_signal", "lockin_x_signal", "lockin_y_signal"):
        slot = getattr(s, key)
        if 0 <= slot < len(names):
            out.append(Finding(True, f"{key} {slot} is {names[slot]!r}: confirm it"))
        else:
            out.append(Finding(False, f"{key} {slot} is not among the {len(names)} signals"))
    if s.lockin_x_signal == s.lockin_y_signal:
        out.append(Finding(False, "lockin_x_signal and lockin_y_signal are the same slot"))
    return out


def _frame(link: NanonisLink, spots: int, spot_pitch_um: float) -> list[Finding]:
    _cx, _cy, w_m, h_m, _angle = floats(link.call("Scan_FrameGet"))
    per_axis = [min(2 * math.floor(v * 1e6 / 2 / spot_pitch_um) + 1, 2 * SPIRAL_RADIUS + 1)
                for v in (w_m, h_m)]  # fmt: skip
    holds = per_axis[0] * per_axis[1]
    text = (f"scan frame {w_m * 1e6:g} × {h_m * 1e6:g} µm holds {holds} spots per location at "
            f"{spot_pitch_um:g} µm pitch; a visit uses {spots}")  # fmt: skip
    if holds >= spots:
        return [Finding(True, text)]
    return [Finding(False, text + ": enlarge the frame or lower safety.spot_pitch_um")]


def _state(link: NanonisLink, s: NanonisSettings, bias_limit_v: float) -> list[Finding]:
    bias_v = floats(link.call("Bias_Get"))[0]
    z_on = bool(link.call("ZCtrl_OnOffGet")[0])
    lockin = "on" if link.call("LockIn_ModOnOffGet", s.modulator)[0] else "off"
    freq_khz = float(link.call("LockIn_ModPhasFreqGet", s.modulator)[0]) / 1e3
    modulated = int(link.call("LockIn_ModSignalGet", s.modulator)[0])
    demodulated = int(link.call("LockIn_DemodSignalGet", s.modulator)[0])
    z_text = "Z controller on: the tip is engaged" if z_on else "Z controller off"
    lockin_text = f"lock-in modulator {s.modulator} {lockin} at {freq_khz:.3f} kHz"
    wiring = (f"lock-in modulates slot {modulated} and demodulates slot {demodulated}; a run "
              f"sets {s.bias_signal} and {s.deflection_signal}")  # fmt: skip
    return [
        Finding(abs(bias_v) <= bias_limit_v, f"bias {bias_v:g} V (limit ±{bias_limit_v:g} V)"),
        Finding(True, z_text),
        Finding(True, lockin_text),
        Finding(True, wiring),
    ]
