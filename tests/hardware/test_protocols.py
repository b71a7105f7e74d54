"""Hardware protocols: a measurement's total time and its channel views, and the runtime
protocol checks the assembly relies on (a simulated stage is a Stage, not an Instrument)."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.clock import SimClock
from hardware.protocols import TIME_CATEGORIES, Instrument, Measurement, Stage
from hardware.sim import SimTiming
from hardware.stages.sim import SimStage
from tests.hardware.stages.stage_kit import TRAVEL, sim_world


def test_duration_is_the_sum_of_the_categories() -> None:
    m = Measurement(3, 1.0, 2.0, {}, durations_s={"move": 1.5, "measure": 20.0, "settle": 0.25})
    assert m.duration_s == pytest.approx(21.75)
    assert set(m.durations_s) <= set(TIME_CATEGORIES)
    assert Measurement(3, 1.0, 2.0, {}).duration_s == 0.0


def test_channel_strips_its_prefix_and_only_its_own_keys() -> None:
    bias, pr = np.arange(4.0), np.ones(4)
    m = Measurement(
        1, 0.0, 0.0, {"sspfm.bias_v": bias, "sspfm.pr_off": pr, "sspfmx.pr_off": 2 * pr}
    )
    view = m.channel("sspfm")
    assert set(view) == {"bias_v", "pr_off"}
    assert view["pr_off"] is pr
    assert m.channel("beps") == {}


def test_runtime_protocol_checks() -> None:
    clock = SimClock()
    stage = SimStage(sim_world(clock), SimTiming(), travel_mm=TRAVEL)
    assert isinstance(stage, Stage)
    assert not isinstance(stage, Instrument)
