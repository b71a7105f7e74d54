"""The curiosity acquisition: novelty, normalisations, the annealed mix, top-k and ε steps."""

from __future__ import annotations

import numpy as np
import pytest

from novelty.curiosity.acquisition import (
    AcquisitionParams,
    is_random_step,
    latent_novelty,
    mean_normalised,
    novelty_weight,
    score_library,
    top_k_choice,
)
from novelty.curiosity.learner import SurrogateLearner, SurrogateSettings


def test_latent_novelty_is_inverse_sum_of_inverse_distances() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20, 2))
    measured = z[[3, 7, 11]]
    n = latent_novelty(z, measured)
    k = 5
    expected = 1.0 / sum(1.0 / np.linalg.norm(z[k] - m) for m in measured)
    assert n[k] == pytest.approx(expected)
    assert n[3] == n[7] == n[11] == 0.0  # measured locations are not novel (authors: 1/inf)
    assert np.all(n[np.setdiff1d(np.arange(20), [3, 7, 11])] > 0)
    far = latent_novelty(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert far[1] > far[0]


def test_normalisation_and_annealing_weight() -> None:
    v = np.array([1.0, 2.0, 3.0])
    assert mean_normalised(v).mean() == pytest.approx(1.0)
    assert np.array_equal(mean_normalised(np.zeros(3)), np.zeros(3))
    assert novelty_weight(0, 100, 2.0) == 1.0
    assert novelty_weight(100, 100, 2.0) == pytest.approx(np.exp(-2.0))
    assert novelty_weight(50, 100, 2.0) > novelty_weight(60, 100, 2.0)


def test_top_k_choice_draws_only_among_the_best_eligible() -> None:
    scores = np.arange(30, dtype=float)
    eligible = np.ones(30, dtype=bool)
    eligible[29] = False  # the best one is measured
    rng = np.random.default_rng(1)
    picks = {top_k_choice(scores, eligible, 10, rng) for _ in range(300)}
    assert picks == set(range(19, 29))
    assert top_k_choice(scores, np.eye(30, dtype=bool)[4], 10, rng) == 4
    with pytest.raises(ValueError):
        top_k_choice(scores, np.zeros(30, dtype=bool), 10, rng)


def test_epsilon_steps_happen_at_the_configured_rate() -> None:
    rng = np.random.default_rng(2)
    rate = np.mean([is_random_step(0.1, rng) for _ in range(20000)])
    assert rate == pytest.approx(0.1, abs=0.01)
    assert not any(is_random_step(0.0, rng) for _ in range(100))


def test_parameters_are_validated() -> None:
    assert AcquisitionParams() == AcquisitionParams(2.0, 10, 0.1, 500, 0.0)
    for bad in ({"top_k": 0}, {"epsilon": 1.5}, {"mc_passes": 1}, {"sigma": -1.0}):
        with pytest.raises(ValueError):
            AcquisitionParams(**bad)  # type: ignore[arg-type]


def test_score_library_mixes_error_novelty_and_uncertainty() -> None:
    rng = np.random.default_rng(3)
    learner = SurrogateLearner(
        (9, 9), 12, 3, SurrogateSettings(filters=4), np.random.SeedSequence(0)
    )
    feats = rng.normal(size=(40, 3)).astype(np.float32)
    z = rng.normal(size=(40, 2)).astype(np.float32)
    measured = np.zeros(40, dtype=bool)
    measured[:5] = True
    params = AcquisitionParams(mc_passes=64, sigma=2.0)
    s = score_library(learner, feats, z, measured, 30, 100, params, np.random.SeedSequence(9))
    w = np.exp(-2.0 * 30 / 100)
    assert s.novelty_weight == pytest.approx(w)
    assert np.allclose(s.acquisition, s.e_hat * (1 - w) + s.novelty * w + 2.0 * s.uncertainty)
    for arr in (s.e_hat, s.novelty, s.uncertainty):
        assert arr.mean() == pytest.approx(1.0)
    assert np.all(s.novelty[:5] == 0.0)
    again = score_library(learner, feats, z, measured, 30, 100, params, np.random.SeedSequence(9))
    assert np.array_equal(s.acquisition, again.acquisition)
    assert set(s.at(7)) == {"e_hat", "novelty", "uncertainty", "acquisition", "novelty_weight"}
