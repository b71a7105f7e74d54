"""readout_problem: non-finite raw values and clipped amplitudes are named with the fix; noisy
data, reduced arrays and other channels pass."""

from __future__ import annotations

import numpy as np

from hardware.pfm.quality import clipped, readout_problem


def _dart(rng: np.random.Generator, steps: int = 64) -> np.ndarray:
    return rng.normal(1.0, 0.1, (steps, 6))


def test_noisy_analogue_data_is_usable(rng) -> None:
    arrays = {"sspfm.dart_on": _dart(rng), "sspfm.lockin_off": rng.normal(0, 1, (64, 2))}
    assert readout_problem(arrays) is None


def test_non_finite_raw_value_is_named_with_its_count(rng) -> None:
    a = _dart(rng)
    a[4, 1] = np.nan
    a[9, 3] = np.inf
    msg = readout_problem({"sspfm.dart_off": a})
    assert msg is not None and msg.startswith("sspfm.dart_off holds 2 non-finite value(s) of 384")


def test_flat_topped_amplitude_is_saturation_with_the_fix(rng) -> None:
    a = _dart(rng)
    a[:5, 0] = 1.9  # five steps exactly at full scale, above every noisy sample
    msg = readout_problem({"sspfm.dart_on": a})
    assert msg is not None and "saturated" in msg and "lower the drive amplitude" in msg


def test_only_amplitude_columns_count_for_clipping(rng) -> None:
    a = _dart(rng)
    a[:5, 4] = 9.0  # a frequency column repeating its maximum is not clipping
    assert readout_problem({"sspfm.dart_on": a}) is None


def test_reduced_arrays_may_hold_nan() -> None:
    assert readout_problem({"sspfm.pr_off": np.array([1.0, np.nan]), "height": 1.0}) is None


def test_clipping_needs_a_repeated_maximum() -> None:
    assert not clipped(np.array([0.1, 0.5, 1.0, 0.9]))
    assert clipped(np.array([0.1, -1.0, 1.0, 1.0, 0.2]))
    assert not clipped(np.zeros(10))
    assert not clipped(np.array([]))
