"""The truth of a replay task: every location's objectives as the replay serves them, plus the
replayed dataset's own ground truth (the simulated phase library's `phase_class`), by id."""

from __future__ import annotations

import numpy as np

from explorer.benchmark.truth import dataset_ground_truth, truth_table
from explorer.config import load_config
from tests.conftest import CAMPAIGNS

PHASES_IMAGE = CAMPAIGNS / "benchmark" / "phases-rare-image.yaml"


def test_a_replay_truth_carries_the_dataset_ground_truth() -> None:
    cfg = load_config(PHASES_IMAGE)
    table = truth_table(cfg)
    classes = table.values["phase_class"]
    assert len(classes) == 625 and int((classes == 4).sum()) == 11
    # the replayed objective wins over the dataset's noise-free metric of the same name
    gt = dataset_ground_truth(cfg, table.ids)
    assert not np.allclose(table.values["loop_area"], gt["loop_area"])
    assert np.isfinite(table.values["loop_area"]).mean() > 0.9


def test_unrecorded_ids_are_nan_and_a_simulator_has_none() -> None:
    cfg = load_config(PHASES_IMAGE)
    gt = dataset_ground_truth(cfg, np.array([0, 624, 10_000], dtype=np.int64))
    assert np.isfinite(gt["phase_class"][:2]).all() and np.isnan(gt["phase_class"][2])
    assert dataset_ground_truth(load_config(CAMPAIGNS / "phases-novelty.yaml"), np.arange(3)) == {}
