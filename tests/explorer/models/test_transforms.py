"""Output transforms: bilog round-trips (zero and negatives included), compresses heavy tails,
and its delta-method std matches the spread of back-transformed samples; 'none' is identity."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.models.transforms import forward, inverse, inverse_std


def test_bilog_round_trips_including_zero_and_negatives() -> None:
    y = np.array([-1e4, -3.0, -0.5, 0.0, 0.5, 3.0, 1e4])
    z = forward("bilog", y)
    np.testing.assert_allclose(inverse("bilog", z), y, rtol=1e-12)
    assert z[3] == 0.0 and np.all(np.sign(z) == np.sign(y))
    assert np.abs(z).max() < 10.0  # four decades become single digits


def test_none_is_the_identity_as_floats() -> None:
    y = np.array([1, 2, 3])
    out = forward("none", y)
    assert out.dtype == float and np.array_equal(out, y)
    assert np.array_equal(inverse("none", out), y)
    assert np.array_equal(inverse_std("none", out, np.array([0.1, 0.2, 0.3])), [0.1, 0.2, 0.3])


def test_bilog_std_is_the_spread_of_back_transformed_samples(rng) -> None:
    z_mean, z_std = 2.0, 0.01
    samples = inverse("bilog", rng.normal(z_mean, z_std, 200_000))
    predicted = inverse_std("bilog", np.array([z_mean]), np.array([z_std]))[0]
    assert predicted == pytest.approx(np.std(samples), rel=0.02)
