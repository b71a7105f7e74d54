"""The Asylum/Igor file bridge against a fake Igor that watches the exchange folder."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hardware.assembly.lab import assemble_lab
from hardware.assembly.specs import (
    AsylumPFMSpec,
    InstrumentBuild,
    LabInstrumentSpec,
    Recipe,
    ZaberStageSpec,
)
from hardware.clock import SimClock
from hardware.emulators import emulator_for
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
from tests.hardware.simkit import composition

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


def test_lab_assembly_with_zaber_stage_and_asylum_pfm(tmp_path) -> None:
    """A lab spec (Zaber stage on the emulator, Asylum PFM) assembled by hardware.assembly.lab."""
    port = "emu://zaber?name=asylum-lab&travel_mm=50"
    spec = LabInstrumentSpec(
        ZaberStageSpec(port, travel_mm=((0.0, 50.0), (0.0, 50.0))),
        AsylumPFMSpec(tmp_path / "igor", command_timeout_s=10, data_timeout_s=10),
        Recipe(),
        SafetyPolicy(((0.0, 12.0), (0.0, 6.0)), settle_s=30.0, tip_check_every=0),
        lock_dir=tmp_path / "locks",
    )
    build = InstrumentBuild(seed=4, composition_at=composition, run_dir=tmp_path)
    emulator = emulator_for(port)
    world = SimWorld(SmBFOSample(SmBFOParams(), 4), composition, 4, emulator.clock)
    um = emulator.position_um
    igor = FakeIgor(tmp_path / "igor", world, where=lambda: (um()[0] / 1000, um()[1] / 1000))
    igor.start()
    try:
        inst = assemble_lab(spec, build)
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


def test_band_excitation_is_refused_by_the_bridge() -> None:
    from hardware.errors import HardwareError

    with pytest.raises(HardwareError, match="dart or single, not 'be'"):
        AsylumPFM(None, mode="be")  # type: ignore[arg-type]


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
