"""Novelty scorers over an archive of measured spectra ("INS2ANE-like", reference §1.3).

The INS2ANE paper's own five scores are not public; these are the reconstruction proposed in
shared/reference/methods-and-data.md §1.3. Every scorer rates each archive member against the
*other* members (leave-one-out), so a spectrum is novel while few others resemble it and its
score falls as its neighbourhood fills in. Larger is more novel; all are ≥ 0.

* ``knn``        mean distance to the k nearest other embeddings (BEACON, k = 10)
* ``min_distance`` distance to the nearest other embedding (autora novelty sampler)
* ``surprise``   |z − μ|/σ of a leave-one-out GP over the library features predicting the
                 embedding (closed form: μ_{−i} = z_i − [K⁻¹z]_i/[K⁻¹]_ii, σ²_{−i} = 1/[K⁻¹]_ii),
                 root mean square over embedding dimensions
* ``reconstruction`` reconstruction error of a PCA (default) or small autoencoder fitted to the
                 other spectra (cross-fitted): what the archive's dominant modes cannot explain
* ``inverse_distance`` n_i = 1 / Σ_{j≠i} ‖z_i − z_j‖⁻¹ (curiosity paper's novelty reward)

The **integrated score** normalises each scorer's values over the archive and takes a weighted
sum, ``I_i = Σ_s w_s · norm_s(score_s)_i / Σ_s w_s``, where ``norm`` is either

* ``robust_z`` (default): (s − median)/(1.4826·MAD), clipped to [−clip, clip]; an outlying
  spectrum keeps a large value, which is what a discovery target needs; or
* ``rank``: rank/(m − 1) in [0, 1], insensitive to scale.

Robustness to single-spot outliers (measured: without a clip, dead spots and very noisy spectra
took the top integrated scores, robust z ≥ 10, and the novelty GP chased them):

* the robust z is clipped at ``clip`` = 3 (it was 10), so one spectrum's influence on the
  integrated score, and so on the GP fitted to it, is bounded;
* ``signal_quality`` rates each spectrum's signal-to-noise ratio (its standard deviation over a
  noise level estimated from point-to-point differences, robust to the switching steps) and
  ``shrink_by_quality`` pulls the integrated score of a low-SNR spectrum towards the archive
  median with weight q = snr²/(snr² + snr₀²): a dead spot (only detector noise) is not novel,
  it is unmeasured. snr₀ = ``snr_scale`` (3; 0 switches the shrinkage off).

Embeddings (`embed`) are PCA scores of the globally standardised spectra by default. Pure numpy
except the optional autoencoder (torch); every random draw comes from the generator passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from novelty.autoencoder import autoencoder_reconstruction

FloatArray = NDArray[np.float64]
Normalisation = Literal["robust_z", "rank"]
EPS = 1e-12


@dataclass(frozen=True)
class Archive:
    """What has been measured: spectra, their embeddings and the library features.

    Attributes:
        spectra: (m, L) measured spectra (preprocessed: finite, on a common scale).
        embeddings: (m, e) low-dimensional embeddings of the spectra.
        features: (m, d) library features of the measured locations (unit cube).
    """

    spectra: FloatArray
    embeddings: FloatArray
    features: FloatArray

    def __len__(self) -> int:
        return len(self.spectra)


class NoveltyScorer(Protocol):
    """Leave-one-out novelty of every archive member; (m,) values ≥ 0, larger = more novel."""

    @property
    def name(self) -> str: ...

    def score(self, archive: Archive) -> FloatArray: ...


def pairwise_distances(z: FloatArray) -> FloatArray:
    """(m, m) Euclidean distances."""
    sq = np.sum(z * z, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * z @ z.T, 0.0)
    return np.asarray(np.sqrt(d2))


def _others(z: FloatArray) -> FloatArray:
    """Pairwise distances with the diagonal set to +inf (leave-one-out)."""
    d = pairwise_distances(z)
    np.fill_diagonal(d, np.inf)
    return d


@dataclass(frozen=True)
class KNNDistance:
    """Mean distance to the k nearest other embeddings (k is capped at m − 1)."""

    k: int = 10
    name: str = "knn"

    def score(self, archive: Archive) -> FloatArray:
        m = len(archive)
        if m < 2:
            return np.zeros(m)
        d = np.sort(_others(archive.embeddings), axis=1)[:, : min(self.k, m - 1)]
        return np.asarray(d.mean(axis=1))


@dataclass(frozen=True)
class MinDistance:
    """Distance to the nearest other embedding."""

    name: str = "min_distance"

    def score(self, archive: Archive) -> FloatArray:
        if len(archive) < 2:
            return np.zeros(len(archive))
        return np.asarray(_others(archive.embeddings).min(axis=1))


@dataclass(frozen=True)
class InverseDistance:
    """n_i = 1 / Σ_{j≠i} 1/‖z_i − z_j‖ (duplicates give 0)."""

    name: str = "inverse_distance"

    def score(self, archive: Archive) -> FloatArray:
        if len(archive) < 2:
            return np.zeros(len(archive))
        inv = 1.0 / np.maximum(_others(archive.embeddings), EPS)
        return np.asarray(1.0 / inv.sum(axis=1))


@dataclass(frozen=True)
class Surprise:
    """|z − μ|/σ of a leave-one-out GP (RBF kernel on the features, fixed hyperparameters).

    Attributes:
        lengthscale: RBF lengthscale in unit-cube feature units (None: median pairwise
            feature distance of the archive).
        noise: noise variance relative to the unit signal variance of standardised z.
    """

    lengthscale: float | None = None
    noise: float = 0.05
    name: str = "surprise"

    def score(self, archive: Archive) -> FloatArray:
        m = len(archive)
        if m < 3:
            return np.zeros(m)
        x, z = archive.features, archive.embeddings
        z = (z - z.mean(axis=0)) / np.maximum(z.std(axis=0), EPS)
        dx = pairwise_distances(x)
        ls = self.lengthscale or float(np.median(dx[np.triu_indices(m, 1)])) or 1.0
        k = np.exp(-0.5 * (dx / ls) ** 2) + self.noise * np.eye(m)
        kinv = np.linalg.inv(k + 1e-9 * np.eye(m))
        diag = np.diag(kinv)
        resid = (kinv @ z) / diag[:, None]  # z_i − μ_{−i}
        sigma = np.sqrt(1.0 / diag)
        return np.asarray(np.sqrt(np.mean((resid / sigma[:, None]) ** 2, axis=1)))


@dataclass(frozen=True)
class ReconstructionError:
    """RMS error of each spectrum reconstructed by a model fitted to the *other* spectra.

    Cross-fitted so the score stays leave-one-out: the archive is split into `folds`
    interleaved folds (row i in fold i mod folds; exact leave-one-out when m ≤ folds) and each
    fold is reconstructed by a model fitted to the rest. Fitted on everything, a single odd
    spectrum would get a principal component of its own and look ordinary.

    Attributes:
        model: "pca" (first `n_components` principal components) or "autoencoder" (a small
            torch MLP autoencoder, bottleneck `n_components`, `epochs` full-batch Adam steps,
            weights seeded by `seed`).
    """

    n_components: int = 3
    model: Literal["pca", "autoencoder"] = "pca"
    epochs: int = 300
    seed: int = 0
    folds: int = 20
    name: str = "reconstruction"

    def score(self, archive: Archive) -> FloatArray:
        s = archive.spectra
        m = len(s)
        if m < 3:
            return np.zeros(m)
        fold = np.arange(m) % min(self.folds, m)
        rec = np.zeros_like(s)
        for f in np.unique(fold):
            held = fold == f
            rec[held] = self._reconstruct(s[~held], s[held])
        return np.asarray(np.sqrt(np.mean((s - rec) ** 2, axis=1)))

    def _reconstruct(self, fit: FloatArray, query: FloatArray) -> FloatArray:
        if self.model == "autoencoder":
            return autoencoder_reconstruction(fit, query, self.n_components, self.epochs, self.seed)
        mean = fit.mean(axis=0)
        _, _, vt = np.linalg.svd(fit - mean, full_matrices=False)
        basis = vt[: min(self.n_components, len(fit) - 1)]
        return np.asarray(mean + (query - mean) @ basis.T @ basis)


SCORER_NAMES: tuple[str, ...] = (
    "knn",
    "min_distance",
    "surprise",
    "reconstruction",
    "inverse_distance",
)


def default_scorers(
    k: int = 10, n_components: int = 3, reconstruction: Literal["pca", "autoencoder"] = "pca"
) -> tuple[NoveltyScorer, ...]:
    """The five scorers with their default settings, in SCORER_NAMES order."""
    return (
        KNNDistance(k),
        MinDistance(),
        Surprise(),
        ReconstructionError(n_components, reconstruction),
        InverseDistance(),
    )


def normalise(
    values: FloatArray, how: Normalisation = "robust_z", clip: float = 10.0
) -> FloatArray:
    """Put one scorer's archive values on a common scale (see the module docstring)."""
    v = np.asarray(values, float)
    if len(v) < 2:
        return np.zeros(len(v))
    if how == "rank":
        ranks = np.argsort(np.argsort(v, kind="stable"), kind="stable")
        return np.asarray(ranks / (len(v) - 1))
    med = float(np.median(v))
    mad = 1.4826 * float(np.median(np.abs(v - med)))
    scale = mad if mad > EPS else (float(np.std(v)) or 1.0)
    return np.asarray(np.clip((v - med) / scale, -clip, clip))


