"""`kind: replay` assembled from a spec holding the recording."""

from __future__ import annotations

from hardware.assembly.replay import assemble_replay
from hardware.assembly.specs import InstrumentBuild, ReplayInstrumentSpec
from tests.hardware.replay.helpers import toy_dataset


def test_the_recording_is_replayed_with_the_spec_timing_and_the_build_start() -> None:
    spec = ReplayInstrumentSpec(toy_dataset(), timing={"measure_s": 5.0}, start_xy_mm=(9.0, 9.0))
    inst = assemble_replay(spec, InstrumentBuild(seed=3, start_time_s=100.0, start_xy_mm=(0, 0)))
    assert inst.timing.measure_s == 5.0 and inst.clock.now_s() == 100.0
    m = inst.measure_at(101, 0.5, 0.0, timeout_s=900)
    assert m.arrays["sspfm.pr_off"].shape == (32,)
    inst.close()


def test_a_miss_policy_and_tolerance_reach_the_instrument() -> None:
    spec = ReplayInstrumentSpec(toy_dataset(), miss="nearest", match_tolerance_mm=0.1)
    inst = assemble_replay(spec, InstrumentBuild(seed=3))
    m = inst.measure_at(7, 0.52, 0.01, timeout_s=900)
    assert m.arrays["sspfm.pr_off"].shape == (32,)
    inst.close()
