"""How many measurements each strategy needs to discover every phase of the simulated library
(issue-8 science check).

For every (strategy, seed), the shipped `campaigns/phases-novelty.yaml` with its strategy swapped
and its seed replaced runs through the normal session and runner (real event log, simulated
instrument with realistic noise) on the phase library of `hardware/pfm/phases.py`. The seed
changes the library too: the wiggle of the phase boundaries and every noise draw. Ground truth
(benchmark only, never seen by a strategy) comes from the sample's `class_at` at each measured
position, rebuilt here from the run's config exactly as the instrument builds it.

Per run: the classes in measurement order; measurements needed to see all five classes
(`measurements_to_find`); the 1-based index of the first rare-class (antiferroelectric)
measurement; the feature-space coverage at the end of the budget (`FeatureCells`: k-means with
k = COVERAGE_CELLS on the first 5 principal components of the noise-free on-field loops of the
full grid); total stage travel.

Strategies (all with the budget of the campaign's stop rule unless told otherwise):
* novelty: the campaign as shipped (8 Sobol points, then INS2ANE-like novelty + SANE);
* gp_bo: 8 Sobol points, then GP-BO with log-EI on the campaign's objective (loop area);
* max_variance: 8 Sobol points, then GP-BO with pure posterior-variance acquisition;
* random: uniform random locations.
`curiosity` does not apply: it needs image-patch features per location (a structure image of
the library, as in the PTO SSPFM cube), and the phase library has positions only.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.build import Seeds, validate_deep
from explorer.config import CampaignConfig
from explorer.config.instrument import SimInstrumentConfig, build_sample
from explorer.events import Measured
from explorer.metrics import (
    FeatureCells,
    feature_space_coverage,
    measurements_to_find,
    travel_distance_mm,
)
from explorer.rundata import RunData
from explorer.science.harness import campaign_config, run_quietly

N_CLASSES, RARE_CLASS = 5, 4  # hardware.pfm.phases.PHASE_CLASSES, RARE_CLASS
COVERAGE_CELLS = 20
CURIOSITY_NOTE = (
    "curiosity: not run - it needs image-patch features per location (a structure image, as "
    "in the PTO SSPFM cube); the phase library's features are stage positions only."
)
_SOBOL8 = {"kind": "sobol", "n": 8}
STRATEGIES: dict[str, dict[str, Any] | None] = {
    "novelty": None,  # the campaign's own strategy
    "gp_bo": {"kind": "two_phase", "initial": _SOBOL8, "then": {"kind": "gp_bo"}},
    "max_variance": {
        "kind": "two_phase",
        "initial": _SOBOL8,
        "then": {"kind": "gp_bo", "acquisition": "max_variance"},
    },
    "random": {"kind": "random"},
}


@dataclass(frozen=True)
class DiscoveryResult:
    """One run: ground-truth classes of the measured locations in measurement order, and the
    discovery numbers derived from them (None: not within the budget)."""

    strategy: str
    seed: int
    labels: tuple[int, ...]
    found_all_at: int | None
    rare_at: int | None
    coverage: float
    travel_mm: float


@dataclass(frozen=True)
class GroundTruth:
    """The phase sample a config's instrument builds, evaluated on its library."""

    sample: Any  # hardware.pfm.phases.PhaseLibrarySample
    positions_mm: np.ndarray
    ids: np.ndarray
    classes: np.ndarray

    @classmethod
    def of(cls, cfg: CampaignConfig) -> GroundTruth:
        inst = cfg.instrument
        if not isinstance(inst, SimInstrumentConfig) or inst.sample != "phases":
            raise ValueError(
                "phase-discovery ground truth needs instrument: {kind: sim, sample: phases}"
            )
        sample = build_sample(
            inst.sample, inst.sample_params, inst.noise, Seeds.derive(cfg.seed).instrument
        )
        library = validate_deep(cfg)
        pos = library.positions_mm
        return cls(sample, pos, library.ids, sample.class_at(pos[:, 0], pos[:, 1]))

    def noise_free_loops(self, cfg: CampaignConfig) -> np.ndarray:
        """(n, steps) noise-free on-field loop of every library location (the recipe's bias)."""
        from hardware.pfm.sspfm import triangle_waveform, true_loops

        assert isinstance(cfg.instrument, SimInstrumentConfig)
        p = cfg.instrument.sspfm.params()
        bias = triangle_waveform(p.v_max, p.steps_per_cycle, p.cycles)
        return np.array(
            [true_loops(self.sample.response({}, x, y), bias, 1.0)[0] for x, y in self.positions_mm]
        )

    def classes_of(self, location_ids: Sequence[int]) -> list[int]:
        row = {int(i): k for k, i in enumerate(self.ids)}
        return [int(self.classes[row[int(i)]]) for i in location_ids]


