"""Assemble `kind: sim`: simulated stage, probe and PFM over a simulated sample, sharing one
SimWorld and one SimClock, behind the same safety facade as real hardware."""

from __future__ import annotations

import dataclasses

from hardware.assembly.samples import build_sample
from hardware.assembly.specs import InstrumentBuild, SimInstrumentSpec, SimPFMSpec
from hardware.clock import SimClock
from hardware.instrument import PFMInstrument
from hardware.journal import JOURNAL_FILE, HardwareLock, Journal
from hardware.protocols import Clock
from hardware.sim import SimFaultPlan, SimPFM, SimProbe, SimWorld
from hardware.stages.sim import SimStage


def no_composition(x_mm: float, y_mm: float) -> dict[str, float]:
    """The composition map of a sample that reads none (its map follows the position)."""
    return {}


def sim_world(
    spec: SimPFMSpec,
    build: InstrumentBuild,
    clock: Clock,
    *,
    spots_per_location: int,
    xy_mm: tuple[float, float] = (0.0, 0.0),
) -> SimWorld:
    """The simulated sample under the tip, with its tip wear continued from earlier visits."""
    sample = build_sample(spec.sample, build.seed)
    return SimWorld(
        sample,
        build.composition_at or no_composition,
        build.seed,
        clock,
        xy_mm=xy_mm,
        loops_done=build.prior_measurements * spots_per_location,
        tip_lifetime_loops=sample.params.tip_lifetime_loops,
        faults=SimFaultPlan(list(spec.faults)),
    )


def assemble_sim(spec: SimInstrumentSpec, build: InstrumentBuild) -> PFMInstrument:
    """The simulated instrument; journal and lock in `build.run_dir` when one is given."""
    clock = SimClock(build.start_time_s)
    timing = spec.pfm.timing
    world = sim_world(
        spec.pfm,
        build,
        clock,
        spots_per_location=spec.recipe.spots_per_location,
        xy_mm=build.start_xy_mm or spec.start_xy_mm,
    )
    run_dir = build.run_dir
    journal = Journal(run_dir / JOURNAL_FILE if run_dir else None, clock.now_s)
    lock = HardwareLock(run_dir / ".hardware.lock", "simulated instrument") if run_dir else None
    return PFMInstrument(
        SimStage(world, timing, travel_mm=spec.travel_mm),
        SimProbe(world, timing, bias_limit_v=spec.pfm.amplifier_v),
        SimPFM(world, timing),
        dataclasses.replace(spec.policy, fence=build.fence),
        clock=clock,
        journal=journal,
        recipe=spec.recipe.params,
        spots_per_location=spec.recipe.spots_per_location,
        armed=build.arm_hardware,
        lock=lock,
        tune_center_hz=float(world.sample.f0_ref_hz),
        describe={
            "instrument": "sim",
            "sample": spec.pfm.sample.name,
            "noise": spec.pfm.sample.noise,
        },
        composition_at=build.composition_at,
    )
