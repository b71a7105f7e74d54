"""Truth tables: a replay's every location measured once through the campaign's instrument,
with the raw arrays a score needs (the curiosity loss's spectra)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.bench.curiosity_trial import load_cube
from explorer.benchmark.truth import truth_table
from explorer.config import load_config
from explorer.errors import ConfigError
from tests.conftest import REPO, shared_data

CAMPAIGN = REPO / "campaigns" / "external" / "pto-sspfm-curiosity.yaml"


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
