"""`instrument: {kind: external}`: validates like any campaign, builds the hand-off instrument,
and `explorer run` refuses it in one line (it has nothing to measure with)."""

from __future__ import annotations

from pathlib import Path

import yaml

from explorer.cli import main
from explorer.config import parse_config
from explorer.engine.build import build_instrument
from hardware.handoff import HandoffInstrument
from tests.fuzzing import assert_one_line_errors, run_cli

CAMPAIGN = {
    "schema_version": 1,
    "name": "ext",
    "seed": 1,
    "library": {"kind": "grid", "x_mm": [0.0, 2.0], "y_mm": [0.0, 2.0], "shape": [3, 3]},
    "instrument": {"kind": "external", "channels": ["spec"]},
    "objectives": [{"name": "peak", "from": "spec", "metric": "max"}],
    "strategy": {"kind": "random"},
}


def test_builds_the_hand_off_instrument_with_its_channels() -> None:
    inst = build_instrument(parse_config(CAMPAIGN))
    assert isinstance(inst, HandoffInstrument) and inst.channels == ("spec",)
    inst.close()


def test_validates_but_explorer_run_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "ext.yaml"
    path.write_text(yaml.safe_dump(CAMPAIGN), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    code, _, err = run_cli(["run", str(path), "-q", "--out", str(tmp_path / "runs")])
    assert_one_line_errors(code, err, allow_ok=False)
    assert "drive it from Python" in err
    assert not (tmp_path / "runs").exists()  # nothing was created
