"""The one table of simulated sample models: name -> parameters class, model class and the
composition keys it reads from the library's composition map.

Every float field of a parameters class is a documented, overridable parameter
(`instrument.sample_params` in the campaign YAML); see each class's docstring for units.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hardware.assembly.specs import SampleSpec
from hardware.pfm.alscbn import AlScBNParams, AlScBNSample
from hardware.pfm.phases import PhaseLibrarySample, PhaseParams
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample


@dataclass(frozen=True)
class SampleKind:
    """One simulated sample model.

    Attributes:
        params: the frozen dataclass of its parameters (defaults are the calibrated values).
        model: `model(params, seed)` builds the sample.
        elements: composition keys it reads (empty: its map follows the stage position).
        summary: one line for listings.
    """

    params: type
    model: type
    elements: tuple[str, ...]
    summary: str


SAMPLES: dict[str, SampleKind] = {
    "smbfo": SampleKind(
        SmBFOParams, SmBFOSample, ("Sm",), "Sm-doped BiFeO3 binary spread (hardware.pfm.smbfo)"
    ),
    "alscbn": SampleKind(
        AlScBNParams, AlScBNSample, ("Sc", "B"), "(Al,Sc,B)N ternary spread (hardware.pfm.alscbn)"
    ),
    "phases": SampleKind(
        PhaseParams, PhaseLibrarySample, (), "ground-truth phase library (hardware.pfm.phases)"
    ),
}

#: spot-to-spot variability tiers that `noise: low | none` scale down
NOISE_TIERS = ("heterogeneity_sigma_ln", "dead_spot_probability", "vc_repeat_noise_v")


def sample_kind(name: str) -> SampleKind:
    """The table entry; ValueError naming the known samples."""
    try:
        return SAMPLES[name]
    except KeyError:
        raise ValueError(f"unknown sample {name!r}; known: {sorted(SAMPLES)}") from None


def sample_param_names(name: str) -> set[str]:
    """Float parameters of a sample model that an override may set."""
    fields = dataclasses.fields(sample_kind(name).params)
    return {f.name for f in fields if f.type in ("float", float)}


def sample_elements(name: str) -> tuple[str, ...]:
    """Composition keys a simulated sample reads from the library's composition map."""
    return sample_kind(name).elements


def build_sample(spec: SampleSpec, seed: int) -> Any:
    """The simulated sample model, with overrides and the chosen noise level applied.

    `noise: low` divides the spot-to-spot tiers by 4, `none` removes them (the detector noise
    is kept at 1 % so fits stay well posed)."""
    kind = sample_kind(spec.name)
    params = dataclasses.replace(kind.params(), **spec.overrides)
    if spec.noise != "realistic":
        k = 0.25 if spec.noise == "low" else 0.0
        scaled = {f: getattr(params, f) * k for f in NOISE_TIERS}
        scaled["detector_noise"] = params.detector_noise * max(k, 0.01)
        params = dataclasses.replace(params, **scaled)
    return kind.model(params, seed)
