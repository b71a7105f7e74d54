"""The reconstruction autoencoder: deterministic per seed, reconstructs spectra from the family
it was trained on better than an unseen shape, in the units of the input."""

from __future__ import annotations

import numpy as np

from novelty.autoencoder import autoencoder_reconstruction


def _family(rng: np.random.Generator, n: int = 40, length: int = 24) -> np.ndarray:
    t = np.linspace(0, 1, length)
    amp = rng.uniform(0.5, 2.0, (n, 1))
    return 10.0 + amp * np.sin(2 * np.pi * t)[None, :] + rng.normal(0, 0.01, (n, length))


def test_same_seed_same_reconstruction() -> None:
    s = _family(np.random.default_rng(0))
    a = autoencoder_reconstruction(s, s[:3], bottleneck=2, epochs=30, seed=7)
    b = autoencoder_reconstruction(s, s[:3], bottleneck=2, epochs=30, seed=7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 24)


def test_known_shapes_reconstruct_better_than_a_novel_one() -> None:
    rng = np.random.default_rng(1)
    s = _family(rng)
    t = np.linspace(0, 1, 24)
    novel = 10.0 + 1.5 * np.cos(6 * np.pi * t)[None, :]
    query = np.vstack([s[:5], novel])
    rec = autoencoder_reconstruction(s, query, bottleneck=2, epochs=300, seed=3)
    err = np.mean((rec - query) ** 2, axis=1)
    assert err[:5].max() < err[5]
    assert abs(rec[:5].mean() - 10.0) < 0.5  # back in the input's units
