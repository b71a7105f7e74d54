"""Run views: objective units and labels, where every measurement came from (design picks of a
two-phase run versus model picks), the first model step and the best finite value."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import yaml

from explorer.analysis.map_figure_data import library_map_data
from explorer.analysis.run_views import (
    best_index,
    first_model_step,
    objective_label,
    objective_unit,
    origins,
    suggestion_of_each_measurement,
    with_unit,
)
from explorer.analysis.rundata import RunData
from explorer.analysis.spectra_figure_data import spectra_data
from explorer.cli import main
from hardware.replay import Axis, Channel, DataArray, write_dataset
from tests.explorer.fixture_runs import config
from tests.hardware.replay.helpers import toy_dataset


def test_units_come_from_the_yaml_then_the_metric() -> None:
    assert objective_unit({"metric": "coercive_bias"}) == "V"
    assert objective_unit({"metric": "coercive_bias", "unit": "mV"}) == "mV"
    assert objective_unit({"metric": "something_else"}) == ""
    assert with_unit("loop_height", "a.u.") == "loop height (a.u.)"
    assert with_unit("score", "") == "score"


def test_units_come_from_the_dataset_unless_the_objective_sets_one(tmp_path: Path) -> None:
    """A replayed dataset whose loops are in pm/V: the run logs the units, the objectives'
    labels carry them (no 'a.u.'), a YAML `unit:` still wins, and the raw-curve axes agree."""
    toy = toy_dataset()
    loop = toy.channels["sspfm"].data["pr_off"]
    channel = Channel(
        {"pr_off": DataArray(loop.values, "pm/V", loop.axes, loop.description)},
        {"bias_v": Axis(toy.channels["sspfm"].axes["bias_v"].values, "V")},
        kind="loop",
    )
    data = write_dataset(dataclasses.replace(toy, channels={"sspfm": channel}), tmp_path / "t.h5")
    loops = [
        {"name": "loop_height", "from": "sspfm", "metric": "loop_height"},
        {"name": "loop_area", "from": "sspfm", "metric": "loop_area"},
        {"name": "coercive_bias", "from": "sspfm", "metric": "coercive_bias"},
        {"name": "saturation", "from": "sspfm", "metric": "saturation_response", "unit": "mV"},
    ]
    cfg = config(
        tmp_path / "runs",
        library={"kind": "dataset", "path": str(data)},
        instrument={"kind": "replay", "dataset": str(data)},
        objectives=loops,
        strategy={"kind": "random"},
        stop={"max_points": 3},
    )
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q"]) == 0
    (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if not p.is_symlink()]
    run = RunData.load(run_dir)
    assert run.started.units["sspfm.pr_off"] == "pm/V"
    assert [o.get("unit") for o in run.started.objectives] == ["pm/V", "pm/V·V", "V", "pm/V"]
    labels = [objective_label(run, o["name"]) for o in loops]
    assert labels == [
        "loop height (pm/V)",
        "loop area (pm/V·V)",
        "coercive bias (V)",
        "saturation (mV)",
    ]
    assert library_map_data(run, "loop_height").label == "loop height (pm/V)"
    curve = spectra_data(run).curves[0]
    assert curve.y_label == "remanent response (pm/V)" and "a.u." not in curve.y_label


def test_two_phase_run_starts_with_design_then_the_model(so_run: Path) -> None:
    run = RunData.load(so_run)
    kinds = origins(run)
    assert len(kinds) == len(run.measured) == 10
    assert kinds[:4] == ["design"] * 4 and set(kinds[4:]) == {"strategy"}
    assert first_model_step(run) == 5
    suggestions = suggestion_of_each_measurement(run)
    assert [s.location_id for s in suggestions] == [m.location_id for m in run.measured]


def test_a_model_free_run_has_no_model_step(mo_run: Path) -> None:
    assert first_model_step(RunData.load(mo_run)) is None


def test_labels_carry_the_metric_unit(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    assert objective_label(run, "coercive_bias").endswith("(V)")


def test_best_index_respects_direction_and_skips_nan() -> None:
    values = np.array([2.0, math.nan, 5.0, -1.0])
    assert best_index(values, "maximize") == 2
    assert best_index(values, "minimize") == 3
    assert best_index(np.array([math.nan]), "maximize") is None
