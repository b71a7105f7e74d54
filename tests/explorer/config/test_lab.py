"""`instrument: {kind: lab}` maps its YAML fields onto hardware.assembly's lab spec."""

from __future__ import annotations

import pytest
import yaml

from explorer.config import parse_config
from explorer.engine.build import build_instrument
from explorer.errors import ConfigError
from hardware.assembly.specs import AsylumPFMSpec, PriorStageSpec, SimPFMSpec, ZaberStageSpec
from tests.conftest import CAMPAIGNS


def _lab(**changes) -> dict:
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"].update(changes)
    return cfg


def test_the_example_lab_campaign_maps_onto_a_zaber_spec() -> None:
    spec = parse_config(_lab()).instrument.spec()
    assert isinstance(spec.stage, ZaberStageSpec) and spec.stage.microstep_um == 0.1
    assert spec.stage.travel_mm == ((0.0, 50.0), (0.0, 50.0))
    assert isinstance(spec.pfm, SimPFMSpec) and spec.pfm.sample.name == "smbfo"
    assert spec.policy.controller_limits_mm == ((0.0, 12.0), (0.0, 6.0))
    assert spec.policy.settle_s == 30.0


def test_prior_stage_and_asylum_pfm(tmp_path) -> None:
    stage = {"kind": "prior", "port": "emu://prior?name=cfg", "um_per_count": 0.5}
    pfm = {"kind": "asylum", "exchange_dir": str(tmp_path), "igor_command": ["igor", "-x"]}
    spec = parse_config(_lab(stage=stage, pfm=pfm)).instrument.spec()
    assert isinstance(spec.stage, PriorStageSpec) and spec.stage.um_per_count == 0.5
    assert spec.pfm == AsylumPFMSpec(tmp_path, ("igor", "-x"))


def test_an_unarmed_lab_campaign_on_a_real_port_is_a_dry_run(tmp_path) -> None:
    stage = {"kind": "zaber", "port": "/dev/ttyUSB9", "travel_mm": [[0, 50], [0, 50]]}
    inst = build_instrument(parse_config(_lab(stage=stage)), run_dir=tmp_path)
    inst.close()
    assert '"dry_run": true' in (tmp_path / "journal.jsonl").read_text()


def test_band_excitation_with_the_asylum_bridge_is_refused(tmp_path) -> None:
    pfm = {"kind": "asylum", "exchange_dir": str(tmp_path)}
    with pytest.raises(ConfigError, match=r"sspfm\.mode: the Asylum bridge runs dart"):
        parse_config(_lab(pfm=pfm, sspfm={"mode": "be"}))
