"""Nanonis switching spectroscopy pieces: channel keys from names and units, the MLS plan
(8 write steps per sweep, write then read), refusals before anything is sent."""

from __future__ import annotations

import math

import pytest

from hardware.errors import HardwareError
from hardware.journal import Journal
from hardware.protocols import Site, SSParams
from hardware.vendors.nanonis import NanonisLink, NanonisProbe, NanonisSettings
from hardware.vendors.nanonis_sspfm import NanonisPFM, channel_key
from tests.hardware.nanonis_bench import bench


def test_channel_keys_carry_name_and_unit() -> None:
    assert channel_key("LI Demod 1 X (V)") == "li_demod_1_x_v"
    assert channel_key("Bias calc (V)") == "bias_calc_v"
    assert channel_key("Current (A)") == "current_a"
    assert math.isclose(NanonisSettings().lockin_v_per_au, 1e-3)


def test_the_mls_plan_and_refusals() -> None:
    with bench() as (_emu, server, clock):
        journal = Journal(None, clock.now_s)
        probe = NanonisProbe(NanonisLink(NanonisSettings(port=server.port), journal), clock,
                             bias_limit_v=5.0)  # fmt: skip
        probe.connect(timeout_s=5.0)
        pfm = NanonisPFM(probe)
        with pytest.raises(HardwareError, match=r"beyond ±5\.0 V"):
            pfm.switching_spectroscopy(
                SSParams(v_max=8.0, mode="single"), Site(1, 0, 0), timeout_s=9
            )
        assert probe.approach(timeout_s=60.0).ok
        pfm.enter_mode(timeout_s=5.0)
        pfm.switching_spectroscopy(
            SSParams(v_max=4.0, steps_per_cycle=8, cycles=2, mode="single"), Site(1, 0, 0),
            timeout_s=60.0,
        )  # fmt: skip
        plans = [r["args"] for r in journal.records
                 if r.get("command") == "BiasSpectr.MLSValsSet" and r["kind"] == "command"]  # fmt: skip
        assert [p[0] for p in plans] == [16, 16]  # 16 steps: two sweeps of 8 write/read pairs
        assert plans[0][1][:4] == [2.0, 0.0, 4.0, 0.0]  # write, read at 0 V, write, read
        probe.close()
