"""Instrument section of the YAML: simulated instruments (lab and replay kinds join this union)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from explorer.config.base import XY, NonNegFloat, PositiveFloat, Strict
from explorer.config.replay import ReplayInstrumentConfig

if TYPE_CHECKING:
    from hardware.protocols import Instrument


class SimTimingConfig(Strict):
    """Virtual durations charged per location (defaults: reference §1.5)."""

    stage_enable_s: NonNegFloat = 8.0
    stage_disable_s: NonNegFloat = 1.0
    stage_speed_mm_per_s: PositiveFloat = 0.1
    retract_s: NonNegFloat = 2.0
    approach_s: NonNegFloat = 20.0
    mode_switch_s: NonNegFloat = 36.0
    tune_s: NonNegFloat = 3.0
    zero_pd_s: NonNegFloat = 3.5
    settle_s: NonNegFloat = 30.0
    loop_s: NonNegFloat = 10.0


class SSPFMConfig(Strict):
    """Switching-spectroscopy recipe used at every location."""

    v_max: Annotated[float, Field(gt=0, le=200)] = 10.0
    steps_per_cycle: Annotated[int, Field(ge=8, le=1024, multiple_of=4)] = 64
    cycles: Annotated[int, Field(ge=1, le=8)] = 2
    spots: Annotated[int, Field(ge=1, le=16)] = 1


class SimInstrumentConfig(Strict):
    """Simulated sample + stage + probe, charging realistic virtual time.

    `sample_params` overrides fields of the sample model (e.g. SmBFOParams) by name.
    `noise: realistic` is the calibrated three-tier model; `low` divides spot-to-spot variability
    by 4; `none` removes it (for debugging strategies).
    """

    kind: Literal["sim"]
    sample: Literal["smbfo"] = "smbfo"
    noise: Literal["realistic", "low", "none"] = "realistic"
    sample_params: dict[str, float] = Field(default_factory=dict)
    timing: SimTimingConfig = Field(default_factory=SimTimingConfig)
    sspfm: SSPFMConfig = Field(default_factory=SSPFMConfig)
    start_xy_mm: XY = (0.0, 0.0)
    measure_timeout_s: PositiveFloat = 600.0

    @field_validator("sample_params")
    @classmethod
    def _known_params(cls, v: dict[str, float]) -> dict[str, float]:
        from hardware.pfm.smbfo import SmBFOParams

        known = {f.name for f in dataclasses.fields(SmBFOParams) if f.type in ("float", float)}
        bad = sorted(set(v) - known)
        if bad:
            raise ValueError(f"unknown sample parameter(s) {bad}; known: {sorted(known)}")
        return v

    def build(
        self,
        *,
        seed: int,
        composition_at: object,
        prior_measurements: int = 0,
        start_time_s: float = 0.0,
        start_xy_mm: XY | None = None,
    ) -> Instrument:
        from hardware.clock import SimClock
        from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
        from hardware.sim import SimPFMInstrument, SimTiming, SSPFMRecipe

        params = dataclasses.replace(SmBFOParams(), **self.sample_params)  # type: ignore[arg-type]
        if self.noise != "realistic":
            k = 0.25 if self.noise == "low" else 0.0
            params = dataclasses.replace(
                params,
                heterogeneity_sigma_ln=params.heterogeneity_sigma_ln * k,
                dead_spot_probability=params.dead_spot_probability * k,
                detector_noise=params.detector_noise * max(k, 0.01),
                vc_repeat_noise_v=params.vc_repeat_noise_v * k,
            )
        timing = SimTiming(**self.timing.model_dump())
        return SimPFMInstrument(
            SmBFOSample(params, seed),
            composition_at,  # type: ignore[arg-type]
            seed=seed,
            clock=SimClock(start_time_s),
            timing=timing,
            recipe=SSPFMRecipe(**self.sspfm.model_dump()),
            start_xy_mm=start_xy_mm or self.start_xy_mm,
            prior_measurements=prior_measurements,
            tip_lifetime_loops=params.tip_lifetime_loops,
        )


InstrumentConfig = Annotated[
    SimInstrumentConfig | ReplayInstrumentConfig, Field(discriminator="kind")
]
