"""SS-PFM synthesis -> reduction: piezoresponse, phase reference, breakdown."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.pfm.loops import (
    LoopParams,
    triangle_waveform,
)
from hardware.pfm.sample import SpotResponse
from hardware.pfm.sspfm import reduce, synthesize, true_loops
from hardware.protocols import SSParams


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
