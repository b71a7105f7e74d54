"""Single-frequency lock-in switching spectroscopy: reduction of X/Y readouts to loops.

Raw layout (n = write steps): `lockin_on` / `lockin_off` (n, 2) columns X, Y in V (the
demodulator output, on field during the write step and off field at 0 V after it), with
`bias_v` (n,). The lock-in runs at the tuned contact resonance, so the drive-referred
amplitude is R / (Q · drive amplitude · detector calibration); the phase reference is
estimated from the on-field data as for DART (`sspfm.phase_reference`) and
PR = A·cos(φ − φ_ref).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hardware.pfm.sspfm import phase_reference

FloatArray = NDArray[np.float64]


def reduce_lockin(raw: dict[str, FloatArray], *, volts_per_au: float) -> dict[str, FloatArray]:
    """`amp_*`, `phase_*`, `pr_*` (on, off) and `phase_ref_rad`; `volts_per_au` converts the
    lock-in output to drive-referred response units (Q × drive amplitude × calibration)."""
    bias = np.asarray(raw["bias_v"], float)
    parts = {}
    for name in ("on", "off"):
        xy = np.asarray(raw[f"lockin_{name}"], float)
        parts[name] = (np.hypot(xy[:, 0], xy[:, 1]) / volts_per_au, np.arctan2(xy[:, 1], xy[:, 0]))
    ref = phase_reference(parts["on"][0], parts["on"][1], bias)
    out: dict[str, FloatArray] = {"phase_ref_rad": np.array([ref])}
    for name, (amp, phase) in parts.items():
        out[f"amp_{name}"], out[f"phase_{name}"] = amp, phase
        out[f"pr_{name}"] = np.asarray(amp * np.cos(phase - ref))
    return out
