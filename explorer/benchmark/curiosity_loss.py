"""The curiosity-loss score: how well an im2spec surrogate trained on a run's measured spectra
predicts the spectrum of every library location (Vatsavai et al. 2025, the loss of
`explorer bench curiosity`).

The grid is the task's library: each location's flattened image patch (a square patch, as the
curiosity strategy reads it) and the spectrum its replay returns in `Measurement.arrays[array]`.
For one run, the measured locations in order go through `explorer.bench.curiosity_trial.
sequence_loss` (the trial's own evaluator and the paper's schedule: initial fit on the first
`n_initial`, then one update per measurement), which gives the paper's loss L after any number
of measurements; the score at a budget is 1 - L / L0, clipped to [0, 1], with L0 the summed
per-pixel MSE of the grid's mean spectrum, so higher is better like every benchmark score. The
surrogate's seed comes from the run's seed, so paired runs of different strategies are scored by
the same initial weights and dropout stream.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from explorer.benchmark.registry import ScoreConfig
from explorer.benchmark.truth import TruthTable
from explorer.engine.rundir import atomic_write_bytes
from explorer.engine.threads import limit_threads
from explorer.errors import ConfigError
from explorer.heavy_modules import heavy

FloatArray = NDArray[np.float64]
SCORE_SEED_KEY = 31  # spawn key of the scoring surrogate under the run's seed


@dataclass(frozen=True, eq=False)
class LossGrid:
    """Every library location's patch (n, p, p) and spectrum (n, L), in truth-table order."""

    patches: NDArray[np.float32]
    spectra: NDArray[np.float32]
    mean_spectrum_loss: float  # L0: summed per-pixel MSE of the grid's mean spectrum


def loss_grid(truth: TruthTable, features: FloatArray, array: str) -> LossGrid:
    """The grid of a task from its truth table (with `array`) and the library features."""
    if array not in truth.arrays:
        raise ConfigError(f"curiosity_loss: the truth table has no array {array!r}")
    n, d = features.shape
    side = round(d**0.5)
    if side * side != d:
        raise ConfigError(
            f"curiosity_loss: {d} features per location are not a flattened square image patch"
        )
    spectra = np.asarray(truth.arrays[array], np.float32).reshape(n, -1)
    l0 = float(((spectra - spectra.mean(axis=0)) ** 2).mean(axis=1).sum())
    patches = np.ascontiguousarray(features.reshape(n, side, side), dtype=np.float32)
    return LossGrid(patches, spectra, l0)


def curiosity_loss_scores(
    grid: LossGrid,
    rows: NDArray[np.int64],
    budgets: list[int],
    score: ScoreConfig,
    seed: int,
) -> dict[int, float]:
    """Score of the first `b` measured rows for every budget b (one surrogate run)."""
    if len(rows) < score.n_initial:
        raise ConfigError(
            f"curiosity_loss: {len(rows)} measurements, fewer than n_initial {score.n_initial}"
        )
    patch_grid = heavy("explorer.bench.curiosity_trial", "PatchGrid")
    sequence_loss = heavy("explorer.bench.curiosity_trial", "sequence_loss")
    settings = heavy("novelty.curiosity.learner", "SurrogateSettings")()
    n = len(grid.patches)
    ids = np.arange(n, dtype=np.int64)
    pg = patch_grid(grid.patches, grid.spectra, ids, np.zeros(n, np.int64), int(rows[0]))
    order = [int(r) for r in rows[: max(budgets)]]
    ss = np.random.SeedSequence(seed, spawn_key=(SCORE_SEED_KEY,))
    seq = sequence_loss(pg, order, score.n_initial, settings, ss)
    return {
        b: transformed(seq.loss_at(min(b, len(order))), grid.mean_spectrum_loss) for b in budgets
    }


def cached_scores(
    path: Path,
    grid: LossGrid,
    rows: NDArray[np.int64],
    budgets: list[int],
    score: ScoreConfig,
    seed: int,
) -> dict[int, float]:
    """`curiosity_loss_scores`, kept in the JSON file `path` under a hash of everything it
    depends on, so a rerun of the benchmark does not train the scoring surrogates again."""
    h = hashlib.sha256(np.ascontiguousarray(rows, np.int64).tobytes())
    h.update(grid.spectra.tobytes())
    h.update(grid.patches.tobytes())
    h.update(f"{sorted(budgets)}:{score.n_initial}:{score.array}:{seed}".encode())
    key = h.hexdigest()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    if isinstance(stored, dict) and stored.get("key") == key:
        return {int(b): float(v) for b, v in stored["scores"].items()}
    scores = curiosity_loss_scores(grid, rows, budgets, score, seed)
    atomic_write_bytes(path, json.dumps({"key": key, "scores": scores}).encode())
    return scores


@dataclass(frozen=True, eq=False)
class LossJob:
    """The curiosity-loss scoring of one run, for a worker of the benchmark's executor."""

    cache: Path  # the run's score file (`cached_scores`)
    grid: LossGrid
    rows: NDArray[np.int64]  # truth-table rows of the measured locations, in order
    budgets: tuple[int, ...]
    score: ScoreConfig
    seed: int


def score_job(job: LossJob) -> dict[int, float]:
    """`cached_scores` of the job, on one numeric thread like the benchmark's campaigns."""
    limit_threads(1)
    return cached_scores(job.cache, job.grid, job.rows, list(job.budgets), job.score, job.seed)


def transformed(loss: float, mean_spectrum_loss: float) -> float:
    """1 - L / L0 in [0, 1]: the share of the grid's spectral variance explained."""
    if mean_spectrum_loss <= 0:
        return 1.0
    return float(np.clip(1.0 - loss / mean_spectrum_loss, 0.0, 1.0))
