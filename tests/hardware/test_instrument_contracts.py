"""Every lab instrument back end (Zaber and Prior stages, emulated) passes the Instrument
contract, assembled from hardware specs; the simulated and replay ones run it in their own test files."""

from __future__ import annotations

import itertools

from hardware.assembly.lab import assemble_lab
from hardware.assembly.specs import (
    LabInstrumentSpec,
    PriorStageSpec,
    Recipe,
    SimPFMSpec,
    ZaberStageSpec,
)
from hardware.safety import SafetyPolicy, SoftFence
from tests.contracts.instrument_contract import InstrumentContract
from tests.hardware.simkit import Box, instrument_build

_names = itertools.count()


class _Lab(InstrumentContract):
    controller = "zaber"

    def make_instrument(self, tmp_path):
        name = f"contract-{self.controller}-{next(_names)}"
        port = f"emu://{self.controller}?name={name}&travel_mm=50"
        travel = ((0.0, 50.0), (0.0, 50.0))
        stage = (
            ZaberStageSpec(port, travel_mm=travel)
            if self.controller == "zaber"
            else PriorStageSpec(port, travel_mm=travel)
        )
        policy = SafetyPolicy(((0.0, 12.0), (0.0, 6.0)), settle_s=30.0)
        spec = LabInstrumentSpec(
            stage, SimPFMSpec(amplifier_v=10.0), Recipe(), policy, lock_dir=tmp_path / "locks"
        )
        return assemble_lab(
            spec, instrument_build(tmp_path, SoftFence(Box((0.0, 8.0), (0.0, 2.0))))
        )


class TestLabZaberEmulated(_Lab):
    controller = "zaber"


class TestLabPriorEmulated(_Lab):
    controller = "prior"
