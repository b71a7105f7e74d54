"""Every instrument back end passes the Instrument contract."""

from __future__ import annotations

import itertools

import yaml

from explorer.config import parse_config
from explorer.engine.build import build_instrument
from tests.conftest import BASE_CONFIG, CAMPAIGNS
from tests.contracts.instrument_contract import InstrumentContract

_names = itertools.count()


def _build(data: dict, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return build_instrument(parse_config(data), run_dir=tmp_path)


class TestSimInstrument(InstrumentContract):
    def make_instrument(self, tmp_path):
        return _build(dict(BASE_CONFIG), tmp_path)


class TestSimInstrumentBandExcitation(InstrumentContract):
    def make_instrument(self, tmp_path):
        inst = {"kind": "sim", "sample": "smbfo", "sspfm": {"mode": "be", "be_bins": 24}}
        return _build(dict(BASE_CONFIG, instrument=inst), tmp_path)


class _Lab(InstrumentContract):
    controller = "zaber"

    def make_instrument(self, tmp_path):
        cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
        name = f"contract-{self.controller}-{next(_names)}"
        stage = {
            "kind": self.controller,
            "port": f"emu://{self.controller}?name={name}&travel_mm=50",
            "travel_mm": [[0.0, 50.0], [0.0, 50.0]],
        }
        cfg["instrument"]["stage"] = stage
        cfg["library"].update(x_mm=[0.0, 8.0], y_mm=[0.0, 2.0])
        return _build(cfg, tmp_path)


class TestLabZaberEmulated(_Lab):
    controller = "zaber"


class TestLabPriorEmulated(_Lab):
    controller = "prior"
