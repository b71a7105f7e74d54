"""`--format ibw`: Asylum spectroscopy waves read with igor2, one file or a folder of points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.cli import main
from explorer.datasets import detect_format, load_dataset
from explorer.errors import DatasetError
from hardware.replay import read_dataset
from tests.explorer.datasets.replay_support import replay_runs

pytest.importorskip("igor2", reason="optional extra [asylum] (igor2) not installed")
from hardware.vendors.ibw import write_ibw

BIAS_V = np.concatenate([np.linspace(0, 6, 10), np.linspace(6, -6, 20), np.linspace(-6, 0, 10)])


def _grid(folder: Path, n: int = 3, note_positions: bool = True) -> np.ndarray:
    folder.mkdir()
    amps = np.zeros((n * n, len(BIAS_V)))
    for k in range(n * n):
        amps[k] = (1 + k / 10) * np.tanh(BIAS_V / 2)
        note = f"XLVDT: {(k % n) * 1e-6}\nYLVDT: {(k // n) * 1e-6}\n" if note_positions else ""
        data = np.column_stack([BIAS_V, amps[k], np.full(len(BIAS_V), 90.0)])
        write_ibw(
            folder / f"Point{k:04d}.ibw",
            data,
            name=f"p{k}",
            note=note,
            column_labels=["Bias", "Amp", "Phase"],
        )
    return amps


def test_a_folder_of_grid_points_becomes_a_replayable_dataset(
    make_config, tmp_path: Path, capsys
) -> None:
    amps = _grid(tmp_path / "grid")
    assert detect_format(tmp_path / "grid") == "ibw"
    out = tmp_path / "grid.h5"
    argv = [
        "dataset",
        "convert",
        str(tmp_path / "grid"),
        str(out),
        "--set",
        "axis=Bias",
        "--set",
        "axis_units=V",
        "--set",
        "channel=sspfm",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "positions: note keys XLVDT, YLVDT × 1000 mm per unit" in text
    assert "axis: column Bias [V]" in text and "traces: Amp, Phase" in text
    ds = read_dataset(out)
    np.testing.assert_allclose(ds.positions_mm[4], [1e-3, 1e-3])
    np.testing.assert_array_equal(ds.channels["sspfm"].data["Amp"].values, amps)
    np.testing.assert_array_equal(ds.channels["sspfm"].axes["Bias"].values, BIAS_V)
    replay_runs(
        make_config,
        out,
        {"name": "h", "from": "sspfm", "quantity": "Amp", "metric": "max"},
        tmp_path,
    )


def test_positions_from_a_table_and_a_single_file(tmp_path: Path) -> None:
    _grid(tmp_path / "grid", n=2, note_positions=False)
    with pytest.raises(DatasetError, match="give positions=FILE"):
        load_dataset(tmp_path / "grid", "ibw")
    table = pd.DataFrame(
        {
            "file": [f"Point{k:04d}.ibw" for k in range(4)],
            "x_mm": [0.0, 1, 0, 1],
            "y_mm": [0.0, 0, 1, 1],
        }
    )
    table.to_csv(tmp_path / "pos.csv", index=False)
    ds = load_dataset(tmp_path / "grid", "ibw", {"positions": str(tmp_path / "pos.csv")})
    np.testing.assert_array_equal(ds.positions_mm, table[["x_mm", "y_mm"]].to_numpy())
    one = load_dataset(
        tmp_path / "grid" / "Point0003.ibw", "ibw", {"positions": str(tmp_path / "pos.csv")}
    )
    assert len(one) == 1 and one.provenance["axis"] == "none given: the point index"
