"""What a simulated sample library is: composition + position -> local piezoresponse.

A `SampleModel` turns a composition (element -> fraction, from the campaign's composition map)
and a stage position into the response of one measured spot. The tiers of the noise model of
reference/hardware-and-physics.md §4.6 live here (local heterogeneity, dead spots, smooth
spatial fields); detector noise and tip wear are applied by the simulated PFM and probe, which
own the tip. Every model also knows the physical layout of the sample (outline, keep-outs), so a
simulated approach off the film or onto a clamp fails the way a real one would.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from hardware.pfm.loops import LoopParams

FloatArray = NDArray[np.float64]
Composition = Mapping[str, float]
Surface = Literal["film", "off_sample", "keep_out"]


@dataclass(frozen=True)
class SpotResponse:
    """Electromechanical response of one spot (what the tip would see if it were perfect).

    Attributes:
        loop: off-field (remanent) loop, piezoresponse in a.u., biases in V.
        on_field_ratio: R_on / R_off (on-field loops are larger, §4.3).
        electrostatic_slope: on-field linear term as a fraction of R_on per V.
        f0_hz, q: contact resonance frequency and quality factor at this spot.
        breakdown_v: |bias| above which the film breaks down under the tip (tip damage: the
            response is lost for the rest of the loop at this spot); inf if never.
    """

    loop: LoopParams
    on_field_ratio: float
    electrostatic_slope: float
    f0_hz: float
    q: float
    breakdown_v: float = math.inf


class SampleModel(Protocol):
    """A simulated composition-spread library."""

    name: str
    elements: tuple[str, ...]  # composition keys the model reads
    detector_noise: float  # a.u., per loop point after the per-step fit
    f0_ref_hz: float  # nominal contact resonance (tune centre, tip-check reference)

    def response(self, comp: Composition, x_mm: float, y_mm: float) -> SpotResponse:
        """Noise-free local response (smooth spatial fields included)."""
        ...

    def spot(
        self, comp: Composition, x_mm: float, y_mm: float, rng: np.random.Generator
    ) -> SpotResponse:
        """One measured spot: heterogeneity, dead spots and repeat noise drawn from `rng`."""
        ...

    def expected_metrics(self, comp: Composition, x_mm: float, y_mm: float) -> dict[str, float]:
        """Ground truth for scoring benchmarks (never used for decisions)."""
        ...

    def surface_at(self, x_mm: float, y_mm: float) -> Surface:
        """What lies under the tip at a stage position."""
        ...


@dataclass(frozen=True)
class RegionSpec:
    """A circle or an axis-aligned rectangle on the stage plane (mm)."""

    kind: Literal["circle", "rect"]
    center_mm: tuple[float, float] = (0.0, 0.0)
    radius_mm: float = 0.0
    x_mm: tuple[float, float] = (0.0, 0.0)
    y_mm: tuple[float, float] = (0.0, 0.0)

    def contains(self, x_mm: float, y_mm: float) -> bool:
        if self.kind == "circle":
            return math.dist((x_mm, y_mm), self.center_mm) <= self.radius_mm
        return self.x_mm[0] <= x_mm <= self.x_mm[1] and self.y_mm[0] <= y_mm <= self.y_mm[1]


@dataclass(frozen=True)
class SampleLayout:
    """Physical layout: the film outline and the places a tip must never land (clamps, pads)."""

    outline: RegionSpec | None = None
    keep_outs: tuple[RegionSpec, ...] = field(default_factory=tuple)

    def surface_at(self, x_mm: float, y_mm: float) -> Surface:
        if any(k.contains(x_mm, y_mm) for k in self.keep_outs):
            return "keep_out"
        if self.outline is not None and not self.outline.contains(x_mm, y_mm):
            return "off_sample"
        return "film"


def heterogeneity_factor(
    rng: np.random.Generator, sigma_ln: float, dead_probability: float
) -> float:
    """Spot-to-spot multiplicative factor on R: log-normal with unit mean over live spots,
    rescaled so the mean over all spots (dead ones included) stays 1 (§4.6 tier 3)."""
    factor = float(rng.lognormal(-0.5 * sigma_ln * sigma_ln, sigma_ln))
    factor /= 1.0 - dead_probability
    return 0.0 if rng.random() < dead_probability else factor


def sigmoid_down(x: FloatArray | float, centre: float, width: float) -> FloatArray:
    """1 well below `centre`, 0 well above (phase-stability fractions)."""
    return np.asarray(1.0 / (1.0 + np.exp((np.asarray(x, float) - centre) / width)))
