"""The Python API end to end: the README and docs examples run as written; ask/tell write the
CLI's event log; a run resumes (also one `explorer run` made) and plots like a CLI run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from explorer.api import Experiment, Suggestion
from explorer.cli import main
from explorer.engine.events import (
    FrontUpdated,
    Measured,
    RunResumed,
    RunStarted,
    RunStopped,
    Suggested,
    read_events,
)
from explorer.errors import ConfigError
from hardware.protocols import Measurement
from tests.conftest import REPO


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


def external(out: Path, **over: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "schema_version": 1,
        "name": "ext",
        "seed": 3,
        "library": {"kind": "grid", "x_mm": [0.0, 4.0], "y_mm": [0.0, 4.0], "shape": [9, 9]},
        "instrument": {"kind": "external"},
        "objectives": [
            {"name": "r", "from": "scalar", "metric": "r", "direction": "maximize"},
            {"name": "c", "from": "scalar", "metric": "c", "direction": "minimize"},
        ],
        "ref_point": {"r": -1.0, "c": 10.0},
        "strategy": {"kind": "sobol"},
        "stop": {"max_points": 6},
        "output": {"dir": str(out)},
    }
    cfg.update(over)
    return cfg


def values_at(s: Suggestion) -> dict[str, float]:
    return {"r": float(np.cos(s.x_mm)), "c": 1.0 + s.y_mm}


def test_the_readme_example_runs_as_written(tmp_path: Path, monkeypatch) -> None:
    blocks = [b for b in python_blocks(REPO / "README.md") if "explorer.api" in b]
    assert len(blocks) == 1, "README.md shows one Python API example"
    (tmp_path / "campaigns").symlink_to(REPO / "campaigns")
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(compile(blocks[0], "README.md", "exec"), scope)
    log = read_events(scope["exp"].run_dir / "events.jsonl")
    assert len(log.of_type(Measured)) == 40 and log.of_type(RunStopped)


def test_the_docs_example_runs_as_written_and_plots(tmp_path: Path, monkeypatch) -> None:
    (block,) = python_blocks(REPO / "docs" / "python-api.md")
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(compile(block, "docs/python-api.md", "exec"), scope)
    run = scope["exp"].run_dir
    log = read_events(run / "events.jsonl")
    assert log.of_type(RunStarted)[0].config["instrument"]["kind"] == "external"
    fronts = log.of_type(FrontUpdated)
    assert len(fronts) == len(log.of_type(Measured)) == 8
    assert fronts[-1].hypervolume is not None and fronts[-1].hypervolume > 0
    assert main(["plot", str(run)]) == 0
    assert (run / "plots" / "pareto.png").stat().st_size > 0
    assert main(["pareto", str(run)]) == 0


def test_ask_tell_log_the_same_events_as_the_cli(tmp_path: Path) -> None:
    with Experiment.from_yaml(external(tmp_path)) as exp:
        (s,) = exp.ask()
        with pytest.raises(AttributeError):
            s.x_mm = 0.0  # type: ignore[misc]
        assert exp.tell(s, values=values_at(s)) == values_at(s)
        with pytest.raises(ConfigError, match="not waiting for a measurement"):
            exp.tell(s, values=values_at(s))
        batch = exp.ask(n=3)
        assert len(batch) == 3
        for b in batch:
            exp.tell(b, values=values_at(b))
    log = read_events(exp.run_dir / "events.jsonl")
    kinds = [e.type for e in log.events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_stopped"
    assert kinds.count("suggested") == kinds.count("measured") == 4
    measured = log.of_type(Measured)
    assert [m.location_id for m in measured] == [m.location_id for m in log.of_type(Suggested)]
    assert measured[0].objectives == values_at(s)
    assert all((exp.run_dir / m.raw).is_file() for m in measured)


def test_bad_values_are_one_line_errors(tmp_path: Path) -> None:
    with Experiment.from_yaml(external(tmp_path)) as exp:
        (s,) = exp.ask()
        with pytest.raises(ConfigError, match=r"names \['cost'\] are not objectives"):
            exp.tell(s, values={"r": 1.0, "cost": 2.0})
        with pytest.raises(ConfigError, match="n must be at least 1"):
            exp.ask(n=0)
        assert exp.tell(s, values=values_at(s))["c"] == values_at(s)["c"]


def test_measurement_arrays_are_reduced_by_the_configured_objectives(tmp_path: Path) -> None:
    cfg = external(
        tmp_path,
        instrument={"kind": "external", "channels": ["spec"]},
        objectives=[{"name": "peak", "from": "spec", "metric": "max", "quantity": "signal"}],
        ref_point="auto",
        strategy={"kind": "random"},
    )
    with Experiment.from_yaml(cfg) as exp:
        (s,) = exp.ask()
        signal = np.array([0.1, 0.7, 0.3])
        m = Measurement(s.location_id, s.x_mm, s.y_mm, {"spec.signal": signal})
        assert exp.tell(s, measurement=m) == {"peak": 0.7}
        (s2,) = exp.ask()
        with pytest.raises(ConfigError, match="reduced from channel 'spec'"):
            exp.tell(s2, values={"peak": 1.0})
    raw = np.load(exp.run_dir / read_events(exp.run_dir / "events.jsonl").of_type(Measured)[0].raw)
    assert np.array_equal(raw["spec.signal"], signal)


def test_resume_gives_back_the_pending_suggestion_and_continues(tmp_path: Path) -> None:
    exp = Experiment.from_yaml(external(tmp_path))
    for s in exp.ask(n=2):
        exp.tell(s, values=values_at(s))
    (pending,) = exp.ask()
    exp.close()
    again = Experiment.resume(exp.run_dir)
    assert again.ask() == [pending]
    again.tell(pending, values=values_at(pending))
    while batch := again.ask():
        for s in batch:
            again.tell(s, values=values_at(s))
    assert again.done is not None and again.n_measured == 6
    again.close()
    log = read_events(exp.run_dir / "events.jsonl")
    assert len(log.of_type(RunResumed)) == 1 and len(log.of_type(Measured)) == 6
    ids = [m.location_id for m in log.of_type(Measured)]
    assert len(set(ids)) == 6


def test_cli_refuses_an_external_campaign_in_one_line(tmp_path: Path, capsys) -> None:
    exp = Experiment.from_yaml(external(tmp_path))
    exp.close()
    assert main(["resume", str(exp.run_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Experiment" in err[0]


def test_a_cli_run_resumes_in_python_with_its_own_instrument(
    make_config, write_yaml, tmp_path: Path
) -> None:
    path = write_yaml(make_config(stop={"max_points": 3}), "sim.yaml")
    out = tmp_path / "runs"
    assert main(["run", str(path), "-q", "--out", str(out), "--max-points", "2"]) == 0
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()]
    with Experiment.resume(run, max_points=3) as exp:
        assert exp.n_measured == 2
        (s,) = exp.ask()
        with pytest.raises(ConfigError, match="measures by itself"):
            exp.tell(s, values={"loop_height": 1.0})
        assert set(exp.tell(s)) == {"loop_height"}  # the simulator measured it
        assert exp.ask() == []
    assert len(read_events(run / "events.jsonl").of_type(Measured)) == 3
