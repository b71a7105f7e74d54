"""`kind: lab` end to end: the real Zaber driver against the emulator through the CLI.

A 20-location campaign over emu:// and over socket:// (TCP server in this process sharing the
emulator's virtual clock) gives identical journals and the §1.5 time budget; faults injected
mid-campaign end in a safe state with a `fault` event, and `explorer resume` continues once the
operator has cleared the fault.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.cli import main
from explorer.engine.events import Fault, Measured, RunStopped, read_events
from hardware.emulators import emulator_for, get_emulator, register_url_handler
from hardware.emulators.server import EmulatorTCPServer
from tests.conftest import CAMPAIGNS

_names = itertools.count()


def lab_config(tmp_path: Path, port: str, **stage: Any) -> dict[str, Any]:
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["stage"].update(port=port, **stage)
    cfg["strategy"] = {"kind": "random"}
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    return cfg


def run(tmp_path: Path, cfg: dict[str, Any], *extra: str) -> tuple[int, Path]:
    path = tmp_path / f"c{next(_names)}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code = main(["run", str(path), "-q", *extra])
    runs = sorted(p for p in (tmp_path / "runs").iterdir() if not p.is_symlink())
    return code, runs[-1]


def journal(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop what legitimately differs between the two runs: wall time, pid, the port name, and
    the arming facts (an emu:// port is simulated, a socket:// port is real and armed), and
    the pid of a killed earlier owner of the lock file."""
    drop = {"utc", "pid", "port", "armed", "simulated", "lock_taken_over_from"}
    return [{k: v for k, v in r.items() if k not in drop} for r in records]


def emu_url(name: str, faults: str = "") -> str:
    return f"emu://zaber?name={name}&microstep_um=0.1&travel_mm=50{faults}"


def test_emu_and_socket_give_identical_journals_and_the_time_budget(tmp_path) -> None:
    register_url_handler()
    name = f"e2e-emu-{next(_names)}"
    code, run_emu = run(tmp_path, lab_config(tmp_path, emu_url(name)))
    assert code == 0
    sock_name = f"e2e-sock-{next(_names)}"
    emulator = emulator_for(emu_url(sock_name))
    with EmulatorTCPServer(emulator, ("127.0.0.1", 0)) as server:
        server.start()
        cfg = lab_config(tmp_path, server.url, clock_from_emulator=sock_name)
        code, run_sock = run(tmp_path, cfg, "--arm-hardware")
        server.stop()
    assert code == 0
    a, b = journal(run_emu), journal(run_sock)
    assert len(a) > 1000 and comparable(a) == comparable(b)
    assert a[0]["armed"] is False and b[0]["armed"] is True and not a[0]["dry_run"]
    measured = [e for e in read_events(run_emu / "events.jsonl").events if isinstance(e, Measured)]
    assert len(measured) == 20
    # §1.5 budget per location: retract 2 s + Zaber motion + approach ~20 s (log-normal, mean
    # 20.6 s) + mode switches 36 s + zero-PD 3.5 s + two DART tunes 3 s + settle 30 s + DART-SS
    # loop 10 s, plus one 20 s tip check every 10 locations.
    zaber_move = [m.durations_s["move"] - 2.0 for m in measured[1:]]
    assert all(0.0 < t < 4.0 for t in zaber_move)
    budget = (
        sum(m.durations_s["move"] for m in measured)
        + 20 * (20.6 + 36.0 + 3.5 + 3.0 + 30.0 + 10.0)
        + 2 * 20.0
    )
    total = sum(m.duration_s for m in measured)
    assert total == pytest.approx(budget, rel=0.05)
    assert 1.5 * 60 < total / 20 < 5 * 60  # "~2–5 min per location without imaging"
    print(
        f"\n20-location emulated campaign: {total / 3600:.3f} h ({total / 20:.1f} s per "
        f"location); §1.5 budget {budget / 3600:.3f} h"
    )


def test_unarmed_real_port_is_a_dry_run(tmp_path) -> None:
    cfg = lab_config(tmp_path, "/dev/ttyUSB-never-opened")
    cfg["stop"] = {"max_points": 2}
    code, run_dir = run(tmp_path, cfg)
    assert code == 0
    records = journal(run_dir)
    assert records[0]["dry_run"] is True and records[0]["armed"] is False
    assert any(r.get("dir") == "tx" and "move abs" in r.get("line", "") for r in records)


