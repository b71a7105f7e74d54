"""`--format table` / `from_table`: positions, compositions, scalars with std, labels, filters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from explorer.cli import main
from explorer.datasets import from_table, load_dataset
from explorer.errors import DatasetError
from hardware.replay import read_dataset
from tests.explorer.datasets.replay_support import replay_runs


def library_table(n: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fe = rng.uniform(0.1, 0.6, n)
    co = rng.uniform(0.1, 0.3, n)
    return pd.DataFrame(
        {
            "x_px": np.arange(n) % 6,
            "y_px": np.arange(n) // 6,
            "Fe": fe,
            "Co": co,
            "Ni": 1 - fe - co,
            "loop height (a.u.)": rng.normal(10, 2, n),
            "coer": rng.normal(5, 1, n),
            "coer_std": rng.uniform(0.1, 0.5, n),
            "phase": rng.choice([0, 1, 2, 4], n),
            "sample": "A",
        }
    )


def test_a_users_csv_becomes_a_replayable_dataset(make_config, tmp_path: Path, capsys) -> None:
    csv = tmp_path / "library.csv"
    library_table().to_csv(csv, index=False)
    out = tmp_path / "library.h5"
    argv = ["dataset", "convert", str(csv), str(out), "--format", "table"]
    argv += ["--set", "x_mm=x_px", "--set", "y_mm=y_px", "--set", "position_scale=0.5"]
    argv += ["--set", "labels=phase", "--set", "license=CC-BY-4.0", "--set", "units=coer=mT"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    for expected in (
        "rows_kept: 24",
        "x_px, y_px × 0.5",
        "'loop height (a.u.)' -> loop_height_a_u",
        "ignored_columns: sample",
        "labels_phase: 0:",
    ):
        assert expected in text, expected
    ds = read_dataset(out)
    assert ds.positions_mm[7].tolist() == [0.5, 0.5]
    assert ds.scalars["coer"].std == "coer_std" and ds.scalars["coer"].units == "mT"
    assert ds.ground_truth["phase"].categories == ("0", "1", "2", "4")  # a gap needs no placeholder
    assert "phase" not in ds.scalars
    run = replay_runs(
        make_config, out, {"name": "coer", "from": "scalar", "metric": "coer"}, tmp_path
    )
    served = {m.location_id: m.objectives["coer"] for m in run.measured}
    for loc, value in served.items():
        assert value == pytest.approx(ds.scalars["coer"].values[list(ds.ids).index(loc)])
    assert all("phase" not in m.scalars for m in run.measured)  # ground truth is never served


def test_inspect_shows_categories_and_counts(tmp_path: Path, capsys) -> None:
    df = library_table()
    df["phase"] = np.where(np.arange(24) < 5, "rhombohedral", "tetragonal")
    csv = tmp_path / "t.csv"
    df.to_csv(csv, index=False)
    assert (
        main(
            [
                "dataset",
                "inspect",
                str(csv),
                "--set",
                "x_mm=x_px",
                "--set",
                "y_mm=y_px",
                "--set",
                "labels=phase",
            ]
        )
        == 0
    )
    assert "2 categories (count): rhombohedral: 5, tetragonal: 19" in capsys.readouterr().out


def test_ternary_and_binary_layouts() -> None:
    df = library_table()
    ds = from_table(df, composition="Fe,Co,Ni", scalars=["coer"], side_mm=10.0)
    frac = (
        df[["Fe", "Co", "Ni"]].to_numpy() / df[["Fe", "Co", "Ni"]].sum(axis=1).to_numpy()[:, None]
    )
    corners = np.array([[0, 0], [10, 0], [5, 10 * np.sqrt(3) / 2]])
    np.testing.assert_allclose(ds.positions_mm, frac @ corners)
    assert ds.feature_names == ("Fe", "Co", "Ni")
    line = from_table(df, composition="Fe", scalars="coer", length_mm=8.0)
    assert line.positions_mm[:, 0].min() == 0 and line.positions_mm[:, 0].max() == 8.0
    assert np.all(line.positions_mm[:, 1] == 0)


def test_event_table_gz_with_repeated_areas_needs_where(tmp_path: Path) -> None:
    a, b = library_table(seed=1), library_table(seed=2)
    a["area_id"], b["area_id"] = 1, 2
    gz = tmp_path / "events.csv.gz"
    pd.concat([a, b]).to_csv(gz, index=False)
    opts = {"x_mm": "x_px", "y_mm": "y_px"}
    with pytest.raises(DatasetError) as info:
        load_dataset(gz, "table", opts)
    msg = str(info.value)
    assert "rows [0, 24]" in msg and "area_id" in msg and 'where="area_id == 1"' in msg
    ds = load_dataset(gz, "auto", {**opts, "where": "area_id == 2", "id": "y_px"} | {"id": ""})
    assert len(ds) == 24
    np.testing.assert_allclose(ds.scalars["coer"].values, b["coer"].to_numpy())


def test_parquet_and_excel(tmp_path: Path) -> None:
    df = library_table()
    pq = tmp_path / "t.parquet"
    df.to_parquet(pq)
    assert len(load_dataset(pq, "auto", {"composition": "Fe,Co,Ni"})) == 24
    pytest.importorskip("openpyxl", reason="Excel needs the optional openpyxl")
    xlsx = tmp_path / "t.xlsx"
    df.to_excel(xlsx, index=False)
    ds = load_dataset(xlsx, "auto", {"composition": "Fe,Co,Ni", "scalars": "coer"})
    np.testing.assert_allclose(ds.scalars["coer"].values, df["coer"].to_numpy())


def test_id_column_and_tsv(tmp_path: Path) -> None:
    df = library_table()
    df["site"] = np.arange(24) * 10 + 3
    tsv = tmp_path / "t.tsv"
    df.to_csv(tsv, sep="\t", index=False)
    ds = load_dataset(tsv, "auto", {"x_mm": "x_px", "y_mm": "y_px", "id": "site"})
    assert ds.ids.tolist() == df["site"].tolist()
    assert "site" not in ds.scalars


@pytest.mark.parametrize(
    ("options", "expect"),
    [
        ({}, "the table needs positions"),
        ({"x_mm": "nope", "y_mm": "y_px"}, "no column(s) ['nope']"),
        ({"composition": "Fe,Co", "x_mm": "x_px"}, "not both"),
        ({"x_mm": "x_px", "y_mm": "y_px", "where": "area ==="}, "not a valid row filter"),
        ({"x_mm": "x_px", "y_mm": "y_px", "where": "x_px > 99"}, "no rows left"),
        ({"x_mm": "x_px", "y_mm": "y_px", "id": "phase"}, "repeats ids"),
        ({"x_mm": "sample", "y_mm": "y_px"}, "is not numeric"),
        ({"x_mm": "x_px", "y_mm": "y_px", "stride": "2"}, "has no option(s) ['stride']"),
    ],
)
def test_bad_options_are_one_clear_line(tmp_path: Path, options, expect) -> None:
    csv = tmp_path / "t.csv"
    library_table().to_csv(csv, index=False)
    with pytest.raises(DatasetError) as info:
        load_dataset(csv, "table", options)
    assert expect in str(info.value) and "\n" not in str(info.value)


def test_a_real_runs_event_table_imports(make_config, tmp_path: Path) -> None:
    """events.jsonl of a real (simulated) campaign, flattened to a .csv.gz table as a user
    exporting a lab's event log would: one `measured` row per measurement."""
    cfg = make_config(stop={"max_points": 5})
    camp = tmp_path / "c.yaml"
    camp.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(camp), "-q", "--out", str(tmp_path / "runs")]) == 0
    lines = (tmp_path / "runs" / "latest" / "events.jsonl").read_text().splitlines()
    events = pd.json_normalize([json.loads(line) for line in lines])
    measured = events[events["type"] == "measured"].dropna(axis=1, how="all")
    gz = tmp_path / "events.csv.gz"
    measured.to_csv(gz, index=False)
    ds = load_dataset(gz, "table", {"id": "location_id", "scalars": "objectives.loop_height"})
    assert ds.ids.tolist() == measured["location_id"].tolist()
    assert "'objectives.loop_height' -> objectives_loop_height" in str(ds.provenance["renamed"])
    np.testing.assert_allclose(
        ds.scalars["objectives_loop_height"].values, measured["objectives.loop_height"]
    )


def test_cli_options_are_the_python_keyword_arguments() -> None:
    import dataclasses
    import inspect

    from explorer.datasets.table import Options

    kwargs = set(inspect.signature(from_table).parameters) - {"df", "source"}
    assert kwargs <= {f.name for f in dataclasses.fields(Options)}
