"""`kind: lab` assembled from a spec: stage table, dry runs, PFM back ends."""

from __future__ import annotations

import itertools

import pytest

from hardware.assembly.lab import PFM_BACKENDS, STAGES, assemble_lab, dry_run_port
from hardware.assembly.specs import (
    AsylumPFMSpec,
    InstrumentBuild,
    LabInstrumentSpec,
    NanonisPFMSpec,
    PriorStageSpec,
    Recipe,
    SimPFMSpec,
    ZaberStageSpec,
)
from hardware.safety import SafetyPolicy
from tests.hardware.simkit import composition

_names = itertools.count()
POLICY = SafetyPolicy(((0.0, 12.0), (0.0, 6.0)), settle_s=30.0)


def test_an_unarmed_real_port_is_replaced_by_the_dry_run_emulator() -> None:
    assert dry_run_port("/dev/ttyUSB0", False, "zaber") == ("emu://zaber?name=dryrun", True)
    assert dry_run_port("/dev/ttyUSB0", True, "zaber") == ("/dev/ttyUSB0", False)
    assert dry_run_port("emu://prior?name=a", False, "prior") == ("emu://prior?name=a", False)


def test_each_stage_kind_has_its_line_terminator_and_each_pfm_spec_a_back_end() -> None:
    assert {k: eol for k, (eol, _) in STAGES.items()} == {"zaber": b"\n", "prior": b"\r"}
    assert {name for name, _ in PFM_BACKENDS.values()} == {"sim", "asylum", "nanonis"}
    assert set(PFM_BACKENDS) == {SimPFMSpec, AsylumPFMSpec, NanonisPFMSpec}


@pytest.mark.parametrize("stage_spec", [ZaberStageSpec, PriorStageSpec])
def test_a_dry_run_measures_on_the_emulator_and_says_so(tmp_path, stage_spec) -> None:
    spec = LabInstrumentSpec(
        stage_spec("/dev/does-not-exist", travel_mm=((0.0, 50.0), (0.0, 50.0))),
        SimPFMSpec(amplifier_v=10.0),
        Recipe(),
        POLICY,
        lock_dir=tmp_path / "locks",
    )
    build = InstrumentBuild(seed=2, composition_at=composition, run_dir=tmp_path)
    inst = assemble_lab(spec, build)
    try:
        m = inst.measure_at(5, 3.0, 1.0, timeout_s=900)
        assert abs(m.x_mm - 3.0) < 0.01
    finally:
        inst.close()
    journal = (tmp_path / "journal.jsonl").read_text()
    assert '"dry_run": true' in journal and f'"stage": "{stage_spec.kind}"' in journal


def test_a_back_end_that_cannot_be_built_fails_the_assembly(tmp_path) -> None:
    port = f"emu://zaber?name=lab-fail-{next(_names)}&travel_mm=50"
    bad = LabInstrumentSpec(
        ZaberStageSpec(port, travel_mm=((0.0, 50.0), (0.0, 50.0))),
        SimPFMSpec(faults=("explode@1",)),
        Recipe(),
        POLICY,
        lock_dir=tmp_path / "locks",
    )
    with pytest.raises(ValueError, match="explode"):
        assemble_lab(bad, InstrumentBuild(seed=1, run_dir=tmp_path))
