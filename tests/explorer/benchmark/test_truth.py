"""Truth tables: a replay's every location measured once through the campaign's instrument,
plus the replayed dataset's own ground truth (the simulated phase library's `phase_class`) by
id, and the raw arrays a score needs (the curiosity loss's spectra)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.bench.curiosity_trial import load_cube
from explorer.benchmark.truth import dataset_ground_truth, truth_table
from explorer.config import load_config
from explorer.errors import ConfigError
from tests.conftest import CAMPAIGNS, REPO, shared_data

PHASES_IMAGE = CAMPAIGNS / "benchmark" / "phases-rare-image.yaml"
CAMPAIGN = REPO / "campaigns" / "external" / "pto-sspfm-curiosity.yaml"


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


def test_a_replay_truth_table_keeps_the_spectra_asked_for() -> None:
    cube = load_cube(shared_data("pto-sspfm-curiosity") / "norm_polarization.npy")
    cfg = load_config(CAMPAIGN)
    truth = truth_table(cfg, ["sspfm.polarization"])
    spectra = truth.arrays["sspfm.polarization"]
    assert spectra.shape == (41 * 41, 50) and len(truth.ids) == 41 * 41
    rows, cols = np.divmod(truth.ids, 49)  # id = row * 49 + col
    np.testing.assert_allclose(spectra, cube[rows, cols, 49:], rtol=1e-6)
    np.testing.assert_allclose(
        truth.values["switchable_polarization"], np.ptp(cube[rows, cols, 49:], axis=1), rtol=1e-5
    )
    assert truth_table(cfg).arrays == {}
    with pytest.raises(ConfigError, match=r"score array 'sspfm\.nope'"):
        truth_table(cfg, ["sspfm.nope"])
