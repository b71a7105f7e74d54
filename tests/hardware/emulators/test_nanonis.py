"""The Nanonis emulator, driven by SPECS' unmodified client `nanonis_spm`, which encodes every
request and decodes every reply itself: approach, bias set/get, Follow Me, bias spectroscopy
(MLS) with lock-in channels, withdraw; refusals come back in the error section."""

from __future__ import annotations

import numpy as np

from hardware.emulators.nanonis import BIAS, CRASH_DEFLECTION_V, LI_X, LI_Y, Z_RANGE_M
from tests.hardware.nanonis_bench import bench, client


def _approach(nanonis, clock) -> None:
    nanonis.AutoApproach_Open()
    nanonis.AutoApproach_OnOffSet(1)
    polls = 0
    while nanonis.AutoApproach_OnOffGet()[2][0]:
        clock.sleep(0.5)
        polls += 1
        assert polls < 200
    assert polls > 10  # the approach takes (virtual) time


def test_vendor_client_approach_bias_move_spectroscopy_withdraw() -> None:
    with bench() as (emu, server, clock):
        nanonis = client(server)
        err, _, (bias,) = nanonis.Bias_Get()
        assert err == "" and bias == 0.0
        assert nanonis.Bias_Set(2.5)[0] == ""
        assert nanonis.Bias_Get()[2] == [2.5]
        assert nanonis.ZCtrl_OnOffGet()[2] == [0]
        _approach(nanonis, clock)
        assert nanonis.ZCtrl_OnOffGet()[2] == [1]
        assert 0 < nanonis.ZCtrl_ZPosGet()[2][0] < Z_RANGE_M
        _cx, _cy, w, h, _angle = nanonis.Scan_FrameGet()[2]
        assert (w, h) == (np.float32(10e-6), np.float32(10e-6))
        assert nanonis.FolMe_XYPosSet(2e-6, -1e-6, 1)[0] == ""
        assert nanonis.FolMe_XYPosGet(1)[2] == [2e-6, -1e-6]
        nanonis.LockIn_ModSignalSet(1, BIAS)  # PFM: modulate the bias ...
        nanonis.LockIn_DemodSignalSet(1, 1)  # ... and demodulate the deflection
        assert nanonis.LockIn_ModSignalGet(1)[2] == [BIAS]
        nanonis.LockIn_ModAmpSet(1, 0.1)
        nanonis.LockIn_ModOnOffSet(1, 1)
        nanonis.LockIn_ModPhasFreqSet(1, emu.landing.spot.f0_hz)
        assert nanonis.LockIn_ModOnOffGet(1)[2] == [1]
        nanonis.BiasSpectr_Open()
        nanonis.BiasSpectr_ChsSet([LI_X, LI_Y])
        assert nanonis.BiasSpectr_MLSModeSet("MLS")[0] == ""
        writes = [8.0, 0.0, -8.0, 0.0]
        n = len(writes)
        nanonis.BiasSpectr_MLSValsSet(
            n, writes, list(writes), [0.01] * n, [0.001] * n, [0.004] * n, [6] * n, [1] * n
        )
        t0 = clock.now_s()
        err, _, values = nanonis.BiasSpectr_Start(1, "")
        assert err == ""
        _size, n_channels, names, rows, cols, data = values[:6]
        assert names == ["Bias calc (V)", "LI Demod 1 X (V)", "LI Demod 1 Y (V)"]
        assert (n_channels, rows, cols) == (3, 3, 24) and data.shape == (3, 24)
        assert clock.now_s() - t0 > n * 6 * 0.005  # the sweep took its settling + integration
        np.testing.assert_allclose(data[0], np.repeat(writes, 6))
        z = (data[1] + 1j * data[2]).reshape(n, 6).mean(axis=1)
        # +8 V and −8 V write opposite domains: the off-field reads are anti-parallel
        assert np.real(z[1] * np.conj(z[3])) < 0 and abs(z[1]) > 0.3 * abs(z[0])
        history = len(emu.landing.writes_v)
        assert nanonis.Bias_Pulse(1, 0.1, 6.0, 0, 2)[0] == ""  # a write pulse of 6 V, 100 ms
        assert emu.landing.writes_v[history:] == [6.0] and emu.bias_v == 0.0
        nanonis.ZCtrl_Withdraw(1, 1000)
        assert nanonis.ZCtrl_OnOffGet()[2] == [0]
        assert nanonis.ZCtrl_ZPosGet()[2] == [np.float32(Z_RANGE_M)]
        nanonis.Motor_StartMove(4, 500, 0, 1)
        assert emu.gap_um == 50.0
        nanonis.close()


def test_refusals_come_back_in_the_error_section() -> None:
    with bench() as (_emu, server, _clock):
        nanonis = client(server)
        nanonis.BiasSpectr_MLSValsSet(1, [1.0], [1.0], [0.0], [0.0], [0.0], [2], [1])
        err, _, values = nanonis.BiasSpectr_Start(1, "")
        assert "not in contact" in err and values[:2] == [0, 0]
        assert "modulator 9" in nanonis.LockIn_ModOnOffGet(9)[0]
        err = nanonis.FolMe_XYPosSet(20e-6, 0.0, 1)[0]
        assert "outside the scan frame" in err
        n = 17
        err = nanonis.BiasSpectr_MLSValsSet(
            n, [1.0] * n, [1.0] * n, [0.0] * n, [0.0] * n, [0.0] * n, [1] * n, [1] * n
        )[0]
        assert "1 to 16" in err
        assert "Linear" in nanonis.BiasSpectr_MLSModeSet("Linear")[0]
        assert "no surface" in nanonis.ZCtrl_OnOffSet(1)[0]
        assert nanonis.quickSend("Foo.Bar", [], [], [])[0] == "Command not found: Foo.Bar"
        assert nanonis.Bias_Get()[0] == ""  # the connection survives every refusal
        nanonis.close()


def test_off_the_wafer_no_contact_and_on_a_clamp_a_crash() -> None:
    with bench(position_mm=(45.0, 45.0), sample="alscbn") as (_emu, server, clock):
        nanonis = client(server)
        _approach(nanonis, clock)
        assert nanonis.ZCtrl_OnOffGet()[2] == [0]
        assert nanonis.Signals_ValsGet([1, BIAS], 1)[2][1] == [(0.0,), (0.0,)]
        nanonis.close()
    with bench(position_mm=(12.0, 25.0), sample="alscbn") as (_emu, server, clock):
        nanonis = client(server)
        _approach(nanonis, clock)
        assert nanonis.ZCtrl_OnOffGet()[2] == [1]
        assert nanonis.Signals_ValsGet([1], 1)[2][1] == [(CRASH_DEFLECTION_V,)]
        nanonis.close()
