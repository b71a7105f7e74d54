"""Is a raw SS-PFM readout usable? Non-finite values and ADC clipping, checked by the facade.

Raw readouts (see `hardware/pfm/sspfm.py`) are `<channel>.dart_on|dart_off` (steps, 6) with
amplitude columns A1, A2, `<channel>.be_on|be_off` (steps, bins, 2) real/imag, and
`<channel>.sf_on|sf_off` (steps, 3) with the single-frequency amplitude in column 0, and
`<channel>.lockin_on|lockin_off` (steps, 2) lock-in X/Y. A controller
returns NaN/inf when a lock-in or fit inside it failed; a saturated input stage clips the
signal at its full scale, which shows as a flat top: many samples exactly at the largest
magnitude. Noisy analogue data practically never repeats its maximum exactly, so
`MIN_CLIPPED` equal samples (and at least `MIN_CLIPPED_FRACTION` of them) mean clipping.
Reduced arrays (`pr_*`, `amp_*`, ...) are not checked: a failed per-step fit is NaN by design.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

RAW_PREFIXES = ("dart_", "be_", "lockin_", "sf_")
MIN_CLIPPED = 3
MIN_CLIPPED_FRACTION = 0.03


def _amplitudes(quantity: str, a: np.ndarray) -> np.ndarray | None:
    if quantity.startswith("dart_") and a.ndim == 2 and a.shape[1] >= 2:
        return np.abs(a[:, :2])
    if quantity.startswith(("be_", "lockin_")) and a.shape[-1:] == (2,):
        return np.abs(a)
    if quantity.startswith("sf_") and a.ndim == 2 and a.shape[1] >= 1:
        return np.abs(a[:, :1])
    return None


def clipped(values: np.ndarray) -> bool:
    """True when the largest magnitude repeats often enough to be a clipping level."""
    flat = np.abs(np.asarray(values, float)).ravel()
    top = float(flat.max()) if flat.size else 0.0
    if top <= 0.0:
        return False
    n_top = int(np.count_nonzero(flat == top))
    return n_top >= max(MIN_CLIPPED, int(np.ceil(MIN_CLIPPED_FRACTION * flat.size)))


def readout_problem(arrays: Mapping[str, Any]) -> str | None:
    """Why a raw readout is unusable (non-finite values, clipped amplitude), or None."""
    for key, value in arrays.items():
        quantity = key.rsplit(".", 1)[-1]
        if not quantity.startswith(RAW_PREFIXES):
            continue
        a = np.asarray(value, float)
        bad = int(np.count_nonzero(~np.isfinite(a)))
        if bad:
            return (
                f"{key} holds {bad} non-finite value(s) of {a.size} (NaN/inf from the "
                "controller); the readout is unusable"
            )
        amp = _amplitudes(quantity, a)
        if amp is not None and any(clipped(amp[..., k]) for k in range(amp.shape[-1])):
            return (
                f"{key} is saturated (the amplitude sits at its full scale on several steps); "
                "lower the drive amplitude or the detector gain"
            )
    return None
