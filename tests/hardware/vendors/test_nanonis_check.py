"""The read-only Nanonis session check against the emulator: it reports the slots, frame,
bias and states, flags what must be fixed, and sends nothing but *Get commands."""

from __future__ import annotations

import pytest

from hardware.errors import HardwareError
from hardware.vendors.nanonis import NanonisSettings
from hardware.vendors.nanonis_check import check_session
from tests.hardware.nanonis_bench import bench


def test_a_good_session_reports_names_and_changes_nothing() -> None:
    with bench() as (emu, server, _clock):
        emu.bias_v = 0.5
        findings = check_session(
            NanonisSettings(port=server.port), bias_limit_v=10.0, spots=1, spot_pitch_um=3.0
        )
        assert all(f.ok for f in findings), findings
        text = "\n".join(f.text for f in findings)
        assert "lockin_x_signal 2 is 'LI Demod 1 X (V)'" in text
        assert "holds 9 spots per location" in text and "bias 0.5 V" in text
        assert emu.bias_v == 0.5 and not emu.zctrl_on and emu.gap_um == 100.0
        assert not emu.lockins[1].on and emu.folme_m == (0.0, 0.0)


def test_problems_are_named() -> None:
    with bench() as (emu, server, _clock):
        emu.bias_v = 12.0
        settings = NanonisSettings(port=server.port, lockin_x_signal=40, lockin_y_signal=40)
        findings = check_session(settings, bias_limit_v=10.0, spots=16, spot_pitch_um=3.0)
        problems = [f.text for f in findings if not f.ok]
        assert len(problems) == 5, problems
        assert "lockin_x_signal 40 is not among the 32 signals" in problems[0]
        assert "the same slot" in problems[2] and "enlarge the frame" in problems[3]
        assert problems[4] == "bias 12 V (limit ±10 V)"


def test_an_unreachable_session_is_one_error() -> None:
    with bench() as (_emu, server, _clock):
        port = server.port
    with pytest.raises(HardwareError, match="cannot reach the Nanonis software"):
        check_session(NanonisSettings(port=port), bias_limit_v=10, spots=1, spot_pitch_um=3)
