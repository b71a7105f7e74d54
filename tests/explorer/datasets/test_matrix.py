"""`--format matrix` / `from_matrix`: text matrices of spectra with their axis, joined to a table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from explorer.cli import main
from explorer.datasets import from_matrix, load_dataset
from explorer.errors import DatasetError
from hardware.replay import read_dataset
from tests.explorer.datasets.replay_support import replay_runs

TWO_THETA = np.linspace(40.0, 50.0, 41)


def patterns_and_compositions(n: int = 15, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    fe = rng.uniform(0.1, 0.8, n)
    co = (1 - fe) * rng.uniform(0.2, 0.8, n)
    centre = 42 + 6 * fe
    patterns = 100 * np.exp(-0.5 * ((TWO_THETA[None, :] - centre[:, None]) / 0.3) ** 2)
    table = pd.DataFrame({"Fe": fe, "Co": co, "Ni": 1 - fe - co, "sample_id": np.arange(n) + 100})
    return patterns, table


def test_xrd_matrix_plus_composition_table_is_replayable(
    make_config, tmp_path: Path, capsys
) -> None:
    patterns, table = patterns_and_compositions()
    np.savetxt(tmp_path / "xrd.csv", np.vstack([TWO_THETA, patterns]), delimiter=",")
    table.to_csv(tmp_path / "comp.csv", index=False)
    out = tmp_path / "xrd.h5"
    argv = ["dataset", "convert", str(tmp_path / "xrd.csv"), str(out), "--format", "matrix"]
    for opt in (
        f"table={tmp_path / 'comp.csv'}",
        "composition=Fe,Co,Ni",
        "channel=xrd",
        "quantity=intensity",
        "axis_name=two_theta_deg",
        "axis_units=deg",
        "spectrum_units=counts",
    ):
        argv += ["--set", opt]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "axis: first_row of xrd.csv: 41 points 40 … 50" in text and "join: row" in text
    ds = read_dataset(out)
    np.testing.assert_allclose(ds.channels["xrd"].data["intensity"].values, patterns)
    assert ds.feature_names == ("Fe", "Co", "Ni")
    replay_runs(
        make_config,
        out,
        {"name": "peak", "from": "xrd", "quantity": "intensity", "metric": "max"},
        tmp_path,
    )


def test_columns_with_ids_join_by_id_column(tmp_path: Path) -> None:
    patterns, table = patterns_and_compositions()
    order = np.arange(len(table))[::-1]
    block = np.column_stack([TWO_THETA, patterns[order].T])
    header = np.concatenate([[np.nan], table["sample_id"].to_numpy()[order]])
    text = "\n".join(
        ["\t".join("id" if np.isnan(v) else f"{v:g}" for v in header)]
        + ["\t".join(f"{v:.8g}" for v in row) for row in block]
    )
    (tmp_path / "m.tsv").write_text(text + "\n")
    table.to_csv(tmp_path / "comp.csv", index=False)
    ds = load_dataset(
        tmp_path / "m.tsv",
        "matrix",
        {
            "table": "comp.csv",
            "axis_in": "first_column",
            "ids": True,
            "join": "sample_id",
            "composition": "Fe,Co,Ni",
        },
    )
    assert ds.ids.tolist() == table["sample_id"].tolist()
    np.testing.assert_allclose(ds.channels["spectra"].data["signal"].values, patterns, rtol=1e-7)


def test_from_matrix_in_python_with_where() -> None:
    patterns, table = patterns_and_compositions()
    ds = from_matrix(patterns, TWO_THETA, table, composition="Fe,Co,Ni", where="Fe > 0.3")
    keep = table["Fe"].to_numpy() > 0.3
    np.testing.assert_array_equal(ds.channels["spectra"].data["signal"].values, patterns[keep])


def test_row_count_mismatch_and_missing_table(tmp_path: Path) -> None:
    patterns, table = patterns_and_compositions()
    np.savetxt(tmp_path / "xrd.txt", np.vstack([TWO_THETA, patterns[:-1]]))
    table.to_csv(tmp_path / "comp.csv", index=False)
    with pytest.raises(DatasetError, match="14 spectra but the table has 15 rows"):
        load_dataset(
            tmp_path / "xrd.txt", "matrix", {"table": "comp.csv", "composition": "Fe,Co,Ni"}
        )
    with pytest.raises(DatasetError, match="needs the locations"):
        load_dataset(tmp_path / "xrd.txt", "matrix", {})
