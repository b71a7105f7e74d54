"""reduce_lockin: X/Y readouts become drive-referred amplitude, phase and a signed
piezoresponse projected on the phase reference estimated from the on-field data."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.lockin import reduce_lockin
from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform


def _raw(volts_per_au: float, phase_rad: float) -> tuple[dict[str, np.ndarray], np.ndarray]:
    bias = triangle_waveform(8.0, 64, 1)
    pr = loop_model(LoopParams(0.0, 3.0, 2.0, -2.0, 0.5), bias, branch_directions(bias))
    z = volts_per_au * pr * np.exp(1j * phase_rad)
    xy = np.column_stack([z.real, z.imag])
    return {"bias_v": bias, "lockin_on": xy, "lockin_off": 0.5 * xy}, pr


def test_signed_piezoresponse_is_recovered_up_to_the_global_sign() -> None:
    raw, pr = _raw(volts_per_au=0.2, phase_rad=1.1)
    out = reduce_lockin(raw, volts_per_au=0.2)
    sign = np.sign(out["pr_on"][np.argmax(np.abs(pr))] / pr[np.argmax(np.abs(pr))])
    np.testing.assert_allclose(out["pr_on"], sign * pr, atol=1e-9)
    np.testing.assert_allclose(out["pr_off"], sign * 0.5 * pr, atol=1e-9)


def test_amplitude_is_drive_referred_and_phase_is_the_angle() -> None:
    raw, pr = _raw(volts_per_au=0.2, phase_rad=1.1)
    out = reduce_lockin(raw, volts_per_au=0.2)
    np.testing.assert_allclose(out["amp_on"], np.abs(pr), atol=1e-12)
    nonzero = np.abs(pr) > 1e-6
    wrapped = np.angle(np.exp(1j * (out["phase_on"][nonzero] - 1.1)))
    assert np.all(np.isclose(np.abs(wrapped), 0.0, atol=1e-9) | np.isclose(np.abs(wrapped), np.pi))


def test_phase_reference_follows_the_lockin_phase() -> None:
    raw, _ = _raw(volts_per_au=1.0, phase_rad=-0.7)
    ref = float(reduce_lockin(raw, volts_per_au=1.0)["phase_ref_rad"][0])
    assert np.angle(np.exp(2j * (ref + 0.7))) == pytest.approx(0.0, abs=1e-6)
