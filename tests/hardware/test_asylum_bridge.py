"""The Asylum/Igor file bridge against a fake Igor that watches the exchange folder."""

from __future__ import annotations

import re

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


# ---- golden transcripts: every command file of a whole campaign ------------------------------

IGOR_BUILTINS = {"Make", "Save", "ReadOut"}


def _campaign_transcript(tmp_path, mode: str) -> tuple[str, list[list[str]]]:
    """Run tests/hardware/golden/asylum-campaign.yaml with `mode`; its command files as text."""
    import yaml

    from explorer.config import parse_config
    from explorer.engine.build import composition_function
    from explorer.engine.session import start_new
    from hardware.emulators import emulator_for
    from hardware.vendors.asylum import igor_path
    from tests.hardware.golden_files import GOLDEN_DIR

    cfg = yaml.safe_load((GOLDEN_DIR / "asylum-campaign.yaml").read_text())
    port = f"emu://zaber?name=asylum-golden-{mode}-{tmp_path.name}&microstep_um=0.1&travel_mm=50"
    exchange = tmp_path / "exchange"
    cfg["instrument"]["stage"]["port"] = port
    cfg["instrument"]["pfm"]["exchange_dir"] = str(exchange)
    cfg["instrument"]["sspfm"]["mode"] = mode
    cfg["output"] = {"dir": str(tmp_path / "runs")}
    campaign = parse_config(cfg)
    emulator = emulator_for(port)
    world = SimWorld(
        SmBFOSample(SmBFOParams(), 7), composition_function(campaign), 7, emulator.clock
    )
    um = emulator.position_um
    exchange.mkdir()
    igor = FakeIgor(exchange, world, where=lambda: (um()[0] / 1000, um()[1] / 1000)).start()
    try:
        session = start_new(campaign)
        try:
            outcome = session.runner.run()
        finally:
            session.close()
    finally:
        igor.stop()
    assert outcome.status == "success" and outcome.n_measured == 3
    root = igor_path(exchange)
    lines = [
        "# Every command file the Asylum bridge wrote for Igor over one short campaign",
        f"# (golden/asylum-campaign.yaml, sspfm.mode: {mode}), in order, one Igor line per line.",
        "# Regenerate: COMBI_UPDATE_GOLDEN=1 pytest tests/hardware/test_asylum_bridge.py -k golden",
    ]
    for k, block in enumerate(igor.command_files, 1):
        lines.append(f"--- command file {k}")
        lines += [line.replace(root, "<EXCHANGE>") for line in block]
    return "\n".join(lines) + "\n", igor.command_files


@pytest.mark.parametrize("mode", ["dart", "single"])
def test_golden_transcript_of_a_campaign(tmp_path, mode) -> None:
    from tests.hardware.golden_files import assert_golden

    text, _ = _campaign_transcript(tmp_path, mode)
    assert_golden(text, f"asylum-{mode}.txt")


@pytest.mark.parametrize("mode", ["dart", "single"])
def test_golden_transcript_uses_only_listed_igor_names(mode) -> None:
    """Every control and function in the recorded transcript is in the bridge's inventory
    (which docs/asylum-igor.md and `explorer check-igor` use)."""
    from hardware.vendors.asylum import AR_FUNCTIONS, CONTROLS, USER_FUNCTIONS
    from tests.hardware.golden_files import GOLDEN_DIR

    text = (GOLDEN_DIR / f"asylum-{mode}.txt").read_text()
    body = [line for line in text.splitlines() if not line.startswith(("#", "---"))]
    controls = re.findall(r'ARExecuteControl\("(\w+)","(\w+)"', text)
    assert controls and all(CONTROLS[name] == panel for name, panel in controls)
    called = {m for line in body for m in re.findall(r"\b([A-Za-z]\w*)\(", line)}
    known = {*AR_FUNCTIONS, *USER_FUNCTIONS, *IGOR_BUILTINS}
    assert called <= known, called - known
    used = {name for name, _ in controls}
    expected_switch = "DFRTFrequencyWidthSetvar" if mode == "dart" else "DriveFrequencySetVar_0"
    assert expected_switch in used
    assert f'ARExecuteControl("DualACModeBox_3","DART",{1 if mode == "dart" else 0},"")' in text


