"""Band-excitation response of a cantilever in contact: the simple harmonic oscillator (SHO).

BGlib / pycroscopy convention (reference §4.1):

    R(f) = A·e^{iφ}·f0² / (f² − i·f·f0/Q − f0²)    |R|(0) = A, |R|(f0) = A·Q, arg R(f0) = φ + π/2

`be_spectra` synthesises measured spectra (SHO + complex background + complex Gaussian detector
noise) and `fit_sho` fits many spectra at once with a vectorised Levenberg–Marquardt over
(ln A, (f0 − f_c)/B, ln Q, φ), so a BEPS loop of hundreds of spectra is fitted in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]


def sho_response(
    freq_hz: FloatArray,
    amp: FloatArray | float,
    f0_hz: FloatArray | float,
    q: FloatArray | float,
    phase_rad: FloatArray | float,
) -> ComplexArray:
    """Complex SHO response; parameters broadcast against `freq_hz` ([..., None] for batches)."""
    f = np.asarray(freq_hz, float)
    a, f0, qq, ph = (np.asarray(v, float) for v in (amp, f0_hz, q, phase_rad))
    return np.asarray(a * np.exp(1j * ph) * f0**2 / (f**2 - 1j * f * f0 / qq - f0**2))


@dataclass(frozen=True)
class SHOFit:
    """Per-spectrum SHO parameters (arrays of shape (n,)), as BGlib's sho32 record."""

    amp: FloatArray  # A (response units), the low-frequency amplitude
    f0_hz: FloatArray
    q: FloatArray
    phase_rad: FloatArray
    r2: FloatArray


def be_frequencies(center_hz: float, bandwidth_hz: float, n_bins: int) -> FloatArray:
    """Bin frequencies of a BE chirp: `n_bins` evenly spaced over center ± bandwidth/2."""
    return np.linspace(center_hz - bandwidth_hz / 2, center_hz + bandwidth_hz / 2, n_bins)


def be_spectra(
    freq_hz: FloatArray,
    amp: FloatArray,
    f0_hz: FloatArray,
    q: FloatArray,
    phase_rad: FloatArray,
    rng: np.random.Generator,
    *,
    noise_per_bin: float,
    background: complex = 0.0,
) -> ComplexArray:
    """Measured spectra (n, k): SHO + constant complex background + CN(0, σ²) detector noise."""
    s = sho_response(freq_hz, amp[:, None], f0_hz[:, None], q[:, None], phase_rad[:, None])
    noise = rng.normal(0.0, noise_per_bin / np.sqrt(2), (2, *s.shape))
    return np.asarray(s + background + noise[0] + 1j * noise[1])


_LOWER = np.array([-60.0, -5.0, np.log(2.0), -np.inf])
_UPPER = np.array([60.0, 5.0, np.log(5000.0), np.inf])


def _model(freq: FloatArray, p: FloatArray, fc: float, bw: float) -> ComplexArray:
    return sho_response(freq, np.exp(p[:, 0:1]), fc + bw * p[:, 1:2], np.exp(p[:, 2:3]), p[:, 3:4])


def _guess(freq: FloatArray, s: ComplexArray, fc: float, bw: float) -> FloatArray:
    mag = np.abs(s)
    k = np.argmax(mag, axis=1)
    rows = np.arange(len(s))
    f0 = freq[k]
    above = mag >= mag[rows, k][:, None] / np.sqrt(2)
    width = np.maximum(above.sum(axis=1), 1) * (freq[1] - freq[0])
    q = np.clip(f0 / width, 5.0, 2000.0)
    amp = np.maximum(mag[rows, k], 1e-300) / q
    phase = np.angle(s[rows, k]) - np.pi / 2
    return np.column_stack([np.log(amp), (f0 - fc) / bw, np.log(q), phase])


def _residuals(
    freq: FloatArray, s: ComplexArray, p: FloatArray, fc: float, bw: float
) -> FloatArray:
    d = _model(freq, p, fc, bw) - s
    return np.concatenate([d.real, d.imag], axis=1)


def fit_sho(freq_hz: FloatArray, spectra: ComplexArray, *, iterations: int = 40) -> SHOFit:
    """Fit the SHO to each row of `spectra` (n, k) by batched Levenberg–Marquardt.

    Returns amplitude, f0, Q, phase (wrapped to (−π, π]) and R² on the complex data.
    """
    freq = np.asarray(freq_hz, float)
    s = np.atleast_2d(np.asarray(spectra, complex))
    fc, bw = float(freq.mean()), float(np.ptp(freq)) or 1.0
    p = _guess(freq, s, fc, bw)
    lam = np.full(len(s), 1e-2)
    r = _residuals(freq, s, p, fc, bw)
    cost = np.sum(r * r, axis=1)
    eye = np.eye(4)
    for _ in range(iterations):
        jac = np.empty((*r.shape, 4))
        for j in range(4):
            dp = np.zeros(4)
            dp[j] = 1e-6
            jac[..., j] = (_residuals(freq, s, p + dp, fc, bw) - r) / 1e-6
        jtj = np.einsum("nki,nkj->nij", jac, jac)
        jtr = np.einsum("nki,nk->ni", jac, r)
        damp = jtj + lam[:, None, None] * (np.diagonal(jtj, axis1=1, axis2=2)[:, :, None] * eye)
        step = np.linalg.solve(damp + 1e-12 * eye, -jtr[..., None])[..., 0]
        trial = np.clip(p + step, _LOWER, _UPPER)
        r_t = _residuals(freq, s, trial, fc, bw)
        cost_t = np.sum(r_t * r_t, axis=1)
        better = cost_t < cost
        p = np.where(better[:, None], trial, p)
        r = np.where(better[:, None], r_t, r)
        cost = np.where(better, cost_t, cost)
        lam = np.where(better, lam / 3.0, lam * 4.0)
    total = np.sum(np.abs(s - s.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return SHOFit(
        np.exp(p[:, 0]),
        fc + bw * p[:, 1],
        np.exp(p[:, 2]),
        np.angle(np.exp(1j * p[:, 3])),
        1.0 - cost / np.where(total > 0, total, 1.0),
    )
