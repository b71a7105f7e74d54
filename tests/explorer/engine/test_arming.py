"""The arming state is in run_started; a resume that would change it is refused unless
--change-arming is given, and then it is an event that the report and the traces show."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from explorer.analysis.rundata import RunData
from explorer.analysis.trace_figure_data import trace_data
from explorer.engine.events import ArmingChanged, Measured, RunStarted, read_events
from hardware.emulators import register_url_handler
from tests.conftest import CAMPAIGNS
from tests.explorer.crash_checks import only_run
from tests.fuzzing import run_cli


def _lab_run(tmp_path: Path, *flags: str) -> Path:
    register_url_handler()
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg = copy.deepcopy(cfg)
    cfg["instrument"]["stage"]["port"] = f"emu://zaber?name=arming-{tmp_path.name}&travel_mm=50"
    cfg["strategy"] = {"kind": "random"}
    cfg["stop"] = {"max_points": 3}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code, _, err = run_cli(["run", str(path), "-q", *flags])
    assert code == 0, err
    return only_run(tmp_path / "runs")


def test_resume_refuses_to_drop_the_arming_silently(tmp_path) -> None:
    run = _lab_run(tmp_path, "--arm-hardware")
    (started,) = read_events(run / "events.jsonl").of_type(RunStarted)
    assert started.arming == "armed"
    log = (run / "events.jsonl").read_bytes()
    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "5"])
    assert code == 2 and err.count("\n") == 1, err
    assert "armed real hardware" in err and "--change-arming" in err, err
    assert (run / "events.jsonl").read_bytes() == log

    code, _, err = run_cli(["resume", str(run), "-q", "--max-points", "5", "--change-arming"])
    assert code == 0, err
    events = read_events(run / "events.jsonl").events
    (change,) = [e for e in events if isinstance(e, ArmingChanged)]
    assert (change.previous, change.current, change.step) == ("armed", "dry_run", 3)
    assert sum(isinstance(e, Measured) for e in events) == 5

    code, _, err = run_cli(["report", str(run)])
    assert code == 0, err
    page = (run / "report.html").read_text()
    assert "armed real hardware" in page and "from measurement 4: a dry run" in page
    assert "armed -&gt; dry_run" in page or "armed -> dry_run" in page
    assert trace_data(RunData.load(run)).arming_changes == ((4, "dry_run"),)


def test_simulator_runs_record_their_arming(make_config, write_yaml) -> None:
    code, _, err = run_cli(["run", str(write_yaml(make_config())), "-q"])
    assert code == 0, err
    run = only_run(Path(make_config()["output"]["dir"]))
    (started,) = read_events(run / "events.jsonl").of_type(RunStarted)
    assert started.arming == "simulator"