def test_a_changed_transcript_fails_with_a_readable_diff() -> None:
    from tests.hardware.golden_files import golden_diff

    diff = golden_diff('a\nPV("XOffset", 0)\nc\n', 'a\nPV("XOffset", 2e-06)\nc\n', "x.txt")
    assert diff.splitlines()[:2] == ["--- golden/x.txt", "+++ this run"]
    assert '-PV("XOffset", 0)' in diff and '+PV("XOffset", 2e-06)' in diff


def test_single_frequency_measurement_through_igor(rig) -> None:
    world, igor, bridge, journal = rig
    policy = SafetyPolicy(((-10.0, 10.0), (-10.0, 10.0)), settle_s=30.0, tip_check_every=0)
    inst = PFMInstrument(
        SimStage(world, SimTiming()),
        AsylumProbe(bridge, bias_limit_v=10.0),
        AsylumPFM(bridge, mode="single"),
        policy,
        clock=world.clock,
        journal=journal,
        recipe=SSParams(mode="single"),
        armed=True,
    )
    m = inst.measure_at(1, 2.0, 1.0, timeout_s=900)
    bias, pr = m.arrays["sspfm.bias_v"], m.arrays["sspfm.pr_off"]
    assert bias.shape == pr.shape == (128,)
    metrics = loop_metrics(bias[64:], pr[64:])
    assert metrics.fit_r2 > 0.8 and metrics.loop_height > 5.0
    assert np.all(np.isnan(m.arrays["sspfm.q_off"]))  # one frequency: no Q
    assert m.arrays["sspfm.sf_off"][0, 2] == 20e3
    executed = "\n".join(igor.executed)
    assert 'ARExecuteControl("DualACModeBox_3","DART",0,"")' in executed
    assert "DriveFrequencySetVar_0" in executed and "DFRTFrequencyWidthSetvar" not in executed
    inst.close()


def test_band_excitation_is_refused_by_the_bridge_and_the_config(tmp_path) -> None:
    import yaml

    from explorer.config import parse_config
    from explorer.errors import ConfigError
    from hardware.errors import HardwareError
    from tests.conftest import CAMPAIGNS

    with pytest.raises(HardwareError, match="dart or single, not 'be'"):
        AsylumPFM(None, mode="be")  # type: ignore[arg-type]
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["pfm"] = {"kind": "asylum", "exchange_dir": str(tmp_path)}
    cfg["instrument"]["sspfm"] = {"mode": "be"}
    with pytest.raises(ConfigError, match=r"sspfm\.mode: the Asylum bridge runs dart"):
        parse_config(cfg)


@pytest.mark.parametrize("sense", [1.0, -1.0])
def test_tune_fit_finds_f0_whichever_sense_the_phase_axis_has(sense) -> None:
    from hardware.pfm.dart import sho_amplitude_phase
    from hardware.vendors.asylum import tune_resonance

    f0, q = 347550.0, 120.0
    freq = np.linspace(f0 - 20e3, f0 + 20e3, 200)
    amp, phase = sho_amplitude_phase(np.ones(1), np.zeros(1), np.array([f0]), np.array([q]), freq)
    res = tune_resonance(freq, amp, sense * np.degrees(phase - np.pi))
    assert res.f0_hz == pytest.approx(f0, rel=1e-6) and res.q == pytest.approx(q, rel=1e-3)


def test_a_tune_without_resonance_is_refused(rng) -> None:
    from hardware.errors import HardwareError
    from hardware.vendors.asylum import tune_resonance

    freq = np.linspace(300e3, 400e3, 200)
    with pytest.raises(HardwareError, match="the tune shows no resonance"):
        tune_resonance(freq, rng.uniform(0.9, 1.1, 200), rng.uniform(-180, 180, 200))


def test_igor_paths_for_windows_and_posix_folders() -> None:
    from pathlib import PurePosixPath, PureWindowsPath

    from hardware.vendors.asylum import igor_path

    win = PureWindowsPath(r"C:\Users\lab\exchange\buffer\readout.txt")
    assert igor_path(win) == "C:Users:lab:exchange:buffer:readout.txt"  # no backslash escapes
    assert igor_path(PurePosixPath("/tmp/x/buffer/readout.txt")) == "/tmp/x/buffer/readout.txt"
