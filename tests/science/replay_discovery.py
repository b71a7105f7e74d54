"""How many measurements each strategy needs to discover every spectral class of a real replayed
library (a science check).

Libraries: the PbTiO3 SS-PFM cube of the curiosity paper (`campaigns/external/pto-sspfm-replay.yaml`:
49 x 49 pixels, spectrum = loop points 49:99, structure image = bias slice 25, 9 x 9 patches
cropped at the edge -> 1681 candidates) and the PbTiO3 BEPS map (`campaigns/pto-beps-dkl.yaml`:
50 x 50 pixels, SHO-despiked 64-point loops, structure image = mean |response|, 5 x 5 patches
reflected at the edge -> 2500 candidates). Every run is that campaign with its strategy, seed,
budget (and, for the position-feature strategies, its library) replaced, through the ordinary
session, runner and replay instrument (real event logs).

Classes (benchmark only, never seen by a strategy): k-means clusters of the FULL ground truth,
every pixel's recorded spectrum exactly as the replay serves it (the sliced SS-PFM loop; the
despiked BEPS loop), standardised per spectral point and projected on 5 principal components
(`metrics.FeatureCells`, k-means++ seed 0, best of 4 restarts). k rule, fixed before any strategy
was run: the LARGEST k in 3..8 whose smallest cluster still holds >= 1 % of the pixels. Result:
* pto-sspfm-curiosity: k = 8; sizes 56, 112, 217, 300, 315, 341, 446, 614 of 2401 pixels;
  rarest cluster 2.3 % of the area (its share of the 1681 cropped candidates is printed);
* pto-beps-50x50: k = 8; sizes 33, 40, 47, 95, 98, 366, 692, 1129 of 2500; rarest 1.3 %.
(The sizes are recomputed and printed with every table; `ReplayTruth.describe`.) The rare
clusters are scattered pixels, not compact regions; the k-means partitions at k >= 4 depend on
the k-means seed (the rule and the seed are fixed, not tuned to any strategy's result).

Strategies and their features (candidates are the same pixels for all five):
* novelty: 8 Sobol points, then the `novelty` strategy of campaigns/phases-novelty.yaml (same
  score and SANE settings) on the replayed spectrum; GP on the stage position;
* gp_bo: 8 Sobol points, then GP-BO (log-EI) of the campaign's objective on the stage position;
* max_variance: 8 Sobol points, then GP posterior-variance picks on the stage position;
* random: uniform random pixels;
* curiosity: the paper's strategy (start + 30 random pixels, then the curiosity rule) on the
  campaign's image-patch features, learning patch -> served spectrum.
For the cropped SS-PFM library the position strategies use a grid library on exactly the
1681 cropped pixels (a dataset library with position features would offer all 2401).
Coverage: fraction of 20 k-means cells (same recipe, k = 20) holding a measured pixel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import FeatureCells, feature_space_coverage, travel_distance_mm
from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig, read_yaml
from explorer.config.replay import DatasetLibrary, ReplayInstrumentConfig
from explorer.engine.build import validate_deep
from explorer.engine.events import Measured
from tests.science import discovery
from tests.science.discovery import DiscoveryResult, run_jobs
from tests.science.harness import campaign_config, run_quietly

K_RANGE = range(3, 9)
MIN_FRACTION = 0.01
KMEANS_SEED = 0
N_COMPONENTS = 5
COVERAGE_CELLS = 20
NOVELTY_SOURCE = "phases-novelty.yaml"  # the novelty settings, in campaigns/
LABELS = ("novelty", "gp_bo", "max_variance", "random", "curiosity")


@dataclass(frozen=True)
class ReplayCase:
    """One replayed library: its campaign file (relative to campaigns/), the dataset folder it
    reads and the measured array the spectrum strategies learn."""

    name: str
    campaign: str
    data_dir: str
    spectrum: str


CASES: dict[str, ReplayCase] = {
    "pto-sspfm": ReplayCase(
        "pto-sspfm-curiosity",
        "external/pto-sspfm-replay.yaml",
        "pto-sspfm-curiosity",
        "sspfm.polarization",
    ),
    "pto-beps": ReplayCase(
        "pto-beps-50x50", "pto-beps-dkl.yaml", "pto-beps-50x50", "beps.piezoresponse"
    ),
}


def choose_k(spectra: np.ndarray) -> tuple[int, FeatureCells]:
    """The documented rule: the largest k in K_RANGE whose smallest cluster holds at least
    MIN_FRACTION of the pixels (k-means on N_COMPONENTS PCs of the standardised spectra)."""
    for k in sorted(K_RANGE, reverse=True):
        cells = FeatureCells.from_spectra(spectra, k, n_components=N_COMPONENTS, seed=KMEANS_SEED)
        if np.bincount(cells.cell, minlength=k).min() >= MIN_FRACTION * len(spectra):
            return k, cells
    k = min(K_RANGE)
    return k, FeatureCells.from_spectra(spectra, k, n_components=N_COMPONENTS, seed=KMEANS_SEED)


@dataclass(frozen=True)
class ReplayTruth:
    """k-means classes of every recorded pixel (rows in the dataset's order)."""

    dataset: str
    positions_mm: NDArray[np.float64]  # (n, 2)
    classes: NDArray[np.int64]  # (n,)
    k: int
    cells: FeatureCells  # the coverage cells
    pitch_mm: float
    candidate_rows: NDArray[np.int64]  # pixels the strategies may measure

    @property
    def sizes(self) -> NDArray[np.int64]:
        return np.bincount(self.classes, minlength=self.k)

    @property
    def rare_class(self) -> int:
        return int(np.argmin(self.sizes))

    @property
    def findable(self) -> list[int]:
        """Classes with at least one candidate pixel (all k unless cropping removed one)."""
        return sorted({int(c) for c in self.classes[self.candidate_rows]})

    def rows_at(self, positions_mm: np.ndarray) -> NDArray[np.int64]:
        """Dataset rows of measured stage positions (the nearest pixel, within pitch / 4)."""
        return discovery.dataset_rows(self.positions_mm, self.pitch_mm, positions_mm)

    def describe(self) -> list[str]:
        n, sizes = len(self.classes), self.sizes
        rare = self.rare_class
        in_cand = float(np.mean(self.classes[self.candidate_rows] == rare))
        return [
            f"classes: k-means of every pixel's served spectrum (standardised, {N_COMPONENTS} "
            f"PCs, seed {KMEANS_SEED}); k = {self.k} = the largest k in {min(K_RANGE)}.."
            f"{max(K_RANGE)} whose smallest cluster holds >= {MIN_FRACTION:.0%} of the pixels",
            f"cluster sizes (of {n} pixels): {sorted(sizes.tolist())}; rarest = class {rare}, "
            f"{sizes[rare] / n:.1%} of the area, {in_cand:.1%} of the "
            f"{len(self.candidate_rows)} candidates; findable: {len(self.findable)}/{self.k}",
        ]


@lru_cache(maxsize=4)
def _classes(
    path: str, sha256: str, options: tuple[tuple[str, Any], ...], spectrum: str
) -> tuple[int, FeatureCells, FeatureCells]:
    """(k, class cells, coverage cells) of a dataset's served spectra (cached per file)."""
    del sha256  # cache key only
    inst = ReplayInstrumentConfig.model_validate(
        {"kind": "replay", "dataset": path, "format_options": dict(options)}
    )
    channel, quantity = spectrum.split(".", 1)
    spectra = np.asarray(inst.load().channels[channel].data[quantity].values, float)
    k, cells = choose_k(spectra)
    coverage = FeatureCells.from_spectra(
        spectra, COVERAGE_CELLS, n_components=N_COMPONENTS, seed=KMEANS_SEED
    )
    return k, cells, coverage


def truth_of(case: ReplayCase, cfg: CampaignConfig) -> ReplayTruth:
    """The ground truth of a replay config of `case` (k-means cached per dataset file)."""
    inst = cfg.instrument
    if not isinstance(inst, ReplayInstrumentConfig):
        raise ValueError("replay discovery needs instrument: {kind: replay}")
    options = tuple(sorted(inst.format_options.items()))
    k, cells, coverage = _classes(str(inst.dataset), str(inst.sha256), options, case.spectrum)
    ds = inst.load()
    truth = ReplayTruth(
        ds.name, ds.positions_mm, cells.cell, k, coverage, ds.spacing_mm(), np.zeros(0, np.int64)
    )
    rows = np.sort(truth.rows_at(validate_deep(cfg).positions_mm))
    return ReplayTruth(ds.name, ds.positions_mm, cells.cell, k, coverage, ds.spacing_mm(), rows)


# ---- the runs ---------------------------------------------------------------------------------


def position_library(base: Path) -> dict[str, Any]:
    """A library on the same pixels as `base`'s, with the stage position as features: the
    dataset itself when no pixel is cropped, else a grid on exactly the kept pixels."""
    lib = read_yaml(base)["library"]
    cfg = campaign_config(base, None, 0, base.parent, 1)
    assert isinstance(cfg.library, DatasetLibrary)
    path = str(cfg.library.path)
    if lib.get("features") != "image_patch" or lib.get("patch_edge", "crop") == "reflect":
        return {**lib, "path": path, "features": "position"}
    pos = cfg.library.build().positions_mm
    xs, ys = np.unique(pos[:, 0]), np.unique(pos[:, 1])
    if len(xs) * len(ys) != len(pos):
        raise ValueError(f"{base}: the cropped pixels are not a complete rectangle")
    return {
        "kind": "grid",
        "x_mm": [float(xs[0]), float(xs[-1])],
        "y_mm": [float(ys[0]), float(ys[-1])],
        "shape": [len(xs), len(ys)],
        "features": "position",
    }


def strategies(case: ReplayCase, base: Path) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """label -> (strategy section, other sections replaced) for the runs of `case`."""
    folder = base.parent if (base.parent / NOVELTY_SOURCE).is_file() else base.parent.parent
    novelty = dict(read_yaml(folder / NOVELTY_SOURCE)["strategy"])
    novelty["then"] = {**novelty["then"], "spectrum": case.spectrum}
    sobol8 = {"kind": "sobol", "n": 8}
    pos = {"library": position_library(base), "initial_points": []}
    return {
        "novelty": (novelty, pos),
        "gp_bo": ({"kind": "two_phase", "initial": sobol8, "then": {"kind": "gp_bo"}}, pos),
        "max_variance": (
            {
                "kind": "two_phase",
                "initial": sobol8,
                "then": {"kind": "gp_bo", "acquisition": "max_variance"},
            },
            pos,
        ),
        "random": ({"kind": "random"}, pos),
        "curiosity": (
            {"kind": "curiosity", "spectrum": case.spectrum, "n_initial": 31},
            {"initial_points": []},
        ),
    }


@dataclass(frozen=True)
class Job:
    """One (case, strategy, seed) run; plain values so it pickles to a worker process."""

    case: str
    base: Path
    label: str
    seed: int
    out_dir: Path
    budget: int

    def config(self) -> CampaignConfig:
        strategy, overrides = strategies(CASES[self.case], self.base)[self.label]
        return campaign_config(self.base, strategy, self.seed, self.out_dir, self.budget, overrides)


def run_once(job: Job) -> DiscoveryResult:
    """One campaign through the normal session, runner and replay instrument, scored."""
    cfg = job.config()
    return score_run(run_quietly(cfg), cfg, CASES[job.case], job.label, job.seed)


def score_run(
    run_dir: Path, cfg: CampaignConfig, case: ReplayCase, label: str, seed: int
) -> DiscoveryResult:
    """Discovery numbers of a finished run directory of config `cfg`."""
    truth = truth_of(case, cfg)
    measured = RunData.load(run_dir).log.of_type(Measured)
    xy = np.array([(m.x_mm, m.y_mm) for m in measured], float).reshape(-1, 2)
    rows = truth.rows_at(xy)
    cov = feature_space_coverage(truth.cells, rows.tolist())
    return DiscoveryResult.of(
        label,
        seed,
        truth.classes[rows].tolist(),
        truth.findable,
        truth.rare_class,
        cov,
        travel_distance_mm(xy),
    )


def make_jobs(
    case: str, base: Path, seeds: Mapping[str, Sequence[int]], out_dir: Path, budget: int
) -> list[Job]:
    """One job per strategy (the keys of `seeds`, in order) and seed."""
    return [
        Job(case, base, label, int(s), out_dir / f"{case}-{label}-{s}", budget)
        for label, ss in seeds.items()
        for s in ss
    ]


def run_all(jobs: Sequence[Job], *, workers: int = 1) -> list[DiscoveryResult]:
    """Run and score every job (in `workers` spawned processes, one thread each)."""
    return run_jobs(run_once, jobs, workers)


def format_table(
    summary: Mapping[str, Mapping[str, float]], budget: int, truth: ReplayTruth
) -> str:
    """The replay table: discovery.format_table with the class definition in its notes."""
    title = (
        f"discovery on the {truth.dataset} replay ({truth.k} k-means classes of the full ground "
        f"truth, rarest {truth.sizes.min() / len(truth.classes):.1%} of the area; budget "
        f"{budget}; misses count as {budget + 1})"
    )
    notes = [
        *truth.describe(),
        "features: novelty / gp_bo / max_variance on the stage position (8 Sobol points first), "
        "curiosity on the image patches (start + 30 random pixels first); same candidates",
        f"coverage: fraction of {COVERAGE_CELLS} k-means cells of the served spectra holding a "
        "measured pixel at the end of the budget; travel in pixel pitches.",
    ]
    return discovery.format_table(
        summary, budget, title, notes, travel_unit="px", travel_per_mm=1.0 / truth.pitch_mm
    )
