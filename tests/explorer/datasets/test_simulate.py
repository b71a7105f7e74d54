"""`dataset simulate` records the simulated library; replaying it reproduces the simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.build import build_instrument
from explorer.config import parse_config
from explorer.datasets.simulate import simulate_dataset
from explorer.objectives import Objective, evaluate
from hardware.replay import ReplayInstrument, read_dataset, write_dataset


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
