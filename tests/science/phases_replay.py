"""The curiosity row of the phase-discovery table: curiosity on the replay of the simulated phase
library.

`curiosity` learns image patch -> spectrum, so it needs a structure image; the live simulated
library has stage positions only. For each seed, the library that `phases_discovery` runs on
(campaigns/phases-novelty.yaml with that seed: same phase boundaries, same spot-to-spot
heterogeneity) is recorded with `explorer dataset simulate` (`simulate_dataset`: every location
measured once in a raster, with realistic noise; ground truth `phase_class`), written to an HDF5
library dataset and replayed. The structure image is the dataset's on-field half-amplitude map
(25 x 25 pixels); candidates are the 5 x 5 patches around every location (edge reflected: all
625 locations, as in the live runs); the property is the on-field loop `sspfm.pr_on` (what the
novelty strategy scores); the paper's schedule (start + 30 random picks, then the curiosity rule).

Scoring is the phase table's: classes from the recorded `phase_class` ground truth at the
measured positions; coverage cells from the noise-free on-field loops of the full grid
(`phases_discovery.GroundTruth`); stage travel in mm.

Differences from the live runs, stated in the table: a replayed spot serves its one recorded
loop (no fresh repeat noise per visit); while recording, the tip check is off and random
approach failures are off, so each seed's library is recorded with one (slowly wearing) tip and
no restarts. This is how the published curiosity row was measured. `simulate_dataset` on its
own would instead replace the tip when the tip check refuses it (about every 250 locations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.analysis.metrics import FeatureCells, feature_space_coverage, travel_distance_mm
from explorer.analysis.rundata import RunData
from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.datasets.simulate import simulate_dataset
from explorer.engine.events import Measured
from hardware.replay import read_dataset, write_dataset
from tests.science.discovery import DiscoveryResult, dataset_rows, run_jobs
from tests.science.harness import campaign_config, run_quietly
from tests.science.phases_discovery import COVERAGE_CELLS, N_CLASSES, RARE_CLASS, GroundTruth

PATCH_SIZE = 5
CURIOSITY = {"kind": "curiosity", "spectrum": "sspfm.pr_on", "n_initial": 31}
NOTE = (
    "curiosity: run on the replay of each seed's simulated library (`dataset simulate`, image = "
    f"on-field half amplitude, {PATCH_SIZE}x{PATCH_SIZE} patches, start + 30 random picks); "
    "the other rows ran live on the simulator."
)


def recording_config(base: Path, seed: int) -> CampaignConfig:
    """`base` with this seed, the tip check off and no random approach failures, for recording
    its whole library with one tip and no instrument restarts (see the module docstring)."""
    data = read_yaml(base)
    data["seed"] = int(seed)
    inst = data["instrument"]
    inst["safety"] = {"tip_check_every": 0}
    inst["timing"] = {**inst.get("timing", {}), "approach_failure_p": 0.0}
    return parse_config(data, source=str(base), base_dir=base.parent)


def record(base: Path, seed: int, path: Path) -> Path:
    """Write the simulated library of `base` at this seed to `path` (HDF5); returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_dataset(simulate_dataset(recording_config(base, seed)), path)


def replay_config(
    base: Path, dataset: Path, seed: int, out_dir: Path, budget: int
) -> CampaignConfig:
    """Curiosity on the replay of a recorded phase library (image-patch features)."""
    library = {
        "kind": "dataset",
        "path": str(dataset),
        "features": "image_patch",
        "patch_size": PATCH_SIZE,
        "patch_edge": "reflect",
    }
    instrument = {"kind": "replay", "dataset": str(dataset)}
    overrides = {"library": library, "instrument": instrument}
    return campaign_config(base, CURIOSITY, seed, out_dir, budget, overrides)


@dataclass(frozen=True)
class ReplayJob:
    """One seed: record its library, replay it with curiosity, score the run."""

    base: Path
    seed: int
    out_dir: Path
    budget: int


def run_once(job: ReplayJob) -> DiscoveryResult:
    dataset = record(job.base, job.seed, job.out_dir / f"phases-{job.seed}.h5")
    cfg = replay_config(job.base, dataset, job.seed, job.out_dir / "runs", job.budget)
    return score_run(run_quietly(cfg), job.base, dataset, job.seed)


def score_run(run_dir: Path, base: Path, dataset: Path, seed: int) -> DiscoveryResult:
    """Phase-table numbers of a replayed run (classes from the dataset's `phase_class`)."""
    ds = read_dataset(dataset)
    measured = RunData.load(run_dir).log.of_type(Measured)
    xy = np.array([(m.x_mm, m.y_mm) for m in measured], float).reshape(-1, 2)
    rows = dataset_rows(ds.positions_mm, ds.spacing_mm(), xy)
    labels = ds.ground_truth["phase_class"].values[rows].astype(int)
    sim = recording_config(base, seed)
    cells = FeatureCells.from_spectra(
        GroundTruth.of(sim).noise_free_loops(sim), COVERAGE_CELLS, seed=seed
    )
    cov = feature_space_coverage(cells, rows.tolist())
    return DiscoveryResult.of(
        "curiosity",
        seed,
        labels.tolist(),
        range(N_CLASSES),
        RARE_CLASS,
        cov,
        travel_distance_mm(xy),
    )


def run_all(
    base: Path, seeds: Sequence[int], out_dir: Path, budget: int, *, workers: int = 1
) -> list[DiscoveryResult]:
    """The curiosity row over `seeds` (each in its own folder under `out_dir`)."""
    jobs = [ReplayJob(base, int(s), out_dir / f"curiosity-{s}", budget) for s in seeds]
    return run_jobs(run_once, jobs, workers)
