"""Instrument section of the YAML: simulated instruments (lab and replay kinds join this union)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from explorer.config.base import XY, NonNegFloat, PositiveFloat, Strict

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
    sample: Literal["smbfo", "alscbn"] = "smbfo"
    noise: Literal["realistic", "low", "none"] = "realistic"
    sample_params: dict[str, float] = Field(default_factory=dict)
    timing: SimTimingConfig = Field(default_factory=SimTimingConfig)
    sspfm: SSPFMConfig = Field(default_factory=SSPFMConfig)
    start_xy_mm: XY = (0.0, 0.0)
    measure_timeout_s: PositiveFloat = 600.0

    @model_validator(mode="after")
    def _known_params(self) -> SimInstrumentConfig:
        known = sample_param_names(self.sample)
        bad = sorted(set(self.sample_params) - known)
        if bad:
            raise ValueError(
                f"sample_params: unknown parameter(s) {bad} for sample {self.sample!r}; "
                f"known: {sorted(known)}"
            )
        return self

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
        from hardware.sim import SimPFMInstrument, SimTiming, SSPFMRecipe

        sample = build_sample(self.sample, self.sample_params, self.noise, seed)
        timing = SimTiming(**self.timing.model_dump())
        return SimPFMInstrument(
            sample,
            composition_at,  # type: ignore[arg-type]
            seed=seed,
            clock=SimClock(start_time_s),
            timing=timing,
            recipe=SSPFMRecipe(**self.sspfm.model_dump()),
            start_xy_mm=start_xy_mm or self.start_xy_mm,
            prior_measurements=prior_measurements,
            tip_lifetime_loops=sample.params.tip_lifetime_loops,
        )


def _sample_classes(name: str) -> tuple[type, type]:
    if name == "alscbn":
        from hardware.pfm.alscbn import AlScBNParams, AlScBNSample

        return AlScBNParams, AlScBNSample
    from hardware.pfm.smbfo import SmBFOParams, SmBFOSample

    return SmBFOParams, SmBFOSample


def sample_param_names(name: str) -> set[str]:
    """Float parameters of a sample model that `sample_params` may override."""
    params_cls, _ = _sample_classes(name)
    return {f.name for f in dataclasses.fields(params_cls) if f.type in ("float", float)}


def sample_elements(name: str) -> tuple[str, ...]:
    """Composition keys a simulated sample reads from the library's composition map."""
    return {"smbfo": ("Sm",), "alscbn": ("Sc", "B")}[name]


NOISE_TIERS = ("heterogeneity_sigma_ln", "dead_spot_probability", "vc_repeat_noise_v")


def build_sample(name: str, overrides: dict[str, float], noise: str, seed: int) -> Any:
    """The simulated sample model, with overrides and the chosen noise level applied.

    `noise: low` divides the spot-to-spot tiers by 4, `none` removes them (the detector noise
    is kept at 1 % so fits stay well posed)."""
    params_cls, sample_cls = _sample_classes(name)
    params = dataclasses.replace(params_cls(), **overrides)
    if noise != "realistic":
        k = 0.25 if noise == "low" else 0.0
        scaled = {f: getattr(params, f) * k for f in NOISE_TIERS}
        scaled["detector_noise"] = params.detector_noise * max(k, 0.01)
        params = dataclasses.replace(params, **scaled)
    return sample_cls(params, seed)


InstrumentConfig = Annotated[SimInstrumentConfig, Field(discriminator="kind")]
