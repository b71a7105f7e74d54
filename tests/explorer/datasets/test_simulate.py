"""`dataset simulate` records the simulated library; replaying it reproduces the simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.config import CampaignConfig, parse_config, read_yaml
from explorer.config.instrument import SimInstrumentConfig
from explorer.datasets.simulate import simulate_dataset
from explorer.engine.build import Seeds, build_instrument
from explorer.errors import DatasetError, HardwareError
from explorer.objectives import Objective, evaluate
from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.pfm.phases import PHASE_CLASSES, RARE_CLASS
from hardware.replay import DataArray, ReplayInstrument, read_dataset, write_dataset
from tests.conftest import CAMPAIGNS


def test_simulated_dataset_matches_the_instrument(make_config, tmp_path: Path) -> None:
    cfg = parse_config(make_config())
    ds = simulate_dataset(cfg)
    assert len(ds) == 17 * 3 and ds.feature_names == ("Sm",)
    assert set(ds.ground_truth) == {"loop_area", "loop_height", "coercive_bias", "imprint"}
    assert ds.image is not None and ds.image.shape == (3, 17, 1)
    # the first location as the simulator measures it in a fresh run
    inst = build_instrument(cfg)
    m = inst.measure_at(0, 0.0, 0.0, timeout_s=1e4)
    np.testing.assert_array_equal(
        ds.channels["sspfm"].data["pr_off"].values[0], m.arrays["sspfm.pr_off"]
    )
    # the sample's scalars are recorded; the recording session's journal bookkeeping is not
    assert set(ds.scalars) == {"composition_Sm"}
    assert ds.scalars["composition_Sm"].values[0] == m.scalars["composition_Sm"]
    # the image is the on-field half amplitude on the grid
    row, col = divmod(20, 17)
    on = ds.channels["sspfm"].data["pr_on"].values[20]
    assert ds.image.values[row, col, 0] == 0.5 * (on.max() - on.min())
    back = read_dataset(write_dataset(ds, tmp_path / "sim.h5"))
    assert back.source.startswith("simulated by combi-explorer")


def test_ground_truth_is_close_to_the_loop_metrics_on_average(make_config) -> None:
    cfg = parse_config(
        make_config(
            library={
                "kind": "grid",
                "x_mm": [0.0, 8.0],
                "y_mm": [0.0, 0.5],
                "shape": [9, 2],
                "composition": {
                    "kind": "linear",
                    "element": "Sm",
                    "axis": "x",
                    "range": [0.0, 0.2],
                },
            }
        )
    )
    ds = simulate_dataset(cfg)
    replay = ReplayInstrument(ds, seed=0)
    objs = [Objective("loop_height", "sspfm", "loop_height")]
    measured = np.array(
        [
            evaluate(objs, replay.measure_at(int(i), float(x), float(y), timeout_s=1e4))[
                "loop_height"
            ]
            for i, (x, y) in zip(ds.ids, ds.positions_mm, strict=True)
        ]
    )
    truth = ds.ground_truth["loop_height"].values
    # noisy spots scatter around the noise-free truth (CV ~0.6 per spot), but track it
    assert np.corrcoef(measured, truth)[0, 1] > 0.6
    assert truth.max() > 5 * truth.min()


def phase_recording_config(path: Path) -> CampaignConfig:
    """The campaign with the tip check off: across the phase library the contact resonance
    drifts by ±2.5 % (hardware/pfm/phases.py), so a 625-spot raster trips tip_health's 5 %
    f0 window although the tip is fine. A 15 x 15 grid keeps the test short."""
    data = read_yaml(path)
    data["instrument"]["safety"] = {"tip_check_every": 0}
    data["library"]["shape"] = [15, 15]
    return parse_config(data, source=str(path), base_dir=path.parent)


def test_phase_library_records_its_classes(tmp_path: Path) -> None:
    cfg = phase_recording_config(CAMPAIGNS / "phases-novelty.yaml")
    inst_cfg = cfg.instrument
    assert isinstance(inst_cfg, SimInstrumentConfig)
    ds = simulate_dataset(cfg)
    gt = ds.ground_truth["phase_class"]
    assert gt.categories == PHASE_CLASSES and gt.units == "1"
    # the class of every location is the one the run's own instrument reports
    inst = build_instrument(cfg)
    try:
        expected = [inst.expected_metrics(x, y)["phase_class"] for x, y in ds.positions_mm]  # type: ignore[attr-defined]
    finally:
        inst.close()
    np.testing.assert_array_equal(gt.values, expected)
    # class fractions on the 15 x 15 grid follow the sample's area fractions; the rare one is there
    sample = build_sample(
        SampleSpec("phases", "realistic", inst_cfg.sample_params), Seeds.derive(cfg.seed).instrument
    )
    fractions = np.bincount(gt.values.astype(int), minlength=len(PHASE_CLASSES)) / len(ds)
    np.testing.assert_allclose(fractions, sample.area_fractions(), atol=0.04)  # edge pixels
    assert 0 < fractions[RARE_CLASS] < 0.03
    back = read_dataset(write_dataset(ds, tmp_path / "phases.h5")).ground_truth["phase_class"]
    assert back.categories == PHASE_CLASSES
    np.testing.assert_array_equal(back.values, gt.values)
    npz = read_dataset(write_dataset(ds, tmp_path / "phases.npz")).ground_truth["phase_class"]
    assert npz.categories == PHASE_CLASSES


def test_a_categorical_array_refuses_labels_outside_its_categories() -> None:
    with pytest.raises(DatasetError, match="categorical"):
        DataArray(np.array([0.0, 2.0]), "1", categories=("a", "b"))
    assert DataArray(np.array([0.0, 1.0]), "1", categories=("a", "b")).categories == ("a", "b")


def test_a_worn_tip_is_replaced_and_the_recording_goes_on(make_config) -> None:
    """The simulated tip wears out (the facade's tip check refuses it, exit 3 in a campaign);
    a whole-library recording carries on with a fresh instrument and says so."""
    base = make_config()
    base["instrument"]["sample_params"] = {"tip_lifetime_loops": 40.0}
    cfg = parse_config(base)
    with pytest.raises(HardwareError, match="tip_health"):  # what a campaign would hit
        inst = build_instrument(cfg)
        for i, (x, y) in enumerate(np.linspace([0.0, 0.0], [8.0, 0.0], 51)):
            inst.measure_at(i, float(x), float(y), timeout_s=1e4)
    ds = simulate_dataset(cfg)
    assert len(ds) == 51 and np.isfinite(ds.channels["sspfm"].data["pr_on"].values).mean() > 0.9
    n = int(ds.provenance["instrument_restarts"])
    assert n >= 1 and str(ds.provenance["restart_log"]).count("tip_health") == n
