"""The Asylum/Igor file bridge against a fake Igor that watches the exchange folder."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.clock import SimClock
from hardware.errors import HardwareTimeoutError
from hardware.instrument import PFMInstrument
from hardware.journal import Journal
from hardware.pfm.loops import loop_metrics
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.protocols import SSParams
from hardware.safety import SafetyPolicy
from hardware.sim import SimTiming, SimWorld
from hardware.stages.sim import SimStage
from hardware.vendors.asylum import AsylumBridge, AsylumPFM, AsylumProbe
from tests.hardware.fake_igor import FakeIgor

pytest.importorskip("igor2")


@pytest.fixture
def rig(tmp_path):
    clock = SimClock()
    world = SimWorld(SmBFOSample(SmBFOParams(), 2), lambda x, y: {"Sm": 0.16}, 2, clock)
    igor = FakeIgor(tmp_path, world).start()
    journal = Journal(None, clock.now_s)
    bridge = AsylumBridge(
        tmp_path, journal, clock, command_timeout_s=10, data_timeout_s=10, poll_s=0.002
    )
    yield world, igor, bridge, journal
    igor.stop()


def test_measurement_through_igor(rig) -> None:
    world, igor, bridge, journal = rig
    policy = SafetyPolicy(((-10.0, 10.0), (-10.0, 10.0)), settle_s=30.0, tip_check_every=1)
    inst = PFMInstrument(
        SimStage(world, SimTiming()),
        AsylumProbe(bridge, bias_limit_v=10.0),
        AsylumPFM(bridge),
        policy,
        clock=world.clock,
        journal=journal,
        recipe=SSParams(),
        armed=True,
    )
    m = inst.measure_at(1, 2.0, 1.0, timeout_s=900)
    bias, pr = m.arrays["sspfm.bias_v"], m.arrays["sspfm.pr_off"]
    assert bias.shape == pr.shape == (128,)
    metrics = loop_metrics(bias[64:], pr[64:])
    assert metrics.fit_r2 > 0.8 and metrics.loop_height > 5.0
    q = m.arrays["sspfm.q_off"]
    assert np.nanmedian(q) == pytest.approx(SmBFOParams().q_mean, rel=0.35)
    executed = "\n".join(igor.executed)
    for control in (
        "MotorEngageButton_0",
        "DoTuneDFRT_3",
        "GetTune()",
        "SingleForce_2",
        "CXWithdraw",
        "ZeroLDPDButton_1",
    ):
        assert control in executed
    assert igor.files == 4  # two tunes, a tip check, one SS file
    inst.close()


def test_readout_round_trip(rig) -> None:
    _, _, bridge, _ = rig
    assert bridge.read_values(["HVAGain", "DeflVolts"]) == [1.0, 0.5]


def test_igor_that_never_answers_times_out(tmp_path) -> None:
    clock = SimClock()
    bridge = AsylumBridge(
        tmp_path, Journal(None, clock.now_s), clock, command_timeout_s=0.05, poll_s=0.005
    )
    with pytest.raises(HardwareTimeoutError, match="execute the command file"):
        bridge.execute(['PV("XOffset", 0)'])
    with pytest.raises(HardwareTimeoutError, match="take the previous command"):
        bridge.execute(['PV("XOffset", 0)'])


def test_lab_config_with_zaber_stage_and_asylum_pfm(tmp_path) -> None:
    """`instrument: {kind: lab, stage: zaber (emulated), pfm: asylum}` built from the YAML."""
    import yaml

    from explorer.config import parse_config
    from explorer.engine.build import build_instrument, composition_function
    from hardware.emulators import emulator_for
    from tests.conftest import CAMPAIGNS

    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    port = "emu://zaber?name=asylum-lab&travel_mm=50"
    cfg["instrument"]["stage"]["port"] = port
    cfg["instrument"]["pfm"] = {
        "kind": "asylum",
        "exchange_dir": str(tmp_path / "igor"),
        "command_timeout_s": 10,
        "data_timeout_s": 10,
    }
    cfg["instrument"]["safety"]["tip_check_every"] = 0
    campaign = parse_config(cfg)
    emulator = emulator_for(port)
    world = SimWorld(
        SmBFOSample(SmBFOParams(), 4), composition_function(campaign), 4, emulator.clock
    )
    um = emulator.position_um
    igor = FakeIgor(tmp_path / "igor", world, where=lambda: (um()[0] / 1000, um()[1] / 1000))
    igor.start()
    try:
        inst = build_instrument(campaign, run_dir=tmp_path)
        assert inst.channels == ("sspfm",)
        m = inst.measure_at(47, 6.0, 3.0, timeout_s=900)
        assert (m.x_mm, m.y_mm) == (6.0, 3.0)
        assert np.isfinite(m.arrays["sspfm.pr_off"]).sum() > 100
        inst.close()
    finally:
        igor.stop()
    journal = (tmp_path / "journal.jsonl").read_text()
    assert "SingleForce_2" in journal and "move abs 60000" in journal
