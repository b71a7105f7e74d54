"""A whole campaign through the Asylum/Igor bridge (Zaber emulator, fake Igor): every command
file it writes, against golden transcripts in tests/hardware/golden/."""

from __future__ import annotations

import pytest

from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.sim import SimWorld
from tests.hardware.fake_igor import FakeIgor

pytest.importorskip("igor2")


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
        "# Regenerate: COMBI_UPDATE_GOLDEN=1 pytest tests/campaigns/test_asylum_campaign.py -k golden",
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