@dataclass(frozen=True)
class IntegratedScore:
    """Weighted sum of normalised scorer values (see the module docstring).

    Attributes:
        scorers: the scorers to run.
        weights: scorer name -> weight (missing names weigh 1; 0 switches a scorer off).
        normalisation: robust_z | rank.
        clip: bound of the robust z of each scorer.
        snr_scale: snr₀ of the quality shrinkage (0: off).
    """

    scorers: tuple[NoveltyScorer, ...] = field(default_factory=default_scorers)
    weights: Mapping[str, float] = field(default_factory=dict)
    normalisation: Normalisation = "robust_z"
    clip: float = 3.0
    snr_scale: float = 3.0

    def components(self, archive: Archive) -> dict[str, FloatArray]:
        """Raw (un-normalised) values of every scorer, by name."""
        return {s.name: s.score(archive) for s in self.scorers}

    def combine(self, components: Mapping[str, FloatArray]) -> FloatArray:
        """The integrated score from raw component values."""
        names = list(components)
        w = np.array([float(self.weights.get(n, 1.0)) for n in names])
        if w.sum() <= 0:
            raise ValueError(f"novelty weights {dict(self.weights)} sum to zero")
        z = np.stack([normalise(components[n], self.normalisation, self.clip) for n in names])
        return np.asarray(w @ z / w.sum())

    def score(self, archive: Archive) -> FloatArray:
        return self.combine(self.components(archive))


