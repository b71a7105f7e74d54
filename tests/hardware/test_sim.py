"""The simulated instrument, assembled from hardware specs, passes the Instrument contract with
each excitation mode."""

from __future__ import annotations

from pathlib import Path

from hardware.assembly.sim import assemble_sim
from hardware.assembly.specs import (
    Recipe,
    SimInstrumentSpec,
    SimPFMSpec,
)
from hardware.protocols import SSParams
from hardware.safety import SafetyPolicy, SoftFence
from tests.contracts.instrument_contract import InstrumentContract
from tests.hardware.simkit import Box, instrument_build


def _sim(tmp_path: Path, recipe: SSParams) -> SimInstrumentSpec:
    policy = SafetyPolicy(((-100.0, 100.0), (-100.0, 100.0)), settle_s=30.0)
    return SimInstrumentSpec(SimPFMSpec(), Recipe(recipe), policy)


class TestSimInstrument(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        return assemble_sim(_sim(tmp_path, SSParams()), instrument_build(tmp_path, fence))


class TestSimInstrumentBandExcitation(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        recipe = SSParams(mode="be", be_bins=24)
        return assemble_sim(_sim(tmp_path, recipe), instrument_build(tmp_path, fence))


class TestSimInstrumentSingleFrequency(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        recipe = SSParams(mode="single")
        return assemble_sim(_sim(tmp_path, recipe), instrument_build(tmp_path, fence))
