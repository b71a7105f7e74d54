"""ReplayInstrument: serves recorded data through the Instrument protocol."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hardware.clock import SimClock
from hardware.errors import AbortedError, HardwareTimeoutError, ReplayMissError, SafetyError
from hardware.protocols import TIME_CATEGORIES, Instrument
from hardware.replay import ReplayInstrument, ReplayTiming
from hardware.safety import SoftFence
from tests.contracts.instrument_contract import InstrumentContract
from tests.hardware.replay.helpers import toy_dataset


def _inst(**kw) -> ReplayInstrument:  # type: ignore[no-untyped-def]
    return ReplayInstrument(toy_dataset(), seed=5, **kw)


def test_is_an_instrument_with_the_dataset_channels() -> None:
    inst = _inst()
    assert isinstance(inst, Instrument)
    assert inst.channels == ("sspfm",)


def test_units_of_every_served_array_and_scalar() -> None:
    units = _inst().units
    assert units["sspfm.pr_off"] == "a.u." and units["sspfm.bias_v"] == "V"
    assert units["height"] == "a.u." and set(units) >= {"height_std"}


def test_hit_serves_the_recorded_arrays_exactly() -> None:
    ds = toy_dataset()
    inst = ReplayInstrument(ds, seed=5)
    row = 9
    x, y = ds.positions_mm[row]
    m = inst.measure_at(777, float(x), float(y), timeout_s=1e4)
    np.testing.assert_array_equal(
        m.arrays["sspfm.pr_off"], ds.channels["sspfm"].data["pr_off"].values[row]
    )
    np.testing.assert_array_equal(
        m.arrays["sspfm.bias_v"], ds.channels["sspfm"].axes["bias_v"].values
    )
    assert m.scalars == {"height": ds.scalars["height"].values[row], "height_std": 0.5}
    assert m.location_id == 777 and m.meta["recorded_location_id"] == 109
    assert m.meta["replayed"] is True and m.meta["nearest_miss"] is False
    assert "loop_area" not in m.scalars  # ground truth is never served


def test_position_within_tolerance_is_a_hit() -> None:
    m = _inst().measure_at(1, 0.5 + 0.05, 0.0, timeout_s=1e4)  # spacing 0.5 mm, tolerance 0.125
    assert m.meta["recorded_location_id"] == 101 and not m.meta["nearest_miss"]


def test_miss_is_an_error_by_default_and_names_the_fix() -> None:
    with pytest.raises(ReplayMissError) as info:
        _inst().measure_at(3, 0.25, 0.25, timeout_s=1e4)
    msg = str(info.value)
    assert "never recorded" in msg and "miss: nearest" in msg and "\n" not in msg


def test_miss_nearest_serves_the_closest_location() -> None:
    m = _inst(miss="nearest").measure_at(3, 2.7, 1.7, timeout_s=1e4)
    assert m.meta["recorded_location_id"] == 100 + 3 * 6 + 5
    assert m.meta["nearest_miss"] is True
    assert math.isclose(float(m.meta["offset_mm"]), math.hypot(0.2, 0.2))


class _Box:
    """A rectangular region (hardware.safety.Region) for fence tests."""

    def __init__(self, x: tuple[float, float], y: tuple[float, float]) -> None:
        self.x, self.y = x, y

    def contains(self, xy: np.ndarray) -> np.ndarray:
        return (
            (xy[:, 0] >= self.x[0])
            & (xy[:, 0] <= self.x[1])
            & (xy[:, 1] >= self.y[0])
            & (xy[:, 1] <= self.y[1])
        )


def test_fence_refuses_before_serving_or_moving() -> None:
    fence = SoftFence(_Box((0.0, 2.5), (0.0, 1.5)), 0.0, (_Box((1.9, 2.1), (0.9, 1.1)),))
    clock = SimClock()
    inst = _inst(fence=fence, miss="nearest", clock=clock)
    assert inst.measure_at(1, 2.5, 1.5, timeout_s=1e4).meta["recorded_location_id"] == 123
    before = (clock.now_s(), inst.position_mm)
    for x, y, why in [(3.0, 0.0, "outside the library outline"), (2.0, 1.0, "keep-out")]:
        with pytest.raises(SafetyError, match=f"soft_fence: location 7 .*{why}"):
            inst.measure_at(7, x, y, timeout_s=1e4)
    assert (clock.now_s(), inst.position_mm) == before  # refused: no time, no move


def test_fresh_noise_is_deterministic_per_location_and_seed() -> None:
    ds = toy_dataset()
    x, y = (float(v) for v in ds.positions_mm[4])
    a = ReplayInstrument(ds, seed=1, noise_relative=0.05).measure_at(4, x, y, timeout_s=1e4)
    b = ReplayInstrument(ds, seed=1, noise_relative=0.05).measure_at(4, x, y, timeout_s=1e4)
    c = ReplayInstrument(ds, seed=2, noise_relative=0.05).measure_at(4, x, y, timeout_s=1e4)
    np.testing.assert_array_equal(a.arrays["sspfm.pr_off"], b.arrays["sspfm.pr_off"])
    assert not np.array_equal(a.arrays["sspfm.pr_off"], c.arrays["sspfm.pr_off"])
    recorded = ds.channels["sspfm"].data["pr_off"].values[4]
    resid = a.arrays["sspfm.pr_off"] - recorded
    from hardware.replay.instrument import robust_spread

    sigma = 0.05 * robust_spread(ds.channels["sspfm"].data["pr_off"].values)
    assert 0.4 * sigma < np.std(resid) < 2.0 * sigma
    np.testing.assert_array_equal(
        a.arrays["sspfm.bias_v"], ds.channels["sspfm"].axes["bias_v"].values
    )


def test_recorded_std_noise_matches_the_declared_scatter() -> None:
    ds = toy_dataset()
    inst = ReplayInstrument(ds, seed=3, recorded_std=True)
    draws = np.array(
        [
            inst.measure_at(
                k,
                float(ds.positions_mm[k % len(ds), 0]),
                float(ds.positions_mm[k % len(ds), 1]),
                timeout_s=1e4,
            ).scalars["height"]
            - ds.scalars["height"].values[k % len(ds)]
            for k in range(400)
        ]
    )
    assert abs(np.std(draws) - 0.5) < 0.06 and abs(np.mean(draws)) < 0.08


def test_durations_follow_the_timing_and_advance_the_clock() -> None:
    clock = SimClock(100.0)
    ds = toy_dataset()
    inst = ReplayInstrument(ds, seed=0, clock=clock, start_xy_mm=(0.0, 0.0))
    m = inst.measure_at(0, 2.5, 0.0, timeout_s=1e4)
    t = ReplayTiming(measure_s=3.0, approach_jitter=0.0)
    assert set(m.durations_s) == set(TIME_CATEGORIES)
    assert m.durations_s["measure"] == 3.0
    assert math.isclose(m.durations_s["move"], t.move_fixed_s + 2.5 / t.stage_speed_mm_per_s)
    assert m.t_start_s == 100.0 and math.isclose(m.t_end_s, 100.0 + m.duration_s)
    m2 = inst.measure_at(1, 2.5, 0.0, timeout_s=1e4)  # no travel the second time
    assert math.isclose(m2.durations_s["move"], t.move_fixed_s)


def test_timeout_and_abort() -> None:
    inst = _inst()
    with pytest.raises(HardwareTimeoutError, match="measure_timeout_s"):
        inst.measure_at(0, 0.0, 0.0, timeout_s=5.0)
    inst.abort()
    inst.abort()  # idempotent
    with pytest.raises(AbortedError):
        inst.measure_at(0, 0.0, 0.0, timeout_s=1e4)
    inst.close()


def test_bad_arguments() -> None:
    from hardware.errors import DatasetError

    with pytest.raises(DatasetError, match="miss policy"):
        _inst(miss="closest")
    with pytest.raises(DatasetError, match="unknown timing field"):
        ReplayTiming.from_mapping({"warp_s": 1.0})


class TestReplayInstrumentContract(InstrumentContract):
    """The recorded toy library served through the shared Instrument contract."""

    def make_instrument(self, tmp_path):  # type: ignore[no-untyped-def]
        return ReplayInstrument(toy_dataset(), seed=5)


class TestReplayInstrumentNoisyContract(InstrumentContract):
    """Replay with fresh noise drawn around the recording (seeded per location) is still one."""

    def make_instrument(self, tmp_path):  # type: ignore[no-untyped-def]
        return ReplayInstrument(toy_dataset(), seed=5, noise_relative=0.05)