def signal_quality(spectra: FloatArray, snr_scale: float = 3.0) -> FloatArray:
    """q_i = snr_i²/(snr_i² + snr_scale²) in [0, 1] per spectrum (rows of `spectra`, raw or
    cleaned): snr = std(spectrum)/σ_noise with σ_noise = 1.4826·median|Δs|/√2 (white noise;
    the median ignores the few large steps of a switching loop). snr_scale 0: all ones."""
    s = np.asarray(spectra, float)
    if snr_scale <= 0 or s.shape[1] < 3:
        return np.ones(len(s))
    noise = 1.4826 * np.median(np.abs(np.diff(s, axis=1)), axis=1) / np.sqrt(2.0)
    snr2 = s.var(axis=1) / np.maximum(noise**2, EPS)
    return np.asarray(snr2 / (snr2 + snr_scale**2))


def shrink_by_quality(scores: FloatArray, quality: FloatArray) -> FloatArray:
    """Pull each score towards the archive median by its quality weight:
    median + q·(score − median)."""
    y = np.asarray(scores, float)
    if len(y) == 0:
        return y
    med = float(np.median(y))
    return np.asarray(med + np.asarray(quality, float) * (y - med))


# ---- spectra preprocessing and embeddings ----------------------------------------------------
def clean_spectra(spectra: Sequence[FloatArray] | FloatArray) -> FloatArray:
    """Stack spectra of equal length to (m, L), filling non-finite points by linear
    interpolation along each spectrum (0 where a spectrum has no finite point)."""
    rows = [np.asarray(s, float).ravel() for s in spectra]
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        raise ValueError(f"spectra have different lengths {sorted(lengths)}")
    out = np.zeros((len(rows), lengths.pop() if rows else 0))
    for i, r in enumerate(rows):
        ok = np.isfinite(r)
        if ok.all():
            out[i] = r
        elif ok.any():
            idx = np.arange(len(r))
            out[i] = np.interp(idx, idx[ok], r[ok])
    return out


def standardise(spectra: FloatArray) -> FloatArray:
    """Divide by the archive's global robust scale (keeps amplitude differences between
    spectra, which distinguish e.g. paraelectric from relaxor responses)."""
    scale = float(np.median(np.abs(spectra - np.median(spectra)))) * 1.4826
    scale = scale if scale > EPS else float(np.std(spectra)) or 1.0
    return np.asarray(spectra / scale)


def embed(spectra: FloatArray, n_components: int = 3) -> FloatArray:
    """PCA scores (m, min(n_components, m, L)) of the mean-centred spectra."""
    m = len(spectra)
    if m == 0:
        return np.zeros((0, n_components))
    centred = spectra - spectra.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    k = min(n_components, len(s))
    return np.asarray(u[:, :k] * s[:k])
