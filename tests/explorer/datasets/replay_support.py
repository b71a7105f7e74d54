"""Run a short replay campaign on an imported dataset: the proof that it is replayable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from explorer.analysis.rundata import RunData
from explorer.cli import main


def replay_runs(
    make_config: Any, dataset: Path, objective: dict[str, Any], tmp_path: Path, points: int = 5
) -> RunData:
    """Random strategy, `points` measurements served from `dataset`; returns the run."""
    cfg = make_config(
        library={"kind": "dataset", "path": str(dataset)},
        instrument={"kind": "replay", "dataset": str(dataset)},
        objectives=[objective],
        stop={"max_points": points},
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "replay.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q", "--out", str(tmp_path / "runs")]) == 0
    run = RunData.load(next((tmp_path / "runs").glob(f"{cfg['name']}*")))
    assert len(run.measured) == points
    return run
