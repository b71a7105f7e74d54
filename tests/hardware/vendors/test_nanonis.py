"""The Nanonis probe and PFM (hardware/vendors/nanonis*.py) against the emulator, through
SPECS' client: every command journaled, every wait bounded, refusals and a lost connection
raised as HardwareError, lock-in loops recorded with channel names and units."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hardware.assembly.samples import build_sample
from hardware.assembly.specs import SampleSpec
from hardware.clock import RealClock
from hardware.emulators.nanonis import NanonisEmulator, NanonisTiming
from hardware.emulators.nanonis_server import NanonisTCPServer
from hardware.errors import HardwareError, HardwareTimeoutError
from hardware.journal import Journal
from hardware.protocols import ProbeState, Site, SSParams
from hardware.vendors.nanonis import NanonisLink, NanonisProbe, NanonisSettings, client_class
from hardware.vendors.nanonis_sspfm import NanonisPFM
from tests.hardware.nanonis_bench import bench


def _devices(server, clock, **settings):
    journal = Journal(None, clock.now_s)
    link = NanonisLink(NanonisSettings(port=server.port, **settings), journal)
    probe = NanonisProbe(link, clock, bias_limit_v=10.0)
    probe.connect(timeout_s=5.0)
    return probe, NanonisPFM(probe), journal


def _commands(journal: Journal) -> list[str]:
    return [r["command"] for r in journal.records if r["kind"] == "command"]


def test_withdraw_approach_tune_and_a_lockin_loop_with_names_and_units() -> None:
    with bench() as (emu, server, clock):
        probe, pfm, journal = _devices(server, clock)
        assert probe.signal_names[2] == "LI Demod 1 X (V)" and probe.frame_m[2] == pytest.approx(
            1e-5
        )
        probe.retract(clearance_um=70.0, timeout_s=10.0)
        assert probe.clearance_um == pytest.approx(70.0) and emu.gap_um == pytest.approx(170.0)
        result = probe.approach(timeout_s=60.0)
        assert result.ok and probe.state is ProbeState.ENGAGED and result.deflection_v == 0.5
        pfm.enter_mode(timeout_s=10.0)
        assert (emu.lockins[1].modulated_signal, emu.lockins[1].demodulated_signal) == (24, 1)
        res = probe.tune(center_hz=350e3, width_hz=100e3, timeout_s=30.0)
        assert res.f0_hz == pytest.approx(emu.landing.spot.f0_hz, rel=2e-3)
        assert res.q == pytest.approx(emu.landing.spot.q, rel=0.2)
        params = SSParams(v_max=8.0, steps_per_cycle=16, cycles=2, mode="single")
        out = pfm.switching_spectroscopy(params, Site(1, 5.0, 3.0, 3.0, 0.0), timeout_s=300.0)
        assert emu.folme_m == pytest.approx((3e-6, 0.0))
        assert out["sspfm.lockin_on"].shape == out["sspfm.lockin_off"].shape == (32, 2)
        assert out["sspfm.sf_on"].shape == (32, 3) and set(out["sspfm.sf_on"][:, 2]) == {20e3}
        assert emu.lockins[1].freq_hz == 20e3  # the loop ran at the single drive frequency
        traces = {k for k in out if ".trace_" in k}
        assert traces == {"sspfm.trace_bias_calc_v", "sspfm.trace_li_demod_1_x_v",
                          "sspfm.trace_li_demod_1_y_v"}  # fmt: skip
        assert out["sspfm.trace_bias_calc_v"].size == 32 * 2 * 5  # write + read, 5 points each
        pr = out["sspfm.pr_off"]
        assert np.ptp(pr) > 0.5 * 2 * emu.landing.spot.loop.r  # a switching loop, not noise
        notes = [r for r in journal.records if r.get("message") == "spectroscopy channels"]
        assert len(notes) == 4 and notes[0]["units"] == ["V", "V", "V"]  # 8 steps per MLS call
        starts = _commands(journal).count("BiasSpectr.Start")
        assert starts == 4 and _commands(journal).count("BiasSpectr.MLSValsSet") == 4
        health = pfm.tip_check(timeout_s=60.0)
        assert health.f0_hz == pytest.approx(emu.landing.spot.f0_hz, rel=2e-3)  # this spot
        assert health.sensitivity > 0
        probe.set_bias(5.0, ramp_v_per_s=50.0, timeout_s=10.0)
        sets = [
            r for r in journal.records if r.get("command") == "Bias.Set" and r["kind"] == "command"
        ]
        assert len(sets) == 2 and emu.bias_v == 5.0 and probe.bias_v == 5.0  # 0.1 s ramp, 2 steps
        pfm.leave_mode(timeout_s=5.0)
        probe.retract(clearance_um=50.0, timeout_s=10.0)
        assert not emu.zctrl_on and probe.state is ProbeState.RETRACTED
        replies = [r for r in journal.records if r["kind"] == "reply"]
        assert len(replies) == len(_commands(journal)) - 1  # all but `connect` get a reply
        probe.close()


def test_refusals_limits_and_timeouts() -> None:
    with bench(approach_s=1e6) as (_emu, server, clock):
        probe, pfm, journal = _devices(server, clock)
        with pytest.raises(HardwareError, match="beyond the amplifier range"):
            probe.set_bias(12.0, ramp_v_per_s=50.0, timeout_s=5.0)
        with pytest.raises(HardwareError, match="tune needs the probe engaged"):
            probe.tune(center_hz=350e3, width_hz=1e3, timeout_s=5.0)
        t0 = clock.now_s()
        with pytest.raises(HardwareTimeoutError, match="did not finish within 30 s"):
            probe.approach(timeout_s=30.0)
        assert 30.0 <= clock.now_s() - t0 < 32.0
        assert _commands(journal)[-2:] == ["AutoApproach.OnOffSet", "ZCtrl.Withdraw"]
        with pytest.raises(HardwareError, match=r"single-frequency SS-PFM \(mode: single\)"):
            pfm.switching_spectroscopy(SSParams(mode="dart"), Site(1, 0.0, 0.0), timeout_s=5.0)
        with pytest.raises(HardwareError, match="outside the scan frame"):
            pfm.move_tip(Site(1, 0.0, 0.0, 6.0, 0.0), timeout_s=5.0)
        with pytest.raises(HardwareError, match=r"Nanonis refused BiasSpectr\.MLSModeSet"):
            probe.link.call("BiasSpectr_MLSModeSet", "Linear")
        probe.close()


def test_a_crash_on_a_clamp_is_a_probe_fault() -> None:
    with bench(position_mm=(12.0, 25.0), sample="alscbn") as (_emu, server, clock):
        probe, _pfm, _journal = _devices(server, clock)
        result = probe.approach(timeout_s=60.0)
        assert not result.ok and "crashed" in result.reason
        assert probe.state is ProbeState.FAULT
        probe.close()


def test_a_lost_connection_is_one_hardware_error() -> None:
    with bench() as (_emu, server, clock):
        probe, _pfm, journal = _devices(server, clock)
        server.stop()
        with pytest.raises(HardwareError, match=r"lost the Nanonis connection during Bias\.Set"):
            probe.set_bias(0.0, ramp_v_per_s=1e6, timeout_s=5.0)
        with pytest.raises(HardwareError, match=r"ZCtrl\.Withdraw: the Nanonis connection is lost"):
            probe.retract(clearance_um=50.0, timeout_s=5.0)  # one reconnect, refused
        assert [r["message"] for r in journal.records if r["kind"] == "note"] == [
            "reconnecting after Bias.Set"
        ]
    settings = NanonisSettings(port=server.port)
    probe = NanonisProbe(NanonisLink(settings, Journal(None, clock.now_s)), clock, bias_limit_v=1)
    with pytest.raises(HardwareError, match="cannot reach the Nanonis software"):
        probe.connect(timeout_s=1.0)


def test_after_a_restart_the_next_command_reconnects() -> None:
    with bench() as (emu, server, clock):
        probe, _pfm, journal = _devices(server, clock)
        server.stop()
        with pytest.raises(HardwareError):
            probe.set_bias(1.0, ramp_v_per_s=1e6, timeout_s=5.0)
        again = NanonisTCPServer(emu, server.port).start()
        try:
            probe.set_bias(2.0, ramp_v_per_s=1e6, timeout_s=5.0)
        finally:
            probe.close()
            again.stop()
        assert emu.bias_v == 2.0
        connects = [r for r in journal.records if r.get("command") == "connect"]
        assert len(connects) == 2


def test_a_sweep_cut_off_by_its_timeout_is_stopped_before_the_safe_path() -> None:
    clock = RealClock()
    emu = NanonisEmulator(clock, build_sample(SampleSpec("smbfo", "none"), 3), lambda x, y: {"Sm": 0.1},
                          lambda: (5.0, 3.0), timing=NanonisTiming(approach_s=0.0,
                          approach_um_per_s=1e9))  # fmt: skip
    server = NanonisTCPServer(emu, 0).start()
    try:
        probe, _pfm, journal = _devices(server, clock)
        assert probe.approach(timeout_s=5.0).ok
        probe.link.call(
            "BiasSpectr_MLSValsSet",
            2,
            [4.0, 0.0],
            [4.0, 0.0],
            [0.0, 0.0],
            [0.0, 0.0],
            [0.1, 0.1],
            [4, 4],
            [1, 1],
        )  # fmt: skip  (0.8 s of sweep)
        with pytest.raises(HardwareTimeoutError, match=r"BiasSpectr\.Start in time"):
            probe.link.call("BiasSpectr_Start", 1, "", timeout_s=0.2)
        probe.set_bias(0.0, ramp_v_per_s=1e6, timeout_s=5.0)  # what the facade's safe path does
        probe.close()
        sent = _commands(journal)
        assert sent[-4:] == ["connect", "BiasSpectr.Stop", "Bias.Set", "Bias.Get"]
    finally:
        server.stop()


def test_without_the_extra_the_error_names_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "nanonis_spm", None)  # import fails as if not installed
    with pytest.raises(HardwareError, match=r"pip install 'combi-explorer\[nanonis\]'"):
        client_class()
