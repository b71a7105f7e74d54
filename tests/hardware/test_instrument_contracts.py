"""Every instrument back end passes the Instrument contract, assembled from hardware specs."""

from __future__ import annotations

import itertools
from pathlib import Path

from hardware.assembly.lab import assemble_lab
from hardware.assembly.sim import assemble_sim
from hardware.assembly.specs import (
    InstrumentBuild,
    LabInstrumentSpec,
    PriorStageSpec,
    Recipe,
    SimInstrumentSpec,
    SimPFMSpec,
    ZaberStageSpec,
)
from hardware.protocols import SSParams
from hardware.safety import SafetyPolicy, SoftFence
from tests.contracts.instrument_contract import InstrumentContract
from tests.hardware.simkit import Box, composition

_names = itertools.count()


def _build(tmp_path: Path, fence: SoftFence) -> InstrumentBuild:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return InstrumentBuild(seed=1234, composition_at=composition, run_dir=tmp_path, fence=fence)


def _sim(tmp_path: Path, recipe: SSParams) -> SimInstrumentSpec:
    policy = SafetyPolicy(((-100.0, 100.0), (-100.0, 100.0)), settle_s=30.0)
    return SimInstrumentSpec(SimPFMSpec(), Recipe(recipe), policy)


class TestSimInstrument(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        return assemble_sim(_sim(tmp_path, SSParams()), _build(tmp_path, fence))


class TestSimInstrumentBandExcitation(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        recipe = SSParams(mode="be", be_bins=24)
        return assemble_sim(_sim(tmp_path, recipe), _build(tmp_path, fence))


class TestSimInstrumentSingleFrequency(InstrumentContract):
    def make_instrument(self, tmp_path):
        fence = SoftFence(Box((0.0, 8.0), (0.0, 1.0)))
        recipe = SSParams(mode="single")
        return assemble_sim(_sim(tmp_path, recipe), _build(tmp_path, fence))


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
        return assemble_lab(spec, _build(tmp_path, SoftFence(Box((0.0, 8.0), (0.0, 2.0)))))


class TestLabZaberEmulated(_Lab):
    controller = "zaber"


class TestLabPriorEmulated(_Lab):
    controller = "prior"
