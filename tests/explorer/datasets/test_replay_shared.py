"""Every shared dataset replays through the ordinary runner (brief random campaigns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.rundata import RunData
from explorer.cli import main
from explorer.engine.events import FrontUpdated, Measured, RunStopped, read_events
from tests.conftest import shared_data

CASES = {
    "pto-beps": (
        "pto-beps-50x50/BEPS_PTO_50x50.h5",
        {},
        [
            {
                "name": "area",
                "from": "beps",
                "quantity": "piezoresponse",
                "metric": "loop_area_numeric",
            }
        ],
    ),
    "pto-sspfm": (
        "pto-sspfm-curiosity/norm_polarization.npy",
        {},
        [{"name": "p2p", "from": "sspfm", "quantity": "polarization", "metric": "peak_to_peak"}],
    ),
    "pfm-images": (
        "pfm-images-dtmicroscope/PTO_Funakubo0001.h5",
        {"stride": 8},
        [
            {"name": "pr", "from": "scalar", "metric": "piezoresponse"},
            {"name": "tile_amp", "from": "tile", "quantity": "amplitude_retrace", "metric": "mean"},
        ],
    ),
    "nist-ternary": (
        "nist-combi-ternary/FeCoNi_benchmark_dataset_220501a.mat",
        {},
        [
            {"name": "kerr", "from": "scalar", "metric": "kerr_rotation_mrad"},
            {"name": "coer", "from": "scalar", "metric": "coercivity_mt", "direction": "minimize"},
            {"name": "xrd_max", "from": "xrd", "quantity": "intensity", "metric": "max"},
        ],
    ),
    "smbfo-digitized": (
        "smbfo-loop-height-digitized/smbfo_loop_height_digitized.csv",
        {"points": 101},
        [{"name": "loop_height", "from": "scalar", "metric": "loop_height"}],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shared_dataset_replays(case: str, make_config, write_yaml, tmp_path: Path) -> None:
    rel, options, objectives = CASES[case]
    folder, name = rel.split("/")
    path = str(shared_data(folder) / name)
    source = {"format_options": options} if options else {}
    cfg = make_config(
        library={"kind": "dataset", "path": path, **source},
        instrument={
            "kind": "replay",
            "dataset": path,
            **source,
            "noise": {"relative": 0.01, "recorded_std": True},
        },
        objectives=objectives,
        strategy={"kind": "random"},
        stop={"max_points": 4},
    )
    assert main(["run", str(write_yaml(cfg)), "-q"]) == 0
    (run,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir() and not p.is_symlink()]
    events = read_events(run / "events.jsonl").events
    measured = [e for e in events if isinstance(e, Measured)]
    assert len(measured) == 4
    assert all(np.isfinite(v) for m in measured for v in m.objectives.values())  # type: ignore[arg-type]
    assert isinstance(events[-1], RunStopped) and events[-1].status == "success"
    assert all(m.instrument_time_s > 0 for m in measured)
    if len(objectives) > 1:
        assert any(isinstance(e, FrontUpdated) for e in events)
    assert RunData.load(run).raw(0)  # the replayed arrays are stored like live ones
