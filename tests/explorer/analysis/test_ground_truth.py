"""Classes found scored from the replayed dataset's ground truth, and one campaign-level
reference point for the hypervolumes of every run (random, Sobol) in `explorer compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explorer.analysis.ground_truth import classes_found_from_dataset, dataset_labels
from explorer.analysis.run_compare import compare_runs
from explorer.analysis.rundata import RunData
from explorer.api import Experiment
from explorer.datasets import from_table
from explorer.errors import InputFileError
from hardware.replay import write_dataset
from tests.fuzzing import assert_one_line_errors, run_cli

PHASES = ("cubic", "tetragonal", "rhombohedral")


@pytest.fixture(scope="module")
def library_h5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 x 6 table library: two scalars and a three-valued phase label (ground truth)."""
    x, y = np.meshgrid(np.arange(6.0), np.arange(6.0))
    x, y = x.ravel(), y.ravel()
    df = pd.DataFrame(
        {
            "x": x,
            "y": y,
            "a": np.sin(x) + y,
            "b": (x - 2.5) ** 2 - y,
            "phase_class": [PHASES[int(v) // 2] for v in x],
        }
    )
    ds = from_table(df, x_mm="x", y_mm="y", scalars=["a", "b"], labels="phase_class", license="MIT")
    path = tmp_path_factory.mktemp("lib") / "lib.h5"
    write_dataset(ds, path)
    return path


def campaign(h5: Path, out: Path, kind: str, seed: int, ref_b: float = 10.0) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": f"gt-{kind}",
        "seed": seed,
        "library": {"kind": "dataset", "path": str(h5)},
        "instrument": {"kind": "replay", "dataset": str(h5)},
        "objectives": [
            {"name": "a", "from": "scalar", "metric": "a", "direction": "maximize"},
            {"name": "b", "from": "scalar", "metric": "b", "direction": "minimize"},
        ],
        "ref_point": {"a": -2.0, "b": ref_b},
        "strategy": {"kind": kind},
        "stop": {"max_points": 8},
        "output": {"dir": str(out)},
    }


def run(cfg: dict[str, Any]) -> Path:
    with Experiment.from_yaml(cfg) as exp:
        while batch := exp.ask():
            for s in batch:
                exp.tell(s)  # the replay instrument measures
    return exp.run_dir


@pytest.fixture(scope="module")
def runs(library_h5: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("runs")
    return [run(campaign(library_h5, out, k, s)) for k in ("random", "sobol") for s in (1, 2)]


def test_every_strategy_logs_its_hypervolume_against_the_campaign_ref_point(
    runs: list[Path],
) -> None:
    for p in runs:
        r = RunData.load(p)
        assert r.started.ref_point == {"a": -2.0, "b": 10.0}
        last = r.fronts[-1]
        assert last.ref_point == {"a": -2.0, "b": 10.0}
        assert last.hypervolume is not None and last.hypervolume > 0


def test_compare_uses_the_logged_ref_point(runs: list[Path]) -> None:
    c = compare_runs(runs)
    assert c.reference is not None and c.reference.source == "logged"
    assert c.reference.values == {"a": -2.0, "b": 10.0}
    hv = c.curves[(c.curves["metric"] == "hypervolume") & (c.curves["run"] == str(runs[0]))]
    logged = RunData.load(runs[0]).fronts[-1].hypervolume
    assert hv["value"].iloc[-1] == pytest.approx(logged)  # the run's own log, not a pooled one


def test_compare_refuses_runs_with_different_ref_points(
    runs: list[Path], library_h5: Path, tmp_path: Path
) -> None:
    other = run(campaign(library_h5, tmp_path, "random", 3, ref_b=20.0))
    with pytest.raises(InputFileError, match="different hypervolume reference points") as e:
        compare_runs([runs[0], other])
    assert str(other) in str(e.value) and str(runs[0]) in str(e.value)
    code, _, err = run_cli(["compare", str(runs[0]), str(other), "--out", str(tmp_path)])
    assert_one_line_errors(code, err, allow_ok=False)
    assert "different hypervolume reference points" in err


def test_classes_found_come_from_the_dataset_labels(runs: list[Path], library_h5: Path) -> None:
    r = RunData.load(runs[0])
    truth = dataset_labels(r, "phase_class")
    assert sorted(set(truth.values())) == [0, 1, 2]
    found = classes_found_from_dataset(r, "phase_class")
    seen = [truth[int(i)] for i in r.location_ids]
    assert found.tolist() == [len(set(seen[: k + 1])) for k in range(len(seen))]
    c = compare_runs(runs, classes="phase_class")
    classes = c.curves[c.curves["metric"] == "classes_found"]
    assert set(classes["objective"]) == {"phase_class"} and classes["value"].max() <= 3


def test_a_missing_label_is_one_error_line(runs: list[Path], tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no label 'grain'"):
        compare_runs(runs, classes="grain")
    code, _, err = run_cli(
        ["compare", *map(str, runs), "--classes", "grain", "--out", str(tmp_path)]
    )
    assert_one_line_errors(code, err, allow_ok=False)
    assert "no label 'grain'" in err and "phase_class" in err
