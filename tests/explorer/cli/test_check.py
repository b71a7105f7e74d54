"""`explorer check-igor`: a lab's Igor set-up checked read-only against the fake Igor (which
answers WinType / exists / ControlInfo / GV like Igor and executes nothing else here)."""

from __future__ import annotations

import re

import pytest

from explorer.cli import main
from hardware.clock import SimClock
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.sim import SimWorld
from hardware.vendors.asylum import CONTROLS, USER_FUNCTIONS
from tests.hardware.fake_igor import FakeIgor

pytest.importorskip("igor2")

PROCEDURES = """#pragma rtGlobals=3
Function GetTune()
End
ThreadSafe Function/S CXWithdraw(clearance_um)
  Variable clearance_um
End
static  Function  CXSetSSSteps(n)
  Variable n
End
"""


@pytest.fixture
def igor(tmp_path):
    def start(**kwargs):
        world = SimWorld(SmBFOSample(SmBFOParams(), 1), lambda x, y: {"Sm": 0.1}, 1, SimClock())
        fake = FakeIgor(tmp_path / "exchange", world, **kwargs).start()
        started.append(fake)
        return fake

    (tmp_path / "exchange").mkdir()
    started: list[FakeIgor] = []
    yield start
    for fake in started:
        fake.stop()


def test_a_complete_set_up_passes_and_nothing_is_pressed(igor, tmp_path, capsys) -> None:
    fake = igor()
    ipf = tmp_path / "CombiLab.ipf"
    ipf.write_text(PROCEDURES)
    code = main(["check-igor", str(tmp_path / "exchange"), "--procedures", str(ipf)])
    text = capsys.readouterr().out
    assert code == 0, text
    lines = text.strip().splitlines()
    assert not [line for line in lines if line.startswith("PROBLEM")]
    for name in [*CONTROLS, *USER_FUNCTIONS, "HVAGain", "exchange folder", "igor2"]:
        assert any(name in line for line in lines), name
    assert lines[-1] == f"all {len(lines) - 1} checks passed"
    read_only = re.compile(
        r"Make/N=\d+/O ReadOut|ControlInfo/W=\w+ \w+|Save/O/G/J ReadOut as .+"
        r'|ReadOut\[\d+\]=(V_Flag|(WinType|exists|GV)\("\w+"\))'
    )
    assert all(read_only.fullmatch(line) for line in fake.executed)
    assert len(fake.command_files) == 2  # two read-only round trips
    assert not (tmp_path / "exchange" / "buffer" / "ToIgor.arcmd").exists()


def test_missing_procedures_controls_and_panels_are_named(igor, tmp_path, capsys) -> None:
    igor(missing=frozenset({"CXSetSSSteps", "DoTuneDFRT_3", "NapPanel"}))
    ipf = tmp_path / "old.ipf"
    ipf.write_text("Function GetTune()\nEnd\n")
    code = main(["check-igor", str(tmp_path / "exchange"), "--procedures", str(ipf)])
    captured = capsys.readouterr()
    fails = [line for line in captured.out.splitlines() if line.startswith("PROBLEM")]
    assert code == 3
    assert captured.err.strip() == "error: 5 problem(s) in the Igor set-up; fix before arming"
    assert fails == [
        "PROBLEM  function CXWithdraw: not declared in old.ipf; add it: "
        + USER_FUNCTIONS["CXWithdraw"],
        "PROBLEM  function CXSetSSSteps: not declared in old.ipf; add it: "
        + USER_FUNCTIONS["CXSetSSSteps"],
        "PROBLEM  panel NapPanel: not open; open it in the Asylum software first",
        "PROBLEM  function CXSetSSSteps: Igor does not know it (include the lab procedure file "
        "that declares it: " + USER_FUNCTIONS["CXSetSSSteps"] + ")",
        "PROBLEM  control DoTuneDFRT_3 on DART: no such control; this Asylum version names it "
        "differently (see docs/asylum-igor.md)",
    ]


def test_no_igor_times_out_and_leaves_no_command_behind(tmp_path, capsys) -> None:
    (tmp_path / "exchange").mkdir()
    code = main(["check-igor", str(tmp_path / "exchange"), "--timeout-s", "0.2"])
    out = capsys.readouterr().out
    assert code == 3
    assert (
        "PROBLEM  Igor round trip: Igor did not execute the command file within 0.2 s; is Igor "
        "running and watching" in out
    )
    assert not (tmp_path / "exchange" / "buffer" / "ToIgor.arcmd").exists()


def test_missing_folder_and_windows_path(tmp_path, capsys) -> None:
    assert main(["check-igor", str(tmp_path / "nope"), "--no-probe"]) == 3
    assert "does not exist; create it or fix pfm.exchange_dir" in capsys.readouterr().out
    assert main(["check-igor", r"C:\Users\lab\exchange"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a Windows path" in err[0]


def test_campaign_yaml_gives_the_exchange_folder(igor, tmp_path, capsys) -> None:
    import yaml

    from tests.conftest import CAMPAIGNS

    igor()
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["pfm"] = {"kind": "asylum", "exchange_dir": str(tmp_path / "exchange")}
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["check-igor", str(path)]) == 0, capsys.readouterr().out
    cfg["instrument"]["pfm"] = {"kind": "sim"}
    path.write_text(yaml.safe_dump(cfg))
    assert main(["check-igor", str(path)]) == 2
    assert "instrument.pfm is not kind asylum" in capsys.readouterr().err
