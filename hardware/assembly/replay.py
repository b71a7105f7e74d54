"""Assemble `kind: replay`: a recorded library dataset behind the Instrument protocol. Nothing
moves, so there is no hardware journal or lock; the build's fence is enforced as on hardware."""

from __future__ import annotations

import dataclasses

from hardware.assembly.specs import InstrumentBuild, ReplayInstrumentSpec
from hardware.clock import SimClock
from hardware.replay import ReplayInstrument, ReplayTiming


def assemble_replay(spec: ReplayInstrumentSpec, build: InstrumentBuild) -> ReplayInstrument:
    """The replay instrument, timed by the dataset's recorded timing with the spec's overrides."""
    ds = spec.dataset
    timing = dataclasses.replace(ReplayTiming.from_mapping(ds.timing), **spec.timing)
    return ReplayInstrument(
        ds,
        seed=build.seed,
        miss=spec.miss,
        noise_relative=spec.noise_relative,
        recorded_std=spec.recorded_std,
        noise_scalars=spec.noise_scalars,
        clock=SimClock(build.start_time_s),
        timing=timing,
        start_xy_mm=build.start_xy_mm or spec.start_xy_mm,
        match_tolerance_mm=spec.match_tolerance_mm,
        fence=build.fence,
    )
