"""Synthetic decision problems for latency benchmarks: a library of n_candidates + n_obs
locations with d composition-like features, n_obs of them measured.

The objectives are smooth multimodal landscapes (sums of Gaussian bumps with seeded centres,
widths and heights, as a property varies over a composition spread) plus 5 % noise; the second
objective, when asked for, competes with the first (its bumps sit elsewhere). Everything derives
from the seed, so every method sees byte-identical inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.observations import Observations

FloatArray = NDArray[np.float64]
N_BUMPS = 6


@dataclass(frozen=True)
class Bumps:
    """f(x) = Σ_j h_j exp(−‖x − c_j‖² / (2 w_j²)) on the unit cube."""

    centres: FloatArray  # (N_BUMPS, d)
    widths: FloatArray  # (N_BUMPS,)
    heights: FloatArray  # (N_BUMPS,)

    @classmethod
    def random(cls, d: int, rng: np.random.Generator) -> Bumps:
        return cls(
            rng.random((N_BUMPS, d)),
            rng.uniform(0.08, 0.3, N_BUMPS),
            rng.uniform(0.3, 1.0, N_BUMPS),
        )

    def __call__(self, x: FloatArray) -> FloatArray:
        sq = ((x[:, None, :] - self.centres[None, :, :]) ** 2).sum(-1)
        return np.asarray((self.heights * np.exp(-sq / (2 * self.widths**2))).sum(-1))


@dataclass(frozen=True)
class LatencyProblem:
    """One decision to time.

    Attributes:
        candidates: the remaining (unmeasured) locations, what a strategy scores.
        observations: the measured locations and their objectives (larger is better).
        previous: the same observations without the last one: the step before, from which a
            warm-started method takes its model state.
    """

    candidates: CandidateSet
    observations: Observations
    previous: Observations

    @property
    def n_obs(self) -> int:
        return len(self.observations)


def make_problem(
    n_obs: int, n_candidates: int, d: int, *, n_objectives: int = 1, seed: int = 0
) -> LatencyProblem:
    """A library of n_candidates + n_obs random locations in [0, 1]^d, n_obs of them measured."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(d, n_obs, n_objectives)))
    n = n_candidates + n_obs
    feats = rng.random((n, d))
    names = tuple(f"c{i}" for i in range(d))
    library = CandidateSet(
        np.arange(n, dtype=np.int64),
        np.column_stack([feats[:, 0], feats[:, 1 % d]]) * 10.0,
        feats,
        names,
        np.tile([0.0, 1.0], (d, 1)),
    )
    measured = np.sort(rng.choice(n, n_obs, replace=False))
    x = feats[measured]
    columns = [Bumps.random(d, rng)(x) for _ in range(n_objectives)]
    Y = np.column_stack([c + 0.05 * np.std(c) * rng.normal(size=n_obs) for c in columns])
    obj = tuple(f"f{j}" for j in range(n_objectives))
    obs = Observations(library.ids[measured], x, Y, obj, library.positions_mm[measured])
    prev = Observations(obs.ids[:-1], obs.X[:-1], obs.Y[:-1], obj, obs.positions_mm[:-1])
    return LatencyProblem(library.without(set(measured.tolist())), obs, prev)
