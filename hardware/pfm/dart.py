"""Dual-AC resonance tracking (DART): what an Asylum controller returns, and its inversion.

The cantilever is driven at f1 = fc − Δf/2 and f2 = fc + Δf/2 while a PLL moves fc to keep
A1 ≈ A2 (reference §4.2). With drive-referred amplitude A_d and phase φ_d,

    A_i = A_d·f0² / sqrt((f0² − f_i²)² + (f0·f_i/Q)²),   φ_i = φ_d + atan2(f0·f_i/Q, f0² − f_i²)

`invert_dart` recovers (A_d, φ_d, Q, f0) from the quadruple (A1, A2, φ1, φ2) in closed form
(Gannepalli et al.; the formula aespm uses, plus f0 from the same intermediate X1, X2 so the
inversion is exact even when the PLL is off resonance). Vectorised over steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Q_CLIP = 1000.0


@dataclass(frozen=True)
class DARTQuadruple:
    """Lock-in outputs at the two drive frequencies (arrays, one entry per readout)."""

    amp1: FloatArray
    amp2: FloatArray
    phase1_rad: FloatArray
    phase2_rad: FloatArray
    f1_hz: FloatArray
    f2_hz: FloatArray


@dataclass(frozen=True)
class DARTFit:
    """Drive-referred amplitude and phase, Q and f0 recovered from a quadruple."""

    amp: FloatArray
    phase_rad: FloatArray
    q: FloatArray
    f0_hz: FloatArray


def sho_amplitude_phase(
    amp: FloatArray, phase_rad: FloatArray, f0_hz: FloatArray, q: FloatArray, f_hz: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Amplitude and phase of the driven SHO at frequency f (DART convention)."""
    re, im = f0_hz**2 - f_hz**2, f0_hz * f_hz / q
    return amp * f0_hz**2 / np.hypot(re, im), phase_rad + np.arctan2(im, re)


def dart_readout(
    amp: FloatArray,
    phase_rad: FloatArray,
    f0_hz: FloatArray,
    q: FloatArray,
    center_hz: FloatArray,
    width_hz: float,
    rng: np.random.Generator | None = None,
    noise: float = 0.0,
) -> DARTQuadruple:
    """The quadruple a DART controller reports; complex Gaussian lock-in noise of std `noise`."""
    f1, f2 = center_hz - width_hz / 2, center_hz + width_hz / 2
    out = []
    for f in (f1, f2):
        a, ph = sho_amplitude_phase(amp, phase_rad, f0_hz, q, f)
        z = a * np.exp(1j * ph)
        if rng is not None and noise > 0:
            z = z + rng.normal(0.0, noise / np.sqrt(2), z.shape) * (1 + 0j)
            z = z + 1j * rng.normal(0.0, noise / np.sqrt(2), z.shape)
        out.append(z)
    return DARTQuadruple(np.abs(out[0]), np.abs(out[1]), np.angle(out[0]), np.angle(out[1]), f1, f2)


def invert_dart(d: DARTQuadruple) -> DARTFit:
    """Closed-form inversion of a DART quadruple (exact without noise).

    Degenerate readouts (no phase difference, unphysical Ω) give NaN, which the loop fit treats
    as missing points.
    """
    f1, f2 = np.asarray(d.f1_hz, float), np.asarray(d.f2_hz, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = f1 * d.amp1 / (f2 * d.amp2)
        phi = np.tan(d.phase2_rad - d.phase1_rad)
        root = np.sign(phi) * np.sqrt(1.0 + phi**2)
        x1 = -(1.0 - root / omega) / phi
        x2 = (1.0 - root * omega) / phi
        num = f2 * x1 - f1 * x2
        den = f1 * x1 - f2 * x2
        q = np.sqrt(f1 * f2 * num * den) / (f2**2 - f1**2)
        f0 = np.sqrt(f1 * f2 * num / den)
        bad = ~(np.isfinite(x1) & np.isfinite(x2)) | (num * den <= 0) | (phi == 0)
        q = np.where(bad, np.nan, np.minimum(q, Q_CLIP))
        re, im = f0**2 - f1**2, f0 * f1 / q
        amp = d.amp1 * np.hypot(re, im) / f0**2
        phase = d.phase1_rad - np.arctan2(im, re)
    return DARTFit(amp, np.angle(np.exp(1j * phase)), q, f0)
