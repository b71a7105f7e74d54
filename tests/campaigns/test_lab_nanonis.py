"""`instrument: {kind: lab, pfm: {kind: nanonis}}` end to end, SPECS' client on the wire.

The instrument contract over an emulated stage; campaigns/nanonis-emulated.yaml as a dry run
(in-process emulators, the configured host never contacted) and armed against emulators
served on TCP; killing a separately running emulator mid-run ends in a `fault` event with the
hardware made as safe as it can be, and `explorer resume` finishes the run on a restarted one.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.cli import main
from explorer.config import parse_config
from explorer.engine.build import build_instrument, composition_function
from explorer.engine.events import Fault, Measured, read_events
from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.emulators import emulator_for, register_url_handler
from hardware.emulators.nanonis_lab import serve_beside
from hardware.emulators.server import EmulatorTCPServer, free_port
from tests.conftest import CAMPAIGNS
from tests.contracts.instrument_contract import InstrumentContract
from tests.hardware.nanonis_bench import nanonis_spm

assert nanonis_spm  # imported for its skip: these tests need SPECS' client
_names = itertools.count()
REPO = Path(__file__).resolve().parents[2]


def campaign(tmp_path: Path, **stop: Any) -> dict[str, Any]:
    cfg = yaml.safe_load((CAMPAIGNS / "nanonis-emulated.yaml").read_text())
    cfg["strategy"] = {"kind": "random"}
    cfg["stop"] = {"max_points": 4, **stop}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    return cfg


def run(tmp_path: Path, cfg: dict[str, Any], *extra: str) -> tuple[int, Path]:
    path = tmp_path / f"c{next(_names)}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code = main(["run", str(path), "-q", *extra])
    return code, newest_run(tmp_path)


def newest_run(tmp_path: Path) -> Path:
    return sorted(p for p in (tmp_path / "runs").iterdir() if not p.is_symlink())[-1]


def journal(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def measured(run_dir: Path) -> list[Measured]:
    return [e for e in read_events(run_dir / "events.jsonl").events if isinstance(e, Measured)]


class TestLabNanonisEmulated(InstrumentContract):
    def make_instrument(self, tmp_path):
        cfg = yaml.safe_load((CAMPAIGNS / "nanonis-emulated.yaml").read_text())
        name = f"contract-nanonis-{next(_names)}"
        cfg["instrument"]["stage"]["port"] = f"emu://zaber?name={name}&travel_mm=50"
        cfg["library"].update(x_mm=[0.0, 8.0], y_mm=[0.0, 2.0])
        tmp_path.mkdir(parents=True, exist_ok=True)
        return build_instrument(parse_config(cfg), run_dir=tmp_path)


def test_dry_run_talks_to_an_in_process_emulator_only(tmp_path) -> None:
    cfg = campaign(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as configured:  # the "real" Nanonis port
        configured.setblocking(False)
        cfg["instrument"]["pfm"]["port"] = configured.getsockname()[1]
        code, run_dir = run(tmp_path, cfg)
        with pytest.raises(BlockingIOError):
            configured.accept()  # nobody ever connected to it
    assert code == 0 and len(measured(run_dir)) == 4
    records = journal(run_dir)
    assert records[0]["dry_run"] is True and records[0]["pfm"] == "nanonis"
    (connect,) = [r for r in records if r.get("command") == "connect" and r["source"] == "nanonis"]
    assert connect["address"].startswith("127.0.0.1:") and connect["address"] != "127.0.0.1:6501"
    sent = {r["command"] for r in records if r["kind"] == "command" and r["source"] == "nanonis"}
    assert {"AutoApproach.OnOffSet", "ZCtrl.Withdraw", "Bias.Set", "FolMe.XYPosSet",
            "BiasSpectr.MLSValsSet", "BiasSpectr.Start", "LockIn.ModOnOffSet"} <= sent  # fmt: skip
    safety = [r["rule"] for r in records if r["kind"] == "safety"]
    assert {"armed", "bias_limit", "z_interlock", "max_step", "fresh_spot"} <= set(safety)


def test_validate_refuses_a_mode_the_nanonis_cannot_run(tmp_path, capsys) -> None:
    cfg = campaign(tmp_path)
    cfg["instrument"]["sspfm"]["mode"] = "dart"
    path = tmp_path / "dart.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "set 'mode: single'" in err[0]


def test_armed_against_emulators_served_on_tcp(tmp_path) -> None:
    register_url_handler()
    name = f"nanonis-armed-{next(_names)}"
    stage = emulator_for(f"emu://zaber?name={name}&microstep_um=0.1&travel_mm=50")
    cfg = campaign(tmp_path)
    composition = composition_function(parse_config(cfg))
    sample = build_sample(SampleSpec("smbfo"), 1)
    with EmulatorTCPServer(stage, ("127.0.0.1", 0)) as stage_server:
        stage_server.start()
        spm = serve_beside(stage, sample, composition, seed=1)
        cfg["instrument"]["stage"].update(port=stage_server.url, clock_from_emulator=name)
        cfg["instrument"]["pfm"]["port"] = spm.port
        try:
            code, run_dir = run(tmp_path, cfg, "--arm-hardware")
        finally:
            spm.stop()
            stage_server.stop()
    assert code == 0
    points = measured(run_dir)
    assert len(points) == 4 and all(p.objectives["loop_height"] > 0 for p in points)
    records = journal(run_dir)
    assert records[0]["armed"] is True and records[0]["dry_run"] is False
    (connect,) = [r for r in records if r.get("command") == "connect" and r["source"] == "nanonis"]
    assert connect["address"] == f"127.0.0.1:{spm.port}"
    assert spm.emulator.commands_seen > 1000


def _emulator_process(nanonis_port: int, stage_port: int, cfg_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "explorer", "emulate", "nanonis", "--port", str(nanonis_port),
           "--stage-port", str(stage_port), "--campaign", str(cfg_path), "--time-scale", "0.01"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert "nanonis emulator listening" in lines[1], lines
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def test_killing_the_emulator_mid_run_faults_safely_and_the_run_resumes(tmp_path) -> None:
    nanonis_port, stage_port = free_port(), free_port()
    cfg = campaign(tmp_path, max_points=3)
    cfg["library"].update(x_mm=[2.0, 3.0], y_mm=[2.0, 3.0], shape=[5, 5])
    inst = cfg["instrument"]
    inst["stage"]["port"] = f"socket://127.0.0.1:{stage_port}"
    inst["pfm"].update(port=nanonis_port, tune_settle_s=0.0, segment_settling_s=0.0,
                       point_settling_s=0.0, point_integration_s=0.0, bias_step_s=0.001)  # fmt: skip
    inst["sspfm"] = {"mode": "single", "v_max": 8.0, "steps_per_cycle": 16, "cycles": 1}
    inst["settle_s"] = 0.0
    path = tmp_path / "kill.yaml"
    path.write_text(yaml.safe_dump(cfg))
    emulator = _emulator_process(nanonis_port, stage_port, path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runner = subprocess.Popen([sys.executable, "-m", "explorer", "run", str(path), "-q",
                               "--arm-hardware"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and runner.poll() is None:
            runs = list((tmp_path / "runs").glob("*/events.jsonl"))
            if runs and '"measured"' in runs[0].read_text():
                break
            time.sleep(0.05)
        emulator.kill()  # SIGKILL: no goodbye on the sockets
        _, err = runner.communicate(timeout=120)
    finally:
        _stop(emulator)
        _stop(runner)
    assert runner.returncode == 3, err
    run_dir = newest_run(tmp_path)
    assert 1 <= len(measured(run_dir)) < 3
    (fault,) = [e for e in read_events(run_dir / "events.jsonl").events if isinstance(e, Fault)]
    # the stage and the SPM emulator died together: whichever was talking first reports it
    assert "socket" in fault.message or "Nanonis" in fault.message
    assert fault.safe_state["state"] == "FAULT"
    last_safe = [r for r in journal(run_dir) if r["kind"] == "safe_state"][-1]
    # the stage controller is gone too: the stop was sent, never confirmed, and is not claimed
    assert "not acknowledged" in str(last_safe["stage_stopped"])
    assert last_safe["position_mm"] == "unknown"
    assert str(last_safe["bias_zero"]).startswith("failed")  # nothing left to talk to: said so
    emulator = _emulator_process(nanonis_port, stage_port, path)
    try:
        assert main(["resume", str(run_dir), "-q", "--arm-hardware"]) == 0
    finally:
        _stop(emulator)
    assert len(measured(run_dir)) == 3
    notes = [r for r in journal(run_dir) if r["kind"] == "note"]
    assert any("previous session ended in FAULT" in r["message"] for r in notes)
