"""Novelty scorers: leave-one-out semantics, an outlier is the most novel, normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from novelty.scores import (
    SCORER_NAMES,
    Archive,
    IntegratedScore,
    InverseDistance,
    KNNDistance,
    MinDistance,
    ReconstructionError,
    Surprise,
    clean_spectra,
    default_scorers,
    embed,
    normalise,
    shrink_by_quality,
    signal_quality,
    standardise,
)


def _archive(rng: np.random.Generator, n: int = 40, outlier: bool = True) -> Archive:
    """Sine spectra of one family plus (optionally) one spectrum of a different family."""
    t = np.linspace(0, 2 * np.pi, 64)
    spectra = np.array(
        [np.sin(t + rng.normal(0, 0.05)) + rng.normal(0, 0.05, 64) for _ in range(n)]
    )
    if outlier:
        spectra[-1] = np.sign(np.sin(2 * t)) * 1.5
    s = standardise(spectra)
    feats = rng.random((n, 2))
    return Archive(s, embed(s, 3), feats)


@pytest.mark.parametrize("scorer", default_scorers(), ids=SCORER_NAMES)
def test_the_odd_spectrum_is_the_most_novel(scorer) -> None:
    a = _archive(np.random.default_rng(0))
    s = scorer.score(a)
    assert s.shape == (len(a),) and np.all(s >= 0) and np.all(np.isfinite(s))
    assert int(np.argmax(s)) == len(a) - 1


@pytest.mark.parametrize("scorer", default_scorers(), ids=SCORER_NAMES)
def test_tiny_archives(scorer) -> None:
    rng = np.random.default_rng(1)
    for m in (0, 1, 2):
        a = Archive(rng.random((m, 8)), rng.random((m, 2)), rng.random((m, 2)))
        assert scorer.score(a).shape == (m,)


def test_knn_and_min_distance_are_leave_one_out() -> None:
    z = np.array([[0.0], [1.0], [3.0]])
    a = Archive(z, z, z)
    assert MinDistance().score(a).tolist() == [1.0, 1.0, 2.0]
    assert KNNDistance(k=2).score(a).tolist() == [2.0, 1.5, 2.5]
    inv = InverseDistance().score(a)
    assert inv[0] == pytest.approx(1 / (1 + 1 / 3))


def test_surprise_matches_a_brute_force_leave_one_out_gp() -> None:
    rng = np.random.default_rng(2)
    x, z = rng.random((12, 2)), rng.normal(size=(12, 1))
    sur = Surprise(lengthscale=0.4, noise=0.1)
    got = sur.score(Archive(z, z, x))
    zs = (z - z.mean()) / z.std()
    for i in (0, 5):
        keep = np.arange(12) != i
        k = lambda a, b: np.exp(-0.5 * ((a[:, None] - b[None]) ** 2).sum(-1) / 0.16)  # noqa: E731
        kk = k(x[keep], x[keep]) + 0.1 * np.eye(11)
        ks = k(x[[i]], x[keep])
        mu = ks @ np.linalg.solve(kk, zs[keep])
        var = 1.1 - ks @ np.linalg.solve(kk, ks.T)
        assert got[i] == pytest.approx(abs(zs[i, 0] - mu[0, 0]) / np.sqrt(var[0, 0]), rel=1e-6)


def test_reconstruction_error_pca_and_autoencoder() -> None:
    a = _archive(np.random.default_rng(3))
    pca = ReconstructionError(2).score(a)
    ae = ReconstructionError(2, model="autoencoder", epochs=100, seed=4, folds=2).score(a)
    assert int(np.argmax(pca)) == int(np.argmax(ae)) == len(a) - 1
    again = ReconstructionError(2, model="autoencoder", epochs=100, seed=4, folds=2).score(a)
    assert np.array_equal(ae, again)


def test_integrated_score_weights_and_normalisations() -> None:
    a = _archive(np.random.default_rng(5))
    for how in ("robust_z", "rank"):
        total = IntegratedScore(normalisation=how).score(a)
        assert int(np.argmax(total)) == len(a) - 1
    comps = {"a": np.array([0.0, 1.0, 2.0]), "b": np.array([2.0, 1.0, 0.0])}
    only_a = IntegratedScore(weights={"b": 0.0}, normalisation="rank").combine(comps)
    assert only_a.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="sum to zero"):
        IntegratedScore(weights={"a": 0.0, "b": 0.0}).combine(comps)


def test_normalise_robust_z_clips_and_handles_constant() -> None:
    v = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    z = normalise(v, "robust_z", clip=5.0)
    assert z[-1] == 5.0 and z[2] == 0.0 and z[3] == pytest.approx(1 / 1.4826)
    assert np.all(normalise(np.ones(4)) == 0.0)


def test_clean_spectra_interpolates_gaps_and_rejects_ragged() -> None:
    out = clean_spectra([np.array([0.0, np.nan, 2.0]), np.full(3, np.nan)])
    assert out.tolist() == [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match="different lengths"):
        clean_spectra([np.zeros(3), np.zeros(4)])


def test_signal_quality_marks_dead_spots_and_shrinkage_tames_them() -> None:
    rng = np.random.default_rng(0)
    v = np.concatenate([np.linspace(-8, 8, 32), np.linspace(8, -8, 32)])
    loops = np.array([10 * np.tanh(v / 3 + s) for s in rng.normal(0, 0.1, 9)])
    dead = 0.03 * v  # no piezoresponse: the electrostatic slope only
    spectra = np.vstack([loops, dead]) + rng.normal(0, 0.4, (10, 64))
    q = signal_quality(spectra, 3.0)
    assert np.all(q[:9] > 0.9) and q[9] < 0.2
    assert np.all(signal_quality(spectra, 0.0) == 1.0)
    y = np.array([0.0] * 9 + [10.0])
    shrunk = shrink_by_quality(y, q)
    assert shrunk[9] < 2.0 and np.allclose(shrunk[:9], 0.0, atol=0.2)
