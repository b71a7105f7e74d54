"""The curiosity-loss score on a window of the real SS-PFM cube: the paper's loss of a surrogate
trained on the measured sequence, as a share of the grid's spectral variance in [0, 1]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.bench.curiosity_trial import GridSpec, PatchGrid, load_grid, sequence_loss
from explorer.benchmark import curiosity_loss
from explorer.benchmark.curiosity_loss import (
    SCORE_SEED_KEY,
    LossJob,
    cached_scores,
    curiosity_loss_scores,
    loss_grid,
    score_job,
    transformed,
)
from explorer.benchmark.registry import ScoreConfig
from explorer.benchmark.truth import TruthTable
from explorer.errors import ConfigError
from explorer.sweep.executors import dask_executor, run_all
from novelty.curiosity.learner import SurrogateSettings
from tests.conftest import shared_data

SCORE = ScoreConfig(kind="curiosity_loss", array="sspfm.polarization", n_initial=5)


@pytest.fixture(scope="module")
def window() -> PatchGrid:
    path = shared_data("pto-sspfm-curiosity") / "norm_polarization.npy"
    return load_grid(path, GridSpec(crop=(17, 34, 17, 34)))  # 81 locations


def _truth(g: PatchGrid) -> tuple[TruthTable, np.ndarray]:
    ids = np.arange(len(g), dtype=np.int64) + 100
    truth = TruthTable(ids, {}, {"sspfm.polarization": g.spectra.astype(float)})
    return truth, g.patches.reshape(len(g), -1).astype(float)


def test_the_score_is_one_minus_the_papers_loss_over_the_mean_spectrum_loss(
    window: PatchGrid,
) -> None:
    truth, features = _truth(window)
    grid = loss_grid(truth, features, "sspfm.polarization")
    spectra = window.spectra.astype(np.float64)
    l0 = ((spectra - spectra.mean(axis=0)) ** 2).mean(axis=1).sum()
    assert grid.mean_spectrum_loss == pytest.approx(l0, rel=1e-5)
    rows = np.random.default_rng(3).permutation(len(window))[:9]
    scores = curiosity_loss_scores(grid, rows, [5, 9], SCORE, seed=2)
    seq = sequence_loss(
        window,
        rows.tolist(),
        5,
        SurrogateSettings(),
        np.random.SeedSequence(2, spawn_key=(SCORE_SEED_KEY,)),
    )
    assert scores == {b: transformed(seq.loss_at(b), grid.mean_spectrum_loss) for b in (5, 9)}
    assert 0.0 <= scores[5] <= scores[9] <= 1.0  # a longer run's minimum is never worse
    assert curiosity_loss_scores(grid, rows, [5, 9], SCORE, seed=2) == scores  # paired seeds


def test_scores_are_cached_beside_the_run(
    tmp_path: Path, window: PatchGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    truth, features = _truth(window)
    grid = loss_grid(truth, features, "sspfm.polarization")
    rows = np.arange(6, dtype=np.int64)
    calls: list[int] = []

    def counted(*args: object) -> dict[int, float]:
        calls.append(1)
        return curiosity_loss_scores(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(curiosity_loss, "curiosity_loss_scores", counted)
    path = tmp_path / "scores.json"
    first = cached_scores(path, grid, rows, [5, 6], SCORE, seed=0)
    assert path.is_file() and len(calls) == 1
    assert cached_scores(path, grid, rows, [5, 6], SCORE, seed=0) == first and len(calls) == 1
    cached_scores(path, grid, rows[:5], [5], SCORE, seed=0)  # another run: computed again
    assert len(calls) == 2


def test_runs_are_scored_on_dask_workers_and_cached_there(
    tmp_path: Path, window: PatchGrid
) -> None:
    truth, features = _truth(window)
    grid = loss_grid(truth, features, "sspfm.polarization")
    orders = [np.random.default_rng(k).permutation(len(window))[:7] for k in range(2)]
    jobs = [
        LossJob(tmp_path / f"run-{k}" / "scores.json", grid, rows, (5, 7), SCORE, seed=k)
        for k, rows in enumerate(orders)
    ]
    for job in jobs:
        job.cache.parent.mkdir()
    with dask_executor(None, 1) as pool:
        scores = run_all(score_job, jobs, pool)
    for job, got in zip(jobs, scores, strict=True):
        # the worker runs one thread, this process may run more: equal to float32 round-off
        want = curiosity_loss_scores(grid, job.rows, [5, 7], SCORE, seed=job.seed)
        assert got == pytest.approx(want, rel=1e-4)
        assert job.cache.is_file()  # written by the worker: a rerun reuses it
        assert cached_scores(job.cache, grid, job.rows, [5, 7], SCORE, job.seed) == got


def test_transform_and_errors(window: PatchGrid) -> None:
    assert transformed(0.0, 10.0) == 1.0 and transformed(12.0, 10.0) == 0.0
    assert transformed(2.5, 10.0) == pytest.approx(0.75) and transformed(1.0, 0.0) == 1.0
    truth, features = _truth(window)
    with pytest.raises(ConfigError, match="no array 'other'"):
        loss_grid(truth, features, "other")
    with pytest.raises(ConfigError, match="not a flattened square image patch"):
        loss_grid(truth, features[:, :80], "sspfm.polarization")
    grid = loss_grid(truth, features, "sspfm.polarization")
    with pytest.raises(ConfigError, match="fewer than n_initial 5"):
        curiosity_loss_scores(grid, np.arange(3), [3], SCORE, seed=0)
