"""The curiosity acquisition (paper §2.3, `curiosity_sampling.ipynb` cell 14 and the MPI script).

For every location x of the library (measured ones included, as in the authors' code, so the
normalisations below are over the whole grid):

* ê(x): mean of `mc_passes` MC-dropout predictions of the error model on the featuriser latent,
  divided by its mean over the library; u(x): their standard deviation, divided by its mean;
* n(x) = [Σ_j ‖z(x) − z_j‖₂⁻¹]⁻¹ over the measured locations j, z = im2spec latent (0 at a
  measured location), divided by its mean;
* A(x) = ê(x)·(1 − w) + n(x)·w + σ·u(x), with w = exp(−λ t / N), t = measurements so far and
  N = budget. σ = 0 is the notebook's rule; σ = 2 the MC-dropout variant
  (`mpi_version_MCDropout_redone.py`).

A step is a uniformly random unmeasured location with probability ε; otherwise the location is
drawn uniformly among the `top_k` unmeasured locations of largest A. (The authors' top-10 loop can
re-pick an already measured location once the first one is excluded; here only unmeasured
locations are eligible, since a campaign never re-measures a location.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from novelty.curiosity.learner import SurrogateLearner

FloatArray = NDArray[np.float64]
AnyFloats = NDArray[np.floating[Any]]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class AcquisitionParams:
    """Acquisition parameters; defaults are the paper's values.

    Attributes:
        lam: annealing rate λ of the error/novelty mix (2).
        top_k: the choice is uniform among this many best locations (10).
        epsilon: probability of a uniformly random step (0.1).
        mc_passes: MC-dropout passes of the error model (500).
        sigma: weight σ of the MC-dropout uncertainty u (0; 2 in the MC-dropout variant).
    """

    lam: float = 2.0
    top_k: int = 10
    epsilon: float = 0.1
    mc_passes: int = 500
    sigma: float = 0.0

    def __post_init__(self) -> None:
        if self.lam < 0 or self.top_k < 1 or not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"invalid acquisition parameters {self}")
        if self.mc_passes < 2 or self.sigma < 0:
            raise ValueError(f"mc_passes must be >= 2 and sigma >= 0, got {self}")


@dataclass(frozen=True)
class CuriosityScores:
    """ê, n, u and A over the library (all shape (n_library,))."""

    e_hat: FloatArray
    novelty: FloatArray
    uncertainty: FloatArray
    acquisition: FloatArray
    novelty_weight: float

    def at(self, i: int) -> dict[str, float]:
        """The logged numbers of one location."""
        return {
            "e_hat": float(self.e_hat[i]),
            "novelty": float(self.novelty[i]),
            "uncertainty": float(self.uncertainty[i]),
            "acquisition": float(self.acquisition[i]),
            "novelty_weight": self.novelty_weight,
        }


def mean_normalised(v: FloatArray) -> FloatArray:
    """v / mean(v) (v unchanged when its mean is 0)."""
    m = float(np.mean(v))
    return v / m if m != 0.0 else v


def latent_novelty(z_all: AnyFloats, z_measured: AnyFloats) -> FloatArray:
    """n(x) = 1 / Σ_j 1/‖z(x) − z_j‖ for every row of z_all; 0 where z(x) equals a measured z."""
    if len(z_measured) == 0:
        return np.ones(len(z_all))
    d = np.sqrt(((z_all[:, None, :] - z_measured[None, :, :]) ** 2).sum(axis=2))
    with np.errstate(divide="ignore"):
        inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), np.inf).sum(axis=1)
    return np.where(np.isfinite(inv), 1.0 / inv, 0.0)


def novelty_weight(t: int, budget: int, lam: float) -> float:
    """w = exp(−λ t / N): the share of novelty in A (1 at the start, e^-λ at the budget)."""
    return float(np.exp(-lam * t / max(budget, 1)))


def score_library(
    learner: SurrogateLearner,
    features: AnyFloats,
    z_all: AnyFloats,
    measured: BoolArray,
    t: int,
    budget: int,
    params: AcquisitionParams,
    seed: np.random.SeedSequence,
) -> CuriosityScores:
    """ê, n, u, A for every library location.

    Args:
        learner: the trained surrogate + error model.
        features: (n, d_f) featuriser latents of every location (error-model inputs).
        z_all: (n, d_z) current im2spec latents of every location.
        measured: (n,) True at measured locations.
        t, budget: measurements so far and planned in total (the annealing clock).
        params: acquisition parameters.
        seed: seed of the MC-dropout masks of this decision.
    """
    samples = learner.error_samples(features, params.mc_passes, seed).astype(np.float64)
    e_hat = mean_normalised(samples.mean(axis=0))
    u = mean_normalised(samples.std(axis=0))
    nov = mean_normalised(latent_novelty(z_all.astype(np.float64), z_all[measured]))
    w = novelty_weight(t, budget, params.lam)
    a = e_hat * (1.0 - w) + nov * w + params.sigma * u
    return CuriosityScores(e_hat, nov, u, a, w)


def top_k_choice(scores: FloatArray, eligible: BoolArray, k: int, rng: np.random.Generator) -> int:
    """Index drawn uniformly among the k eligible entries with the largest scores."""
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        raise ValueError("no eligible location left")
    order = idx[np.argsort(-scores[idx], kind="stable")]
    return int(rng.choice(order[: min(k, len(order))]))


def is_random_step(epsilon: float, rng: np.random.Generator) -> bool:
    """True with probability ε (the ε-random steps)."""
    return bool(rng.random() < epsilon)
