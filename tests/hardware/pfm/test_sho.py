"""SHO response convention and the batched SHO fit."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.sho import be_frequencies, be_spectra, fit_sho, sho_response


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
