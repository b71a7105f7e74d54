"""The trial's loss for a measurement sequence chosen elsewhere (`sequence_loss`, the benchmark
suite's curiosity-loss score) is the very loss a trial computes for its own choices."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.bench.curiosity_trial import (
    GridSpec,
    TrialSettings,
    TrialTask,
    load_grid,
    run_trial,
    sequence_loss,
    trial_seed,
)
from novelty.curiosity.acquisition import AcquisitionParams
from novelty.curiosity.learner import SurrogateSettings
from tests.conftest import shared_data

SETTINGS = TrialSettings(
    measurements=10,
    n_random_initial=4,
    acquisition=AcquisitionParams(mc_passes=16),
    surrogate=SurrogateSettings(filters=8, initial_steps=10, initial_error_steps=5),
    seed=7,
)


@pytest.mark.parametrize("strategy", ["random", "curiosity"])
def test_sequence_loss_reproduces_a_trials_loss_curve(strategy: str) -> None:
    grid = load_grid(
        shared_data("pto-sspfm-curiosity") / "norm_polarization.npy",
        GridSpec(crop=(17, 34, 17, 34)),
    )
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(len(grid), 3)).astype(np.float32)  # the trial's error-model inputs
    result = run_trial(TrialTask(strategy, 1, grid, feats, SETTINGS))  # type: ignore[arg-type]
    order = list(result.initial) + [s.index for s in result.steps]
    seq = sequence_loss(
        grid, order, len(result.initial), SETTINGS.surrogate, trial_seed(SETTINGS.seed, 1, 1, 1)
    )
    assert seq.loss_curve == result.loss_curve  # zero features: the same surrogate, exactly
    assert seq.n_initial_evaluations == result.n_initial_evaluations == 10
    assert seq.loss_at(len(order)) == result.loss
    early = seq.loss_at(len(result.initial))
    assert early == min(result.loss_curve[:10]) and early >= seq.loss_at(len(order))
    with pytest.raises(ValueError, match="initial fit needs 5"):
        seq.loss_at(3)
    with pytest.raises(ValueError, match="initial fit needs 5"):
        sequence_loss(grid, order[:3], 5, SETTINGS.surrogate, trial_seed(7, 1, 1, 1))