def run_once(base: Path, label: str, seed: int, out_dir: Path, budget: int) -> DiscoveryResult:
    """One campaign through the normal session and runner, scored against the ground truth."""
    cfg = campaign_config(base, STRATEGIES[label], seed, out_dir, budget)
    run_dir = run_quietly(cfg)
    return score_run(run_dir, cfg, label, seed)


def score_run(run_dir: Path, cfg: CampaignConfig, label: str, seed: int) -> DiscoveryResult:
    """Discovery numbers of a finished run directory of config `cfg`."""
    truth = GroundTruth.of(cfg)
    measured = RunData.load(run_dir).log.of_type(Measured)
    ids = [m.location_id for m in measured]
    labels = truth.classes_of(ids)
    rows = {int(i): k for k, i in enumerate(truth.ids)}
    cells = FeatureCells.from_spectra(truth.noise_free_loops(cfg), COVERAGE_CELLS, seed=seed)
    cov = feature_space_coverage(cells, [rows[i] for i in ids])
    travel = travel_distance_mm(np.array([(m.x_mm, m.y_mm) for m in measured]).reshape(-1, 2))
    return DiscoveryResult(
        label,
        seed,
        tuple(labels),
        measurements_to_find(labels, range(N_CLASSES)),
        measurements_to_find(labels, [RARE_CLASS]),
        float(cov[-1]) if len(cov) else 0.0,
        float(travel[-1]) if len(travel) else 0.0,
    )


def _run_job(args: tuple[Path, str, int, Path, int]) -> DiscoveryResult:
    from explorer.threads import limit_threads

    limit_threads(1)
    return run_once(*args)


def run_all(
    base: Path,
    labels: Sequence[str],
    seeds: Sequence[int],
    out_dir: Path,
    budget: int,
    *,
    workers: int = 1,
) -> list[DiscoveryResult]:
    """Every strategy x seed; `workers` > 1 runs them in spawned processes (1 thread each)."""
    jobs = [
        (base, label, int(s), out_dir / f"{label}-{s}", budget) for label in labels for s in seeds
    ]
    if workers > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return list(pool.map(_run_job, jobs))
    return [run_once(*j) for j in jobs]


def summarise(results: Sequence[DiscoveryResult], budget: int) -> dict[str, dict[str, float]]:
    """Per strategy: median / IQR of measurements to find all classes (a miss counts as
    budget + 1, so a median above the budget means most seeds missed), % of seeds that found all
    and that found the rare class, median index of the first rare hit (same convention), mean
    coverage and travel."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.strategy for r in results):
        mine = [r for r in results if r.strategy == name]
        found = np.array([r.found_all_at or budget + 1 for r in mine], float)
        rare = np.array([r.rare_at or budget + 1 for r in mine], float)
        q1, med, q3 = np.percentile(found, [25, 50, 75])
        out[name] = {
            "median": float(med),
            "q1": float(q1),
            "q3": float(q3),
            "found_all": float(np.mean(found <= budget)),
            "found_rare": float(np.mean(rare <= budget)),
            "rare_median": float(np.median(rare)),
            "coverage": float(np.mean([r.coverage for r in mine])),
            "travel_mm": float(np.mean([r.travel_mm for r in mine])),
            "seeds": float(len(mine)),
        }
    return out


def format_table(summary: Mapping[str, Mapping[str, float]], budget: int) -> str:
    def n(v: float) -> str:
        return f">{budget}" if v > budget else f"{v:.1f}"

    lines = [
        f"phase discovery on the simulated phase library (5 classes, rare class 1.8 % of the "
        f"area; budget {budget}; misses count as {budget + 1})",
        f"{'strategy':<13}{'all: median':>12}{'IQR':>16}{'found all':>10}{'found rare':>11}"
        f"{'rare: median':>13}{'coverage':>9}{'travel mm':>10}{'seeds':>6}",
    ]
    for name, s in summary.items():
        iqr = f"[{n(s['q1'])}, {n(s['q3'])}]"
        lines.append(
            f"{name:<13}{n(s['median']):>12}{iqr:>16}{s['found_all']:>10.0%}{s['found_rare']:>11.0%}"
            f"{n(s['rare_median']):>13}{s['coverage']:>9.2f}{s['travel_mm']:>10.0f}"
            f"{int(s['seeds']):>6d}"
        )
    lines.append(
        f"coverage: fraction of {COVERAGE_CELLS} k-means cells (5 PCs of the noise-free on-field "
        "loops of the full grid) holding a measured point, at the end of the budget."
    )
    lines.append(CURIOSITY_NOTE)
    return "\n".join(lines)
