"""`explorer emulate`: the Zaber and Prior emulators serve and stop; `explorer emulate nanonis`
as a separate process, driven by SPECS' unmodified client through approach, bias set/get, a
Follow Me move, a bias spectroscopy and a withdraw; a bad option is one line. Every example
campaign validates."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from explorer.cli import main
from hardware.emulators.server import free_port
from tests.conftest import CAMPAIGNS
from tests.hardware.nanonis_bench import nanonis_spm

REPO = Path(__file__).resolve().parents[3]


def _serve(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "explorer", "emulate", "nanonis", "--port", str(port),
           "--time-scale", "0.01", "--serve-s", "60"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert "nanonis emulator listening on 127.0.0.1:" in proc.stdout.readline()
    return proc


def test_the_vendor_client_drives_the_emulate_command() -> None:
    port = free_port()
    proc = _serve(port)
    try:
        nanonis = nanonis_spm.Nanonis(socket.create_connection(("127.0.0.1", port), timeout=5))
        nanonis.Bias_Set(1.0)
        assert nanonis.Bias_Get()[2] == [1.0]
        nanonis.AutoApproach_Open()
        nanonis.AutoApproach_OnOffSet(1)
        deadline = time.monotonic() + 20
        while nanonis.AutoApproach_OnOffGet()[2][0] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert nanonis.ZCtrl_OnOffGet()[2] == [1]
        assert nanonis.FolMe_XYPosSet(1e-6, 1e-6, 1)[0] == ""
        nanonis.LockIn_ModSignalSet(1, 24)
        nanonis.LockIn_DemodSignalSet(1, 1)
        nanonis.LockIn_ModOnOffSet(1, 1)
        nanonis.BiasSpectr_ChsSet([2, 3])
        nanonis.BiasSpectr_MLSModeSet("MLS")
        nanonis.BiasSpectr_MLSValsSet(2, [5.0, 0.0], [5.0, 0.0], [0.0] * 2, [0.0] * 2,
                                      [0.001] * 2, [4, 4], [1, 1])  # fmt: skip
        err, _, values = nanonis.BiasSpectr_Start(1, "")
        assert err == "" and values[2][1:] == ["LI Demod 1 X (V)", "LI Demod 1 Y (V)"]
        np.testing.assert_allclose(values[5][0], [5.0] * 4 + [0.0] * 4)
        nanonis.ZCtrl_Withdraw(1, 2000)
        assert nanonis.ZCtrl_OnOffGet()[2] == [0]
        nanonis.close()
    finally:
        proc.kill()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()


def test_a_campaign_without_a_sample_serves_smbfo_at_a_fixed_composition(tmp_path) -> None:
    from explorer.cli.emulate import _nanonis_sample

    cfg = yaml.safe_load((CAMPAIGNS / "nanonis-emulated.yaml").read_text())
    cfg["instrument"]["pfm"]["sample"] = None
    del cfg["library"]["composition"]
    path = tmp_path / "no-sample.yaml"
    path.write_text(yaml.safe_dump(cfg))
    sample, composition_at, seed = _nanonis_sample(path)
    assert sample.name == "smbfo" and composition_at(3.0, 4.0) == {"Sm": 0.1}
    assert seed == cfg["seed"]


def test_bad_options_are_one_line(capsys) -> None:
    assert main(["emulate", "nanonis", "--time-scale", "0"]) == 2
    assert "--time-scale 0.0: give a positive factor" in capsys.readouterr().err
    assert main(["emulate", "xyz"]) == 2
    assert "is not one of: zaber, prior, nanonis" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_campaign_validates(path, capsys) -> None:
    from tests.campaigns.test_examples import example  # external data: skip when absent

    assert main(["validate", str(example(path))]) == 0, capsys.readouterr().err


def test_emulate_serves_and_stops(capsys) -> None:
    assert main(["emulate", "zaber", "--port", "0", "--serve-s", "0"]) == 0
    assert "zaber emulator listening on socket://127.0.0.1:" in capsys.readouterr().out


def test_emulate_on_a_pty(capsys) -> None:
    assert main(["emulate", "prior", "--pty", "--serve-s", "0"]) == 0
    assert "prior emulator listening on /dev/" in capsys.readouterr().out


def test_emulate_rejects_bad_input(capsys) -> None:
    assert main(["emulate", "newport", "--serve-s", "0"]) == 2
    assert main(["emulate", "zaber", "--fault", "explode@1", "--serve-s", "0"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "not one of: zaber, prior" in err[0] and "--fault" in err[1]
