"""Switching spectroscopy end to end: raw per-step readouts from a spot, and their reduction.

`synthesize` plays the instrument: for every write step of the triangle waveform it produces the
raw readout a real controller returns, on field (bias applied) and off field (read at 0 V):
a DART quadruple (A1, A2, φ1, φ2 at f1, f2; `mode="dart"`, Asylum), a complex band-excitation
spectrum (`mode="be"`), or the lock-in amplitude and phase at one fixed drive frequency
(`mode="single"`, single-frequency SS-PFM; driven well below the contact resonance, so no Q or
f0 is measured and the amplitude carries the small SHO gain 1/(1 − (f/f0)²)). The response
amplitude is |PR| and the phase is the domain phase (φ_ref or φ_ref + π); the lock-in adds a
global phase offset; the detector adds complex noise.

`reduce` is the analysis a lab would run on real data and never sees the ground truth: DART
inversion or a batched SHO fit per step gives (A, φ, Q, f0); the phase reference is estimated
from the data (axial mean of 2φ, sign fixed so saturated positive bias gives positive response),
and the piezoresponse is PR = A·cos(φ − φ_ref). Loop metrics then come from `loops.loop_metrics`.

Raw array layout (n = steps): `dart_on`/`dart_off` (n, 6) columns A1, A2, φ1, φ2, f1_hz, f2_hz;
`be_on`/`be_off` (n, k, 2) real/imag with `freq_hz` (k,); or `sf_on`/`sf_off` (n, 3) columns
A, φ, drive_hz. Reduced (`q_*`, `f0_*` are NaN for single-frequency data): `amp_*`, `phase_*`,
`q_*`, `f0_*`, `pr_*` for * in on/off, plus `bias_v`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from hardware.pfm.dart import DARTQuadruple, dart_readout, invert_dart, sho_amplitude_phase
from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform
from hardware.pfm.sample import SpotResponse
from hardware.pfm.sho import be_frequencies, be_spectra, fit_sho
from hardware.protocols import SSParams

FloatArray = NDArray[np.float64]
F0_STEP_JITTER = 5e-4  # relative f0 jitter between steps (contact fluctuation)
# Lock-in noise per DART channel, in units of (detector_noise × SHO gain at f1): calibrated so
# the reduced PR has a per-point std ≈ detector_noise (tests/hardware/pfm/test_sspfm.py).
DART_NOISE_GAIN = 1.9
BE_NOISE_DIV = 3.4  # same calibration for the per-bin BE noise


def wrap_ar_phase(phase_rad: FloatArray) -> FloatArray:
    """Asylum reports raw phase wrapped into [−90°, 270°) (reference §4.1, §4.6)."""
    return np.asarray(np.mod(phase_rad + np.pi / 2, 2 * np.pi) - np.pi / 2)


def true_loops(
    spot: SpotResponse, bias_v: FloatArray, tip_sensitivity: float
) -> tuple[FloatArray, FloatArray]:
    """Noise-free on- and off-field piezoresponse per step (breakdown kills the rest)."""
    rising = branch_directions(bias_v)
    alive = np.cumsum(np.abs(bias_v) > spot.breakdown_v) == 0
    lp = spot.loop
    off_p = LoopParams(lp.a0, lp.r * tip_sensitivity, lp.vc_plus_v, lp.vc_minus_v, lp.width_v)
    r_on = off_p.r * spot.on_field_ratio
    on_p = LoopParams(
        lp.a0, r_on, lp.vc_plus_v, lp.vc_minus_v, lp.width_v, spot.electrostatic_slope * r_on
    )
    on = loop_model(on_p, bias_v, rising)
    off = loop_model(off_p, bias_v, rising)
    for extra, on_ratio in spot.extra_loops:  # further components (antiferroelectric branches)
        scaled = LoopParams(
            extra.a0, extra.r * tip_sensitivity, extra.vc_plus_v, extra.vc_minus_v, extra.width_v
        )
        off = off + loop_model(scaled, bias_v, rising)
        on_extra = dataclasses.replace(scaled, a0=0.0, r=scaled.r * on_ratio)
        on = on + loop_model(on_extra, bias_v, rising)
    return on * alive, off * alive


def synthesize(
    spot: SpotResponse,
    params: SSParams,
    rng: np.random.Generator,
    *,
    tip_sensitivity: float,
    lockin_phase_rad: float,
    detector_noise: float,
    f0_scale: float = 1.0,
) -> dict[str, FloatArray]:
    """Raw SS-PFM readouts of one spot (see module docstring for the layout)."""
    bias = triangle_waveform(params.v_max, params.steps_per_cycle, params.cycles)
    on, off = true_loops(spot, bias, tip_sensitivity)
    out: dict[str, FloatArray] = {"bias_v": bias}
    f0_spot = spot.f0_hz * f0_scale
    for name, pr in (("on", on), ("off", off)):
        amp = np.abs(pr)
        phase = lockin_phase_rad + np.where(pr >= 0, 0.0, np.pi)
        f0 = f0_spot * (1.0 + rng.normal(0.0, F0_STEP_JITTER, pr.shape))
        q = np.full(pr.shape, spot.q)
        if params.mode == "single":
            out[f"sf_{name}"] = single_frequency_readout(
                amp, phase, f0, q, params.single_drive_hz, rng, detector_noise
            )
        elif params.mode == "be":
            freq = be_frequencies(f0_spot, params.be_bandwidth_hz, params.be_bins)
            noise = detector_noise * np.sqrt(params.be_bins) * spot.q / BE_NOISE_DIV
            s = be_spectra(freq, amp, f0, q, phase, rng, noise_per_bin=noise)
            out[f"be_{name}"] = np.stack([s.real, s.imag], axis=-1)
            out["freq_hz"] = freq
        else:
            pll_error = rng.normal(0.0, 0.02 * f0_spot / spot.q, pr.shape)
            centre = f0 + pll_error
            gain, _ = sho_amplitude_phase(
                np.ones(1),
                np.zeros(1),
                np.array([f0_spot]),
                np.array([spot.q]),
                np.array([f0_spot - params.dart_width_hz / 2]),
            )
            d = dart_readout(
                amp,
                phase,
                f0,
                q,
                centre,
                params.dart_width_hz,
                rng,
                DART_NOISE_GAIN * detector_noise * gain[0],
            )
            out[f"dart_{name}"] = np.column_stack(
                [
                    d.amp1,
                    d.amp2,
                    wrap_ar_phase(d.phase1_rad),
                    wrap_ar_phase(d.phase2_rad),
                    d.f1_hz,
                    d.f2_hz,
                ]
            )
    return out


def single_frequency_readout(
    amp: FloatArray,
    phase_rad: FloatArray,
    f0_hz: FloatArray,
    q: FloatArray,
    drive_hz: float,
    rng: np.random.Generator,
    noise: float,
) -> FloatArray:
    """Lock-in (A, φ, drive_hz) per step at one drive frequency; complex noise of std `noise`."""
    drive = np.full(np.shape(amp), float(drive_hz))
    a, p = sho_amplitude_phase(amp, phase_rad, f0_hz, q, drive)
    z = a * np.exp(1j * p) + noise * (rng.normal(size=a.shape) + 1j * rng.normal(size=a.shape))
    return np.column_stack([np.abs(z), wrap_ar_phase(np.angle(z)), drive])


def _per_step(raw: dict[str, FloatArray], name: str) -> tuple[FloatArray, ...]:
    if f"sf_{name}" in raw:
        c = np.asarray(raw[f"sf_{name}"], float)
        unknown = np.full(len(c), np.nan)  # one frequency: no resonance information
        return c[:, 0], np.angle(np.exp(1j * c[:, 1])), unknown, unknown.copy()
    if f"dart_{name}" in raw:
        c = np.asarray(raw[f"dart_{name}"], float)
        fit = invert_dart(DARTQuadruple(c[:, 0], c[:, 1], c[:, 2], c[:, 3], c[:, 4], c[:, 5]))
        return fit.amp, fit.phase_rad, fit.q, fit.f0_hz
    spectra = np.asarray(raw[f"be_{name}"], float)
    sho = fit_sho(np.asarray(raw["freq_hz"], float), spectra[..., 0] + 1j * spectra[..., 1])
    # BGlib's R(f) carries −1 at low frequency relative to the DART convention: shift by π
    return sho.amp, np.angle(np.exp(1j * (sho.phase_rad + np.pi))), sho.q, sho.f0_hz


def phase_reference(amp: FloatArray, phase_rad: FloatArray, bias_v: FloatArray) -> float:
    """Domain phase reference from the data: axial mean of 2φ weighted by A², with the sign
    chosen so that the response at the most positive biases is positive."""
    ok = np.isfinite(amp) & np.isfinite(phase_rad)
    ref = 0.5 * float(np.angle(np.sum(amp[ok] ** 2 * np.exp(2j * phase_rad[ok]))))
    top = ok & (bias_v >= np.quantile(bias_v, 0.9))
    if top.any() and np.sum(amp[top] * np.cos(phase_rad[top] - ref)) < 0:
        ref += np.pi
    return ref


def reduce(raw: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Per-step fits (DART inversion or SHO) and PR = A·cos(φ − φ_ref) for on and off field.

    The phase reference is taken from the on-field data (largest signal) and applied to both.
    Steps whose fit failed are NaN and are dropped (with their bias) before the loop fit.
    """
    bias = np.asarray(raw["bias_v"], float)
    steps = {name: _per_step(raw, name) for name in ("on", "off")}
    ref = phase_reference(steps["on"][0], steps["on"][1], bias)
    out: dict[str, FloatArray] = {}
    for name, (amp, phase, q, f0) in steps.items():
        out[f"amp_{name}"], out[f"phase_{name}"] = amp, phase
        out[f"q_{name}"], out[f"f0_{name}"] = q, f0
        out[f"pr_{name}"] = np.asarray(amp * np.cos(phase - ref))
    out["phase_ref_rad"] = np.array([ref])
    return out