def test_armed_real_port_that_does_not_exist_fails_cleanly(tmp_path, capsys) -> None:
    cfg = lab_config(tmp_path, "/dev/ttyUSB-does-not-exist")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "-q", "--arm-hardware"]) == 3
    assert "cannot open '/dev/ttyUSB-does-not-exist'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("stall@9", "SafetyError"),  # x move of the 5th location stalls: FS
        ("busy@9", "HardwareTimeoutError"),  # stuck BUSY: timeout, stop sent
        ("drop@60x3", "HardwareTimeoutError"),  # three replies lost in a row
        ("powercycle@60", "PowerCycleError"),  # NUL on the line, reference lost
    ],
)
def test_fault_mid_campaign_is_safe_logged_and_resumable(tmp_path, fault, error) -> None:
    register_url_handler()
    name = f"fault-{fault}-{next(_names)}"
    cfg = lab_config(tmp_path, emu_url(name, f"&fault={fault}"))
    cfg["stop"] = {"max_points": 8}
    code, run_dir = run(tmp_path, cfg)
    assert code == 3
    log = read_events(run_dir / "events.jsonl")
    assert log.torn_tail is None
    faults = [e for e in log.events if isinstance(e, Fault)]
    assert len(faults) == 1 and faults[0].error == error
    safe = faults[0].safe_state
    assert safe["state"] == "FAULT" and safe["bias_v"] == 0.0 and safe["probe"] == "retracted"
    stopped = log.events[-1]
    assert isinstance(stopped, RunStopped) and stopped.status == "fault"
    records = journal(run_dir)
    last_safe = [r for r in records if r["kind"] == "safe_state"][-1]
    assert last_safe["stage_stopped"] is True and last_safe["retracted"] is True
    n_before = len([e for e in log.events if isinstance(e, Measured)])
    assert 1 <= n_before < 8
    emulator = get_emulator("zaber", name)
    emulator.clear_faults()  # the operator fixes the cause and clears the controller
    assert main(["resume", str(run_dir), "-q"]) == 0
    after = read_events(run_dir / "events.jsonl")
    ids = [e.location_id for e in after.events if isinstance(e, Measured)]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert [e.location_id for e in after.events if isinstance(e, Measured)][:n_before] == ids[
        :n_before
    ]


def test_resume_refuses_while_the_stall_is_not_cleared(tmp_path) -> None:
    name = f"uncleared-{next(_names)}"
    cfg = lab_config(tmp_path, emu_url(name, "&fault=stall@3"))
    cfg["stop"] = {"max_points": 4}
    code, run_dir = run(tmp_path, cfg)
    assert code == 3
    assert main(["resume", str(run_dir), "-q"]) == 3
    refusals = [r for r in journal(run_dir) if r.get("decision") == "refuse"]
    assert refusals[-1]["rule"] == "stage_faults" and "FS" in refusals[-1]["faults"]


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (
            lambda i: i["safety"].update(soft_limits={"x_mm": [0, 80], "y_mm": [0, 6]}),
            "safety.soft_limits.x_mm",
        ),
        (lambda i: i["safety"].update(bias_limit_v=50.0), "safety.bias_limit_v"),
        (lambda i: i.update(sspfm={"v_max": 12.0}), "sspfm.v_max"),
        (lambda i: i["stage"].update(kind="newport"), "instrument.stage"),
        (lambda i: i["stage"].pop("port"), "instrument.stage"),
        (
            lambda i: i["safety"].update(soft_limits={"x_mm": [0, 5], "y_mm": [0, 6]}),
            "instrument.safety.soft_limits",
        ),
    ],
)
def test_bad_lab_config_is_one_line(tmp_path, capsys, mutate, key) -> None:
    cfg = lab_config(tmp_path, emu_url("never-used"))
    inst = copy.deepcopy(cfg["instrument"])
    mutate(inst)
    cfg["instrument"] = inst
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0], err
    assert not math.isnan(0.0)
