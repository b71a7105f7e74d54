"""Simulated PFM instrument: a composition-spread sample under a simulated stage and probe.

Every operation charges a realistic duration to a SimClock (reference §1.5: stage enable/step/
disable, motorized approach, mode switch, DART tune, settle, DART-SS), so a simulated campaign
reports lab hours while running instantly. Measurement noise is drawn from a generator derived
from (seed, location_id): the same location gives the same raw data in a resumed run.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import numpy as np

from hardware.clock import SimClock
from hardware.errors import AbortedError
from hardware.pfm.loops import LoopParams, branch_directions, loop_model, triangle_waveform
from hardware.pfm.sample import SampleModel
from hardware.protocols import Measurement

CompositionFn = Callable[[float, float], Mapping[str, float]]


@dataclass(frozen=True)
class SimTiming:
    """Durations in seconds (reference/hardware-and-physics.md §1.5)."""

    stage_enable_s: float = 8.0
    stage_disable_s: float = 1.0
    stage_speed_mm_per_s: float = 0.1
    retract_s: float = 2.0
    approach_s: float = 20.0
    approach_jitter: float = 0.25  # log-normal sigma
    mode_switch_s: float = 36.0  # AC -> PFM/DART and back (10 + 8 s each way)
    tune_s: float = 3.0  # two DART tunes
    zero_pd_s: float = 3.5
    settle_s: float = 30.0
    loop_s: float = 10.0  # one DART-SS loop (2 cycles)


@dataclass(frozen=True)
class SSPFMRecipe:
    """Switching-spectroscopy waveform and repeats per location."""

    v_max: float = 10.0
    steps_per_cycle: int = 64
    cycles: int = 2
    spots: int = 1  # loops at distinct spots (>= 1 µm apart) per location


class SimPFMInstrument:
    """Simulated stage + probe + SS-PFM over a `SampleModel`."""

    channels: tuple[str, ...] = ("sspfm",)

    def __init__(
        self,
        sample: SampleModel,
        composition_at: CompositionFn,
        *,
        seed: int,
        clock: SimClock | None = None,
        timing: SimTiming | None = None,
        recipe: SSPFMRecipe | None = None,
        start_xy_mm: tuple[float, float] = (0.0, 0.0),
        prior_measurements: int = 0,
        tip_lifetime_loops: float = 3000.0,
    ) -> None:
        self.sample = sample
        self.composition_at = composition_at
        self.seed = int(seed)
        self.clock = clock or SimClock()
        self.timing = timing or SimTiming()
        self.recipe = recipe or SSPFMRecipe()
        self.position_mm = start_xy_mm
        self.loops_done = int(prior_measurements) * self.recipe.spots
        self.tip_lifetime_loops = tip_lifetime_loops
        self._aborted = threading.Event()

    def _rng(self, location_id: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(11, location_id)))

    def _durations(self, x_mm: float, y_mm: float, rng: np.random.Generator) -> dict[str, float]:
        t = self.timing
        dist = math.dist(self.position_mm, (x_mm, y_mm))
        move = t.retract_s + t.stage_enable_s + dist / t.stage_speed_mm_per_s + t.stage_disable_s
        approach = t.approach_s * float(rng.lognormal(0.0, t.approach_jitter))
        return {
            "move": move,
            "approach": approach,
            "tune": t.tune_s + t.zero_pd_s,
            "settle": t.settle_s,
            "measure": t.loop_s * self.recipe.spots,
            "overhead": t.mode_switch_s,
        }

    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        if self._aborted.is_set():
            raise AbortedError("instrument was aborted; resume the run to continue")
        rng = self._rng(location_id)
        t0 = self.clock.now_s()
        durations = self._durations(x_mm, y_mm, rng)
        comp = dict(self.composition_at(x_mm, y_mm))
        bias = triangle_waveform(self.recipe.v_max, self.recipe.steps_per_cycle, self.recipe.cycles)
        rising = branch_directions(bias)
        loops_on, loops_off = [], []
        noise = self.sample.detector_noise
        for _ in range(self.recipe.spots):
            tip = math.exp(-self.loops_done / self.tip_lifetime_loops)
            sp = self.sample.spot(comp, x_mm, y_mm, rng)
            lp = sp.loop
            lp = LoopParams(lp.a0, lp.r * tip, lp.vc_plus_v, lp.vc_minus_v, lp.width_v, 0.0)
            alive = np.cumsum(np.abs(bias) > sp.breakdown_v) == 0  # breakdown kills the spot
            off = loop_model(lp, bias, rising) * alive + rng.normal(0.0, noise, bias.shape)
            on_p = LoopParams(
                lp.a0,
                lp.r * sp.on_field_ratio,
                lp.vc_plus_v,
                lp.vc_minus_v,
                lp.width_v,
                sp.electrostatic_slope * lp.r * sp.on_field_ratio,
            )
            on = loop_model(on_p, bias, rising) * alive + rng.normal(0.0, noise, bias.shape)
            loops_off.append(off)
            loops_on.append(on)
            self.loops_done += 1
        for seconds in durations.values():
            self.clock.sleep(seconds)
        self.position_mm = (x_mm, y_mm)
        return Measurement(
            location_id=location_id,
            x_mm=x_mm,
            y_mm=y_mm,
            arrays={
                "sspfm.bias_v": bias,
                "sspfm.pr_off": np.asarray(np.mean(loops_off, axis=0)),
                "sspfm.pr_on": np.asarray(np.mean(loops_on, axis=0)),
            },
            scalars={f"composition_{k}": float(v) for k, v in comp.items()},
            durations_s=durations,
            t_start_s=t0,
            t_end_s=self.clock.now_s(),
            meta={"simulated": True, "spots": self.recipe.spots, "tip_loops": self.loops_done},
        )

    def expected_metrics(self, x_mm: float, y_mm: float) -> dict[str, float]:
        """Noise-free ground truth at a position (for scoring benchmarks, never for decisions)."""
        return self.sample.expected_metrics(dict(self.composition_at(x_mm, y_mm)), x_mm, y_mm)

    def abort(self) -> None:
        self._aborted.set()

    def close(self) -> None:
        return None
