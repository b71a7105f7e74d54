"""`explorer emulate` serves and stops; every example campaign validates."""

from __future__ import annotations

import pytest

from explorer.cli import main
from tests.conftest import CAMPAIGNS


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_campaign_validates(path, capsys, tmp_path) -> None:
    from tests.campaigns.test_examples import example  # replay examples: data prepared or skip

    assert main(["validate", str(example(path, tmp_path))]) == 0, capsys.readouterr().err


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
