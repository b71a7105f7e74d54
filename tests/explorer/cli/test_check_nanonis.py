"""`explorer check-nanonis CAMPAIGN` against an emulated Nanonis session."""

from __future__ import annotations

import yaml

from explorer.cli import main
from tests.conftest import CAMPAIGNS
from tests.hardware.nanonis_bench import bench


def test_check_reports_and_exit_codes(tmp_path, capsys) -> None:
    path = tmp_path / "c.yaml"
    path.write_text((CAMPAIGNS / "nanonis-emulated.yaml").read_text())
    with bench() as (emu, server, _clock):
        assert main(["check-nanonis", str(path), "--port", str(server.port)]) == 0
        out = capsys.readouterr().out
        assert "ok       deflection_signal 1 is 'Normal Deflection (V)'" in out
        emu.bias_v = 11.0
        assert main(["check-nanonis", str(path), "--port", str(server.port)]) == 3
        captured = capsys.readouterr()
        assert "PROBLEM  bias 11 V (limit ±10 V)" in captured.out
        assert "1 problem(s) in the Nanonis session" in captured.err


def test_a_campaign_without_nanonis_is_refused(tmp_path, capsys) -> None:
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    path = tmp_path / "z.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["check-nanonis", str(path)]) == 2
    assert "is not {kind: lab, pfm: {kind: nanonis}}" in capsys.readouterr().err
