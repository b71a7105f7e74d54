"""`explorer dataset from-run`: a finished run becomes a dataset that replays the session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from explorer.analysis.rundata import RunData
from explorer.cli import main
from explorer.datasets.from_run import from_run
from explorer.errors import DatasetError
from hardware.replay import read_dataset
from tests.explorer.datasets.replay_support import replay_runs


def _finished_run(make_config, tmp_path: Path, points: int = 6) -> Path:
    cfg = make_config(stop={"max_points": points})
    path = tmp_path / "sim.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q", "--out", str(tmp_path / "session")]) == 0
    return tmp_path / "session" / "latest"


def test_a_finished_run_replays_its_own_measurements(make_config, tmp_path: Path, capsys) -> None:
    run_dir = _finished_run(make_config, tmp_path)
    out = tmp_path / "session.h5"
    assert main(["dataset", "from-run", str(run_dir), str(out), "--license", "CC-BY-4.0"]) == 0
    assert "locations: 6" in capsys.readouterr().out
    ds = read_dataset(out)
    original = RunData.load(run_dir)
    assert ds.ids.tolist() == [m.location_id for m in original.measured]
    assert ds.license == "CC-BY-4.0"
    sspfm = ds.channels["sspfm"]
    assert sspfm.axes["bias_v"].units == "V" and "pr_off" in sspfm.data
    np.testing.assert_array_equal(sspfm.data["pr_off"].values[0], original.raw(0)["sspfm.pr_off"])
    objective = {"name": "loop_height", "from": "sspfm", "metric": "loop_height"}
    replay = replay_runs(make_config, out, objective, tmp_path / "replay", points=6)
    before = {m.location_id: m.objectives["loop_height"] for m in original.measured}
    after = {m.location_id: m.objectives["loop_height"] for m in replay.measured}
    assert after == pytest.approx(before)  # every recorded location, the same objective


def test_not_a_run_directory(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a run directory"):
        from_run(tmp_path)
