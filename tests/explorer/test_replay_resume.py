"""A replayed run plots and resumes exactly like a simulated one.

The replay dataset is recorded from the simulator (`explorer dataset simulate`), so these tests
need no shared data. The DKL campaign uses image-patch features and fresh replay noise; a
SIGKILL at several points, then `explorer resume`, must give the same measured sequence and
values as an uninterrupted run (the DKL warm start travels through the logged model_state, and
a run killed before its first DKL decision pretrains the same extractor again).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from explorer.analysis.rundata import RunData
from explorer.cli import main
from explorer.engine.events import Measured, RunResumed, Suggested, read_events
from tests.conftest import BASE_CONFIG, REPO

DKL_STRATEGY = {
    "kind": "two_phase",
    "initial": {"kind": "sobol", "n": 3},
    "then": {
        "kind": "dkl_bo",
        "acquisition": "ucb",
        "input_transform": "quantile",
        # pretrained (before the first decision) and fine-tuned: both must resume exactly
        "network": {
            "extractor": "cnn",
            "hidden": [8],
            "pretrain": "autoencoder",
            "pretrain_iters": 40,
            "iters_cold": 40,
            "iters_warm": 10,
        },
    },
}


def _sequence(run: Path) -> list[int]:
    return [
        e.location_id for e in read_events(run / "events.jsonl").events if isinstance(e, Measured)
    ]


def _values(run: Path) -> list[float]:
    return [
        e.objectives["loop_height"]
        for e in read_events(run / "events.jsonl").events
        if isinstance(e, Measured)
    ]


def _only_run(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    return run


@pytest.fixture(scope="module")
def sim_dataset(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("data")
    cfg = dict(BASE_CONFIG, output={"dir": str(tmp / "unused")})
    path = tmp / "sim.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["dataset", "simulate", str(path), str(tmp / "sim.h5")]) == 0
    return tmp / "sim.h5"


@pytest.fixture(scope="module")
def reference(sim_dataset, tmp_path_factory) -> tuple[Path, list[int], list[float]]:
    tmp = tmp_path_factory.mktemp("ref")
    rel = Path("..") / sim_dataset.parent.name / sim_dataset.name  # relative to the campaign
    cfg = dict(
        BASE_CONFIG,
        library={
            "kind": "dataset",
            "path": str(rel),
            "features": "image_patch",
            "patch_size": 3,
            "patch_edge": "reflect",
        },
        instrument={"kind": "replay", "dataset": str(rel), "noise": {"relative": 0.05}},
        strategy=DKL_STRATEGY,
        stop={"max_points": 9},
        output={"dir": str(tmp / "runs")},
    )
    path = tmp / "replay.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q"]) == 0
    run = _only_run(tmp / "runs")
    return path, _sequence(run), _values(run)


def test_reference_run_replays_plots_and_logs_the_model(reference) -> None:
    path, ids, values = reference
    run = _only_run(path.parent / "runs")
    assert len(ids) == 9 and len(set(ids)) == 9 and all(np.isfinite(values))
    resolved = yaml.safe_load((run / "config.yaml").read_text())
    assert Path(resolved["instrument"]["dataset"]).is_absolute()
    assert len(resolved["instrument"]["sha256"]) == 64
    events = read_events(run / "events.jsonl").events
    dkl = [e for e in events if isinstance(e, Suggested) and e.strategy == "dkl_bo"]
    assert len(dkl) == 6 and all("dkl" in e.model_state for e in dkl)
    data = RunData.load(run)
    assert data.started.channels == ["sspfm"]
    assert data.time_budget_s()["move"] > 0
    assert main(["plot", str(run)]) == 0
    assert (run / "plots" / "map_loop_height.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("target", "n", "torn"), [("event", 6, False), ("event", 13, True), ("raw", 5, True)]
)
def test_sigkill_then_resume_matches_uninterrupted(reference, tmp_path, target, n, torn) -> None:
    path, ref_ids, ref_values = reference
    out = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "tests.explorer.kill_harness",
        target,
        str(n),
        *(["torn"] if torn else []),
        "--",
        "run",
        str(path),
        "-q",
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, check=False, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == -9, proc.stderr
    run = _only_run(out)
    assert main(["resume", str(run), "-q"]) == 0
    assert _sequence(run) == ref_ids
    np.testing.assert_allclose(_values(run), ref_values, rtol=1e-12)
    after = read_events(run / "events.jsonl")
    assert len([e for e in after.events if isinstance(e, RunResumed)]) == 1


def test_resume_refuses_a_changed_dataset(reference, sim_dataset, tmp_path, capsys) -> None:
    import shutil

    path, _, _ = reference
    data_copy = tmp_path / "sim.h5"
    shutil.copy(sim_dataset, data_copy)
    cfg = yaml.safe_load(path.read_text())
    cfg["library"]["path"] = cfg["instrument"]["dataset"] = str(data_copy)
    cfg["output"]["dir"] = str(tmp_path / "runs")
    cfg["stop"]["max_points"] = 4
    cfg["strategy"] = {"kind": "random"}
    campaign = tmp_path / "c.yaml"
    campaign.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(campaign), "-q"]) == 0
    run = _only_run(tmp_path / "runs")
    with open(data_copy, "ab") as fh:
        fh.write(b"\0")
    capsys.readouterr()
    assert main(["resume", str(run), "-q", "--max-points", "6"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2  # one line each for library.path and instrument.dataset
    assert all("has changed" in line for line in err)


def test_replay_command_runs_a_sim_campaign_on_recorded_data(
    sim_dataset, make_config, write_yaml, tmp_path
) -> None:
    from hardware.replay import read_dataset

    cfg = make_config(stop={"max_points": 5})
    path = write_yaml(cfg)
    assert main(["replay", str(path), "--dataset", str(sim_dataset), "-q"]) == 0
    run = _only_run(tmp_path / "runs")
    ds = read_dataset(sim_dataset)
    from explorer.objectives import Objective, evaluate

    obj = [Objective("loop_height", "sspfm", "loop_height")]
    for e in read_events(run / "events.jsonl").events:
        if isinstance(e, Measured):
            raw = RunData.load(run).raw(e.step)
            row = int(np.flatnonzero(ds.ids == e.location_id)[0])
            np.testing.assert_array_equal(
                raw["sspfm.pr_off"], ds.channels["sspfm"].data["pr_off"].values[row]
            )
            assert e.objectives["loop_height"] == pytest.approx(
                evaluate(obj, _measurement(ds, row))["loop_height"], rel=1e-12
            )


def _measurement(ds, row):  # type: ignore[no-untyped-def]
    from hardware.protocols import Measurement

    ch = ds.channels["sspfm"]
    arrays = {
        "sspfm.bias_v": ch.axes["bias_v"].values,
        **{f"sspfm.{q}": a.values[row] for q, a in ch.data.items()},
    }
    return Measurement(int(ds.ids[row]), 0.0, 0.0, arrays)


def test_replay_miss_error_is_caught_before_the_run(
    sim_dataset, make_config, write_yaml, tmp_path, capsys
) -> None:
    cfg = make_config(
        library={
            "kind": "grid",
            "x_mm": [0.0, 8.0],
            "y_mm": [0.0, 1.0],
            "shape": [13, 3],
            "composition": {"kind": "linear", "element": "Sm", "range": [0, 0.2]},
        }
    )
    path = write_yaml(cfg)
    assert main(["replay", str(path), "--dataset", str(sim_dataset)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never recorded" in err[0] and "miss: nearest" in err[0]
    assert not (tmp_path / "runs").exists()
    assert (
        main(["replay", str(path), "--dataset", str(sim_dataset), "--miss", "nearest", "-q"]) == 0
    )
