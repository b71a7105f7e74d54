"""`kind: sim` assembled from a spec and a build value: journal, lock, fence, start, tip wear."""

from __future__ import annotations

from hardware.assembly.sim import assemble_sim
from hardware.assembly.specs import (
    InstrumentBuild,
    Recipe,
    SampleSpec,
    SimInstrumentSpec,
    SimPFMSpec,
)
from hardware.safety import SafetyPolicy, SoftFence
from tests.hardware.simkit import Box, composition

POLICY = SafetyPolicy(((-20.0, 20.0), (-20.0, 20.0)), settle_s=30.0)


def _spec(**kw) -> SimInstrumentSpec:
    return SimInstrumentSpec(SimPFMSpec(SampleSpec("smbfo", "low")), Recipe(), POLICY, **kw)


def test_journal_and_lock_live_in_the_run_folder(tmp_path) -> None:
    build = InstrumentBuild(seed=7, composition_at=composition, run_dir=tmp_path)
    inst = assemble_sim(_spec(), build)
    try:
        m = inst.measure_at(1, 2.0, 0.5, timeout_s=900)
        assert abs(m.x_mm - 2.0) < 0.01 and abs(m.y_mm - 0.5) < 0.01
        assert (tmp_path / ".hardware.lock").exists()
    finally:
        inst.close()
    journal = (tmp_path / "journal.jsonl").read_text()
    assert '"sample": "smbfo"' in journal and '"noise": "low"' in journal


def test_the_build_fence_replaces_the_spec_fence_and_sets_the_start() -> None:
    fence = SoftFence(Box((0.0, 4.0), (0.0, 1.0)))
    build = InstrumentBuild(seed=7, composition_at=composition, fence=fence, start_xy_mm=(1, 1))
    inst = assemble_sim(_spec(start_xy_mm=(5.0, 5.0)), build)
    assert inst.policy.fence is fence and inst.policy.max_step_mm == POLICY.max_step_mm
    assert inst.stage.world.xy_mm == (1, 1)
    inst.close()


def test_prior_measurements_continue_the_tip_wear() -> None:
    spec = SimInstrumentSpec(
        SimPFMSpec(), Recipe(spots_per_location=3), POLICY, start_xy_mm=(0.5, 0.5)
    )
    inst = assemble_sim(spec, InstrumentBuild(seed=1, prior_measurements=4))
    assert inst.stage.world.loops_done == 12 and inst.stage.world.xy_mm == (0.5, 0.5)
    inst.close()
