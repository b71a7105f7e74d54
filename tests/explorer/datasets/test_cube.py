"""`--format cube` / `from_cube`: (H, W, L) and (n, L) arrays with their axis, choices stated."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from explorer.cli import main
from explorer.datasets import from_cube, load_dataset
from explorer.errors import DatasetError
from hardware.replay import read_dataset
from tests.explorer.datasets.replay_support import replay_runs

BIAS_V = np.concatenate([np.linspace(0, 8, 16), np.linspace(8, -8, 32), np.linspace(-8, 0, 16)])


def loops_cube(h: int = 20, w: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    amp = rng.uniform(0.5, 2.0, (h, w, 1))
    return amp * np.tanh(BIAS_V / 3.0)[None, None, :] + rng.normal(0, 0.01, (h, w, 64))


def test_a_20x20x64_cube_with_its_bias_axis_is_replayable(
    make_config, tmp_path: Path, capsys
) -> None:
    cube = loops_cube()
    np.save(tmp_path / "loops.npy", cube)
    np.save(tmp_path / "bias.npy", BIAS_V)
    out = tmp_path / "loops.h5"
    argv = ["dataset", "convert", str(tmp_path / "loops.npy"), str(out), "--format", "cube"]
    for opt in (
        "axis=bias.npy",
        "axis_name=bias_v",
        "axis_units=V",
        "channel=sspfm",
        "quantity=pr",
        "kind=loop",
        "pixel_mm=0.05",
    ):
        argv += ["--set", opt]
    assert main(argv) == 0
    text = capsys.readouterr().out
    for expected in (
        "points_kept: 64 of 64 (0..63)",
        "axis: bias_v [V] from file bias.npy",
        "image: mean |value| over the kept points",
        "normalisation: none found",
        "grid: 20×20 pixels at 0.05 mm pitch",
    ):
        assert expected in text, expected
    ds = read_dataset(out)
    assert len(ds) == 400
    np.testing.assert_array_equal(ds.channels["sspfm"].axes["bias_v"].values, BIAS_V)
    np.testing.assert_array_equal(ds.channels["sspfm"].data["pr"].values[21], cube[1, 1])
    assert ds.image is not None and ds.image.shape == (20, 20, 1)
    run = replay_runs(
        make_config,
        out,
        {"name": "h", "from": "sspfm", "quantity": "pr", "metric": "loop_height"},
        tmp_path,
    )
    assert all(np.isfinite(m.objectives["h"]) for m in run.measured)
    raw = run.raw(0)
    np.testing.assert_array_equal(raw["sspfm.bias_v"], BIAS_V)


def test_npz_and_h5_with_keys_points_and_slice_image(tmp_path: Path) -> None:
    cube = loops_cube(6, 5)
    npz = tmp_path / "c.npz"
    np.savez(npz, data=cube, v=BIAS_V, topo=np.ones((6, 5)))
    ds = load_dataset(npz, "cube", {"key": "data", "axis": "v", "points": "16:48", "image": "topo"})
    assert ds.channels["spectra"].data["signal"].values.shape == (30, 32)
    np.testing.assert_array_equal(ds.channels["spectra"].axes["axis"].values, BIAS_V[16:48])
    assert (
        ds.provenance["image"] == "array 'topo'"
        and ds.provenance["points_kept"] == "32 of 64 (16..47)"
    )
    h5 = tmp_path / "c.h5"
    with h5py.File(h5, "w") as f:
        f["scan/cube"] = cube
    ds = load_dataset(h5, "cube", {"axis_range": "-8,8", "image": "slice", "image_index": 10})
    assert ds.provenance["axis"] == "axis [1] from range -8,8"
    assert ds.image is not None
    np.testing.assert_array_equal(ds.image.values[:, :, 0], cube[:, :, 10])


def test_no_axis_is_stated_and_normalisation_is_found_not_claimed(tmp_path: Path) -> None:
    cube = loops_cube(4, 4)
    norm = 2 * (cube - cube.min()) / (cube.max() - cube.min()) - 1
    np.save(tmp_path / "n.npy", norm)
    ds = load_dataset(tmp_path / "n.npy", "cube", {})
    assert ds.provenance["axis"] == "axis [1] from none given: the point index 0..L-1"
    assert "looks min-max normalised" in str(ds.provenance["normalisation"])
    assert "normalis" not in ds.description


def test_rows_of_spectra_join_a_table(tmp_path: Path) -> None:
    spectra = loops_cube(1, 12)[0]
    np.save(tmp_path / "s.npy", spectra)
    pd.DataFrame({"x_mm": np.arange(12.0), "y_mm": 0.0, "t": np.arange(12)}).to_csv(
        tmp_path / "p.csv", index=False
    )
    ds = load_dataset(tmp_path / "s.npy", "cube", {"table": "p.csv", "where": "t >= 2"})
    np.testing.assert_array_equal(ds.channels["spectra"].data["signal"].values, spectra[2:])


def test_from_cube_in_python() -> None:
    ds = from_cube(loops_cube(5, 4), axis=BIAS_V, axis_name="bias_v", axis_units="V", image="none")
    assert len(ds) == 20 and ds.image is None


@pytest.mark.parametrize(
    ("options", "expect"),
    [
        ({"axis_range": "1,2,3"}, "must look like START,STOP"),
        ({"points": "60:10"}, "must be START:STOP"),
        ({"image": "slice", "image_index": 99}, "outside 0..63"),
        ({"axis": "missing.npy"}, "not found"),
        ({"axis": "bias.npy", "axis_range": "0,1"}, "not both"),
    ],
)
def test_bad_cube_options(tmp_path: Path, options, expect) -> None:
    np.save(tmp_path / "c.npy", loops_cube(3, 3))
    np.save(tmp_path / "bias.npy", BIAS_V)
    with pytest.raises(DatasetError, match=expect.replace("(", r"\(").replace(".", r"\.")):
        load_dataset(tmp_path / "c.npy", "cube", options)
