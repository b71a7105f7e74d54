"""Sm-doped BiFeO3 composition-spread sample (reference/hardware-and-physics.md §4.4, §4.6).

Ground truth is calibrated on the seed group's 20-point loop-height grid
(example dataset smbfo-loop-height-digitized), read as Sm fraction x = 0.2·position: a baseline plus
two peaks flanking the morphotropic phase boundary at x_c = 0.14 (the reported double-peak fine
structure), least-squares fitted to the digitized means (rms 4.1 a.u.):

    h(x) = 3.99 + 31.48·G(x; 0.1004, 0.0218) + 49.82·G(x; 0.1719, 0.0282)      [a.u.]

The coercive bias softens across the boundary, so loop area and coercive bias trade off.
Spot-to-spot variability is multiplicative (log-normal, σ_ln = 0.53, plus 5 % dead spots) with
a small additive floor, which reproduces the dataset's std ≈ 0.63·mean + 1.2 (CV ≈ 0.66 where the
response is high). All parameters are fields of `SmBFOParams` and can be changed in the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hardware.pfm.fields import SpatialField
from hardware.pfm.loops import LoopParams
from hardware.pfm.sample import (
    Composition,
    SampleLayout,
    SpotResponse,
    Surface,
    heterogeneity_factor,
)

FloatArray = NDArray[np.float64]


def _gauss(x: FloatArray, mu: float, sigma: float) -> FloatArray:
    return np.asarray(np.exp(-0.5 * ((x - mu) / sigma) ** 2))


@dataclass(frozen=True)
class SmBFOParams:
    """Materials model of the SmBFO spread. Units: Sm fraction, V, a.u."""

    x_mpb: float = 0.14
    mpb_width: float = 0.008
    baseline_height: float = 3.99
    peak1: tuple[float, float, float] = (31.48, 0.1004, 0.0218)  # height, centre, sigma
    peak2: tuple[float, float, float] = (49.82, 0.1719, 0.0282)
    peak_width_scale: float = 1.0  # multiplies both peak sigmas (< 1: a narrow-optimum library)
    vc_fe_v: float = 3.0  # coercive half-width on the rhombohedral (FE) side
    vc_softening: float = 0.45  # fractional drop of Vc across the boundary
    vc_slope_v: float = -2.0  # per unit Sm fraction
    width_ratio: float = 0.25  # w / Vc
    imprint_v: float = -0.2
    imprint_slope_v: float = 2.0
    off_field_ratio: float = 0.8  # R_off / R_on
    electrostatic_slope: float = 0.08  # on-field slope, fraction of R per V
    heterogeneity_sigma_ln: float = 0.53
    dead_spot_probability: float = 0.05
    detector_noise: float = 0.6  # per loop point, a.u.
    vc_repeat_noise_v: float = 0.08
    spatial_sigma_ln: float = 0.08  # smooth variation of ln R along the library
    spatial_vc_sigma_v: float = 0.12
    spatial_length_mm: float = 1.5
    tip_lifetime_loops: float = 3000.0
    f0_ref_hz: float = 350e3  # contact resonance at the MPB (Asylum DART ~350 kHz)
    f0_slope: float = 0.05  # relative f0 change per unit Sm fraction away from the MPB
    q_mean: float = 120.0
    q_spread: float = 0.25  # spot-to-spot Q spread (uniform, ± fraction)
    f0_repeat_jitter: float = 0.003  # relative f0 jitter between spots


@dataclass
class SmBFOSample:
    """A simulated SmBFO library: Sm fraction -> loop parameters, with local variability.

    The composition comes from the campaign's library map (`{"Sm": x}`); the simulated sample is
    built to match it. `layout` is the physical film (default: unbounded, no keep-outs).
    """

    params: SmBFOParams
    seed: int
    layout: SampleLayout = field(default_factory=SampleLayout)
    name: str = "smbfo"
    elements: tuple[str, ...] = ("Sm",)
    fields: dict[str, SpatialField] = field(init=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7,)))
        p = self.params
        self.fields = {
            "ln_r": SpatialField(rng, sigma=p.spatial_sigma_ln, length_mm=p.spatial_length_mm),
            "vc": SpatialField(rng, sigma=p.spatial_vc_sigma_v, length_mm=p.spatial_length_mm),
        }

    @property
    def detector_noise(self) -> float:
        return self.params.detector_noise

    @property
    def f0_ref_hz(self) -> float:
        return self.params.f0_ref_hz

    # ---- ground truth (noise-free expectations) -------------------------------------------
    def mean_loop_height(self, x_sm: FloatArray) -> FloatArray:
        """Expected loop height (a.u.) at Sm fraction x, before spatial variation."""
        p = self.params
        x = np.asarray(x_sm, float)
        return np.asarray(
            p.baseline_height
            + p.peak1[0] * _gauss(x, p.peak1[1], p.peak1[2] * p.peak_width_scale)
            + p.peak2[0] * _gauss(x, p.peak2[1], p.peak2[2] * p.peak_width_scale)
        )

    def fe_fraction(self, x_sm: FloatArray) -> FloatArray:
        p = self.params
        return np.asarray(1.0 / (1.0 + np.exp((np.asarray(x_sm, float) - p.x_mpb) / p.mpb_width)))

    def mean_coercive_bias(self, x_sm: FloatArray) -> FloatArray:
        p = self.params
        x = np.asarray(x_sm, float)
        soft = 1.0 - p.vc_softening * (1.0 - self.fe_fraction(x))
        return np.asarray(p.vc_fe_v * soft + p.vc_slope_v * x)

    def loop_params(self, x_sm: float, x_mm: float, y_mm: float) -> LoopParams:
        """Noise-free off-field loop parameters at a position (includes smooth spatial fields)."""
        p = self.params
        vc = float(self.mean_coercive_bias(np.array(x_sm)) + self.fields["vc"](x_mm, y_mm))
        vc = max(vc, 0.3)
        w = p.width_ratio * vc
        height = float(self.mean_loop_height(np.array(x_sm))) * float(
            np.exp(self.fields["ln_r"](x_mm, y_mm))
        )
        r = height / (2.0 * np.tanh(vc / w))
        im = p.imprint_v + p.imprint_slope_v * x_sm
        return LoopParams(0.0, r, im + vc, im - vc, w, 0.0)

    def _x(self, comp: Composition) -> float:
        return float(comp["Sm"])

    def response(self, comp: Composition, x_mm: float, y_mm: float) -> SpotResponse:
        p = self.params
        x = self._x(comp)
        f0 = p.f0_ref_hz * (1.0 + p.f0_slope * (x - p.x_mpb))
        return SpotResponse(
            self.loop_params(x, x_mm, y_mm),
            1.0 / p.off_field_ratio,
            p.electrostatic_slope,
            f0,
            p.q_mean,
        )

    def expected_metrics(self, comp: Composition, x_mm: float, y_mm: float) -> dict[str, float]:
        """Ground-truth loop metrics at a position (what an infinite number of spots average to)."""
        lp = self.loop_params(self._x(comp), x_mm, y_mm)
        h = 2.0 * lp.r * np.tanh(lp.coercive_bias_v / lp.width_v)
        return {
            "loop_height": float(h),
            "loop_area": float(2.0 * lp.r * (lp.vc_plus_v - lp.vc_minus_v)),
            "coercive_bias": lp.coercive_bias_v,
            "imprint": lp.imprint_v,
        }

    def surface_at(self, x_mm: float, y_mm: float) -> Surface:
        return self.layout.surface_at(x_mm, y_mm)

    # ---- one spot measurement ---------------------------------------------------------------
    def spot(
        self, comp: Composition, x_mm: float, y_mm: float, rng: np.random.Generator
    ) -> SpotResponse:
        """One measured spot: local heterogeneity, dead spots, repeat noise on Vc, f0 and Q."""
        p = self.params
        base = self.response(comp, x_mm, y_mm)
        factor = heterogeneity_factor(rng, p.heterogeneity_sigma_ln, p.dead_spot_probability)
        dvc = float(rng.normal(0.0, p.vc_repeat_noise_v))
        lp = base.loop
        loop = LoopParams(
            lp.a0, lp.r * factor, lp.vc_plus_v + dvc, lp.vc_minus_v - dvc, lp.width_v, 0.0
        )
        f0 = base.f0_hz * (1.0 + float(rng.normal(0.0, p.f0_repeat_jitter)))
        q = p.q_mean * (1.0 + p.q_spread * float(rng.uniform(-1.0, 1.0)))
        return SpotResponse(loop, base.on_field_ratio, base.electrostatic_slope, f0, q)
