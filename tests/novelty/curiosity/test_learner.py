"""Training schedule of the curiosity models on a window of the real PTO cube."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from explorer.bench.curiosity_trial import GridSpec, PatchGrid, load_grid
from novelty.curiosity.learner import (
    FeaturiserSettings,
    SurrogateLearner,
    SurrogateSettings,
    encode_patches,
    spread_steps,
    train_featuriser,
)
from tests.conftest import shared_data

# the paper's architecture with 16 instead of 64 filters keeps these tests at a few seconds
FAST = SurrogateSettings(filters=16, initial_steps=12, initial_error_steps=6)


@pytest.fixture(scope="module")
def grid() -> PatchGrid:
    path = shared_data("pto-sspfm-curiosity") / "norm_polarization.npy"
    return load_grid(path, GridSpec(crop=(17, 34, 17, 34)))  # 9 x 9 = 81 candidates


def _learner(
    grid: PatchGrid, seed: int = 0, settings: SurrogateSettings = FAST
) -> SurrogateLearner:
    return SurrogateLearner(grid.patch_shape, 50, 3, settings, np.random.SeedSequence(seed))


def _train(learner: SurrogateLearner, grid: PatchGrid, feats: np.ndarray, order: list[int]) -> None:
    first = order[:6]
    learner.fit_initial(grid.patches[first], grid.spectra[first], feats[first])
    for k in range(7, len(order) + 1):
        idx = order[:k]
        learner.update(grid.patches[idx], grid.spectra[idx], feats[idx])


def test_featuriser_learns_to_reconstruct_patches(grid: PatchGrid) -> None:
    losses: list[float] = []
    patches = grid.patches[:25]
    settings = FeaturiserSettings(
        filters=16, epochs=6, batch_size=5, lr=1e-2
    )  # few steps: larger lr
    trained = train_featuriser(patches, settings, np.random.SeedSequence(1), losses)
    assert len(losses) == 6
    assert losses[-1] < 0.8 * losses[0]
    assert losses[-1] < float(patches.var())  # better than predicting the mean patch
    z = encode_patches(trained, grid.patches)
    assert z.shape == (81, 3)
    assert np.all(np.isfinite(z))
    assert not trained.training


def test_schedule_calls_and_error_targets(grid: PatchGrid) -> None:
    learner = _learner(grid)
    feats = np.random.default_rng(0).normal(size=(81, 3)).astype(np.float32)
    calls: list[int] = []
    idx = list(range(0, 60, 6))
    learner.fit_initial(grid.patches[idx], grid.spectra[idx], feats[idx], lambda: calls.append(1))
    assert len(calls) == FAST.initial_steps
    assert learner.last_targets.mean() == pytest.approx(1.0, rel=1e-5)
    assert learner.n_trained == len(idx)
    idx.append(61)
    learner.update(grid.patches[idx], grid.spectra[idx], feats[idx], lambda: calls.append(2))
    assert calls.count(2) == 1
    assert learner.n_trained == len(idx) and learner.last_targets.shape == (len(idx),)


def test_training_reduces_the_surrogate_error(grid: PatchGrid) -> None:
    learner = _learner(grid, settings=replace(FAST, initial_steps=60))
    idx = list(range(0, 81, 3))
    _, before = learner.predict(grid.patches)
    learner.fit_initial(grid.patches[idx], grid.spectra[idx], np.zeros((len(idx), 3), np.float32))
    _, after = learner.predict(grid.patches)
    mse = lambda p: float(((p - grid.spectra) ** 2).mean())  # noqa: E731
    assert mse(after) < 0.5 * mse(before)


def test_updates_are_a_pure_function_of_seed_and_history(grid: PatchGrid) -> None:
    """What a resumed campaign relies on: replaying the history gives the same models, whatever
    was predicted or sampled in between (acquisitions use their own generators)."""
    feats = np.random.default_rng(1).normal(size=(81, 3)).astype(np.float32)
    order = [int(i) for i in np.random.default_rng(2).permutation(81)[:10]]
    a, b, c = _learner(grid), _learner(grid), _learner(grid, seed=1)
    _train(a, grid, feats, order)
    b.fit_initial(grid.patches[order[:6]], grid.spectra[order[:6]], feats[order[:6]])
    for k in range(7, 11):
        b.predict(grid.patches)
        b.error_samples(feats, 20, np.random.SeedSequence(k))
        b.update(grid.patches[order[:k]], grid.spectra[order[:k]], feats[order[:k]])
    _train(c, grid, feats, order)
    assert a.digest() == b.digest()
    assert a.digest() != c.digest()


def test_spread_steps_share_the_initial_fit_over_the_last_decisions() -> None:
    assert spread_steps(150, 31, 5) == [0] * 26 + [30] * 5
    assert spread_steps(150, 31, 1) == [0] * 30 + [150]  # the paper: all at once
    assert spread_steps(7, 3, 10) == [2, 2, 3]  # never spread over more than there are
    for total, n, over in [(150, 31, 7), (13, 5, 3), (1, 4, 4)]:
        steps = spread_steps(total, n, over)
        assert sum(steps) == total and len(steps) == n
        assert max(steps) - min(steps[n - over :]) <= 1 and steps[: n - over] == [0] * (n - over)


def test_warm_up_then_a_shorter_initial_fit_is_a_pure_function_of_the_schedule(
    grid: PatchGrid,
) -> None:
    feats = np.random.default_rng(0).normal(size=(len(grid), 3)).astype(np.float32)
    order = [40, 3, 77, 12, 58, 21]

    def spread(n_warm: int) -> SurrogateLearner:
        learner = _learner(grid)
        for j in range(1, len(order)):
            idx = order[:j]
            learner.warm_up(grid.patches[idx], grid.spectra[idx], 3 if j > n_warm else 0)
        learner.fit_initial(grid.patches[order], grid.spectra[order], feats[order], steps=3)
        return learner

    a, b = spread(3), spread(3)
    assert a.digest() == b.digest() and a.n_trained == len(order)
    at_once = _learner(grid)
    at_once.fit_initial(grid.patches[order], grid.spectra[order], feats[order])
    assert at_once.digest() != a.digest()
    # warm-up touches the surrogate only: the error model still has its initial weights
    learner = _learner(grid)
    before = {k: v.clone() for k, v in learner.error.state_dict().items()}
    learner.warm_up(grid.patches[order], grid.spectra[order], 2)
    assert learner.n_trained == 0
    assert all((learner.error.state_dict()[k] == v).all() for k, v in before.items())
