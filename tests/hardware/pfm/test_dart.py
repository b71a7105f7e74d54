"""DART readout and its inversion back to amplitude, phase, resonance and Q."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.dart import DARTQuadruple, dart_readout, invert_dart, sho_amplitude_phase


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


def test_sho_gain_used_for_dart_noise_is_the_resonance_gain() -> None:
    gain, _ = sho_amplitude_phase(
        np.ones(1), np.zeros(1), np.array([3e5]), np.array([100.0]), np.array([3e5])
    )
    assert gain[0] == pytest.approx(100.0)
