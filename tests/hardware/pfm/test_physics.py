"""PFM physics: SHO spectra and fits, DART inversion, SS-PFM synthesis -> reduction -> loop fit."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.dart import DARTQuadruple, dart_readout, invert_dart, sho_amplitude_phase
from hardware.pfm.loops import (
    LoopParams,
    branch_directions,
    loop_metrics,
    loop_model,
    model_loop_area,
    numeric_loop_area,
    triangle_waveform,
)
from hardware.pfm.sample import SpotResponse
from hardware.pfm.sho import be_frequencies, be_spectra, fit_sho, sho_response
from hardware.pfm.sspfm import reduce, synthesize, true_loops
from hardware.protocols import SSParams


def test_sho_convention() -> None:
    f0, q, a, phi = 350e3, 120.0, 0.7, 0.3
    assert abs(sho_response(np.array([1.0]), a, f0, q, phi)[0]) == pytest.approx(a, rel=1e-6)
    at_f0 = sho_response(np.array([f0]), a, f0, q, phi)[0]
    assert abs(at_f0) == pytest.approx(a * q)
    assert np.angle(at_f0) == pytest.approx(phi + np.pi / 2)


def test_batched_sho_fit_recovers_parameters(rng) -> None:
    n = 200
    amp, f0 = rng.uniform(0.5, 2, n), rng.uniform(340e3, 360e3, n)
    q, ph = rng.uniform(80, 200, n), rng.uniform(-3, 3, n)
    freq = be_frequencies(350e3, 60e3, 64)
    fit = fit_sho(freq, be_spectra(freq, amp, f0, q, ph, rng, noise_per_bin=2.0))
    assert np.median(np.abs(fit.amp / amp - 1)) < 0.01
    assert np.median(np.abs(fit.f0_hz - f0)) < 20.0
    assert np.median(np.abs(fit.q / q - 1)) < 0.02
    assert np.median(np.abs(np.angle(np.exp(1j * (fit.phase_rad - ph))))) < 0.01
    assert np.min(fit.r2) > 0.9


def test_dart_inversion_returns_the_ground_truth_even_off_lock(rng) -> None:
    n = 50
    amp, ph = rng.uniform(0.001, 1, n), rng.uniform(-3, 3, n)
    f0, q = rng.uniform(250e3, 400e3, n), rng.uniform(50, 300, n)
    d = dart_readout(amp, ph, f0, q, f0 * (1 + rng.normal(0, 0.003, n)), 10e3)
    fit = invert_dart(d)
    np.testing.assert_allclose(fit.amp, amp, rtol=1e-9)
    np.testing.assert_allclose(fit.q, q, rtol=1e-9)
    np.testing.assert_allclose(fit.f0_hz, f0, rtol=1e-12)
    np.testing.assert_allclose(np.angle(np.exp(1j * (fit.phase_rad - ph))), 0.0, atol=1e-9)


def test_dart_reference_case() -> None:
    """Reference §4.2: locked at f0 with Q = 120 and A_d = 0.01 the inversion is exact."""
    f0 = np.array([353.125e3])
    d = dart_readout(np.array([0.01]), np.array([0.0]), f0, np.array([120.0]), f0, 10e3)
    fit = invert_dart(d)
    assert fit.amp[0] == pytest.approx(0.01) and fit.q[0] == pytest.approx(120.0)


def test_degenerate_quadruple_is_nan_not_an_exception() -> None:
    one = np.array([1.0])
    fit = invert_dart(DARTQuadruple(one, one, one * 0, one * 0, one * 345e3, one * 355e3))
    assert not np.isfinite(fit.q[0])


def _spot(r: float = 30.0) -> SpotResponse:
    return SpotResponse(LoopParams(0.0, r, 2.5, -3.1, 0.6), 1.25, 0.08, 352e3, 110.0)


@pytest.mark.parametrize("mode", ["dart", "be", "single"])
def test_reduced_piezoresponse_matches_the_truth_with_calibrated_noise(rng, mode) -> None:
    params = SSParams(mode=mode)
    errs = []
    for _ in range(8):
        raw = synthesize(
            _spot(), params, rng, tip_sensitivity=1.0, lockin_phase_rad=2.0, detector_noise=0.6
        )
        red = reduce(raw)
        on, off = true_loops(_spot(), raw["bias_v"], 1.0)
        errs.append(np.nanstd(red["pr_off"] - off))
        assert np.nanstd(red["pr_on"] - on) < 1.5
    assert np.median(errs) == pytest.approx(0.6, rel=0.25)  # per-point noise ≈ detector_noise


def test_phase_reference_is_found_from_the_data(rng) -> None:
    raw = synthesize(
        _spot(), SSParams(), rng, tip_sensitivity=1.0, lockin_phase_rad=-2.5, detector_noise=0.1
    )
    red = reduce(raw)
    assert np.angle(np.exp(1j * (red["phase_ref_rad"][0] - -2.5))) == pytest.approx(0, abs=0.05)


def test_breakdown_kills_the_rest_of_the_loop() -> None:
    spot = SpotResponse(LoopParams(0.0, 10.0, 40.0, -40.0, 5.0), 1.2, 0.0, 3e5, 150.0, 70.0)
    bias = triangle_waveform(80.0, 64, 1)
    _, off = true_loops(spot, bias, 1.0)
    first = int(np.argmax(np.abs(bias) > 70.0))
    assert np.all(off[first:] == 0) and np.any(off[:first] != 0)


def test_fitted_loop_area_agrees_with_numeric_integration(rng) -> None:
    """Loop-area fitting vs trapezoid integration of the raw loop."""
    rows = []
    bias = triangle_waveform(10.0, 128, 1)
    rising = branch_directions(bias)
    for _ in range(40):
        vc = rng.uniform(1.5, 4.0)
        im = rng.uniform(-1.0, 1.0)
        p = LoopParams(
            rng.normal(0, 1), rng.uniform(5, 50), im + vc, im - vc, rng.uniform(0.15, 0.3) * vc
        )
        clean = loop_model(p, bias, rising)
        noisy = clean + rng.normal(0, 0.02 * p.r, bias.shape)
        m = loop_metrics(bias, noisy)
        rows.append(
            (
                m.loop_area,
                m.loop_area_numeric,
                numeric_loop_area(bias, clean),
                model_loop_area(p, -10.0, 10.0),
            )
        )
    fit, num, num_clean, truth = np.array(rows).T
    np.testing.assert_allclose(fit, num, rtol=0.03)
    np.testing.assert_allclose(fit, truth, rtol=0.03)
    np.testing.assert_allclose(num_clean, truth, rtol=0.01)


def test_saturated_loop_area_closed_form() -> None:
    p = LoopParams(0.0, 1.0, 2.5, -2.5, 0.05)
    assert model_loop_area(p, -20.0, 20.0) == pytest.approx(10.0, rel=1e-3)  # 2R·ΔVc


def test_sho_gain_used_for_dart_noise_is_the_resonance_gain() -> None:
    gain, _ = sho_amplitude_phase(
        np.ones(1), np.zeros(1), np.array([3e5]), np.array([100.0]), np.array([3e5])
    )
    assert gain[0] == pytest.approx(100.0)
