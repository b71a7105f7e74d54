"""How many measurements each strategy needs to discover every phase of the simulated library
(a science check).

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
`curiosity` needs image-patch features per location (a structure image), which the live
library lacks: its row comes from `phases_replay` (curiosity on the replay of each seed's library
recorded by `dataset simulate`, whose on-field amplitude map is the structure image).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.analysis.metrics import (
    FeatureCells,
    feature_space_coverage,
    travel_distance_mm,
)
from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig
from explorer.config.instrument import SimInstrumentConfig
from explorer.engine.build import Seeds, validate_deep
from explorer.engine.events import Measured
from hardware.assembly.samples import build_sample
from tests.science import discovery
from tests.science.discovery import DiscoveryResult, run_jobs, summarise
from tests.science.harness import campaign_config, run_quietly

N_CLASSES, RARE_CLASS = 5, 4  # hardware.pfm.phases.PHASE_CLASSES, RARE_CLASS
COVERAGE_CELLS = 20
CURIOSITY_NOTE = (
    "curiosity: not run here - it needs image-patch features per location (a structure image); "
    "the live library's features are stage positions only (see phases_replay)."
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
        sample = build_sample(inst.sample_spec(), Seeds.derive(cfg.seed).instrument)
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
    return DiscoveryResult.of(label, seed, labels, range(N_CLASSES), RARE_CLASS, cov, travel)


def _run_job(args: tuple[Path, str, int, Path, int]) -> DiscoveryResult:
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
    return run_jobs(_run_job, jobs, workers)


def format_table(
    summary: Mapping[str, Mapping[str, float]], budget: int, curiosity_note: str = CURIOSITY_NOTE
) -> str:
    """The phase-library table (discovery.format_table with this library's title and notes)."""
    title = (
        f"phase discovery on the simulated phase library (5 classes, rare class 1.8 % of the "
        f"area; budget {budget}; misses count as {budget + 1})"
    )
    coverage = (
        f"coverage: fraction of {COVERAGE_CELLS} k-means cells (5 PCs of the noise-free on-field "
        "loops of the full grid) holding a measured point, at the end of the budget."
    )
    return discovery.format_table(summary, budget, title, [coverage, curiosity_note])


__all__ = [
    "CURIOSITY_NOTE",
    "STRATEGIES",
    "DiscoveryResult",
    "GroundTruth",
    "campaign_config",
    "format_table",
    "run_all",
    "run_once",
    "score_run",
    "summarise",
]
