"""(Al,Sc,B)N ternary composition-spread sample (reference/hardware-and-physics.md §4.5, §4.6).

Composition (Al, Sc, B) = (1 − s − b, s, b) comes from the campaign's ternary map (three sputter
sources). The model is a modelling sketch with order-of-magnitude defaults, every one a field of
`AlScBNParams` (and overridable from the YAML):

* wurtzite stability  f_wz = 1/(1 + exp((s − s_c)/δ_s)),  boron  g_B = 1/(1 + exp((b − b_c)/δ_B));
  beyond either boundary the film is rock-salt / hexagonal-BN-like and not piezoelectric;
* piezoresponse       d33 = (5 + 45·s)·f_wz·g_B  pm/V, so the response peaks at the boundary;
* coercive field      E_c = max(6 − 8·s − 10·b, 2) MV/cm, V_c = E_c·t: tens of volts at 100 nm,
  so switching is only seen where V_c < V_max of the high-voltage amplifier ("ferroelectricity
  emerges at the phase-stability boundary" falls out of the two trends);
* leakage             a spot is leaky with probability p = p0 + k·s²: charge injection screens
  the remanent response (×0.3), the on-field electrostatic term grows ×5, breakdown halves;
* breakdown           E_bd = 9 − 6·s MV/cm: where |V| > V_bd the tip damages the spot and the
  response is lost for the rest of that loop (§4.5 "tip damage");
* layout              a 1-inch wafer with two clamps and a bottom-electrode contact pad as
  keep-outs (`alscbn_layout`); a tip landing on a clamp or pad is a crash.

Nitride loops are square (w ≈ 0.12·V_c) with a negative imprint (N-polar as grown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hardware.pfm.fields import SpatialField
from hardware.pfm.loops import LoopParams
from hardware.pfm.sample import (
    Composition,
    RegionSpec,
    SampleLayout,
    SpotResponse,
    Surface,
    heterogeneity_factor,
    sigmoid_down,
)

CM_PER_NM = 1e-7
V_PER_MV = 1e6


@dataclass(frozen=True)
class AlScBNParams:
    """Materials model of the (Al,Sc,B)N spread. Units: fractions, nm, MV/cm, V, a.u."""

    film_thickness_nm: float = 100.0
    sc_boundary: float = 0.42  # s_c, wurtzite -> rock-salt
    sc_boundary_width: float = 0.02
    b_boundary: float = 0.17  # b_c
    b_boundary_width: float = 0.02
    d33_base_pm_per_v: float = 5.0
    d33_sc_slope_pm_per_v: float = 45.0
    response_au_per_pm_v: float = 1.0  # optical-lever gain: a.u. of PR per pm/V
    ec_base_mv_per_cm: float = 6.0
    ec_sc_slope: float = -8.0
    ec_b_slope: float = -10.0
    ec_floor_mv_per_cm: float = 2.0
    width_ratio: float = 0.12  # w / V_c (square nitride loops)
    imprint_ratio: float = -0.08  # V_im / V_c (N-polar as grown)
    off_field_ratio: float = 0.85  # R_off / R_on
    electrostatic_slope: float = 0.004  # on-field slope, fraction of R per V
    leak_base: float = 0.02
    leak_sc_coeff: float = 0.4
    leak_remanence_factor: float = 0.3
    breakdown_base_mv_per_cm: float = 9.0
    breakdown_sc_slope: float = -6.0
    heterogeneity_sigma_ln: float = 0.3
    dead_spot_probability: float = 0.05
    detector_noise: float = 0.3
    vc_repeat_noise_v: float = 0.8
    spatial_sigma_ln: float = 0.08
    spatial_vc_sigma_v: float = 1.0
    spatial_length_mm: float = 3.0
    f0_ref_hz: float = 300e3
    f0_b_slope: float = 0.1  # relative stiffening per unit B fraction
    q_mean: float = 150.0
    q_spread: float = 0.3
    f0_repeat_jitter: float = 0.003
    tip_lifetime_loops: float = 1500.0  # high fields wear tips faster than on oxides


def alscbn_layout(
    center_mm: tuple[float, float] = (25.0, 25.0), radius_mm: float = 12.7
) -> SampleLayout:
    """A 1-inch wafer with clamps at 9 and 3 o'clock and an electrode pad at 12 o'clock."""
    cx, cy = center_mm
    r = radius_mm
    return SampleLayout(
        outline=RegionSpec("circle", center_mm=center_mm, radius_mm=r),
        keep_outs=(
            RegionSpec("rect", x_mm=(cx - r - 1.0, cx - r + 2.5), y_mm=(cy - 2.0, cy + 2.0)),
            RegionSpec("rect", x_mm=(cx + r - 2.5, cx + r + 1.0), y_mm=(cy - 2.0, cy + 2.0)),
            RegionSpec("rect", x_mm=(cx - 2.0, cx + 2.0), y_mm=(cy + r - 3.0, cy + r + 1.0)),
        ),
    )


@dataclass
class AlScBNSample:
    """A simulated (Al,Sc,B)N library: (s, b) -> wurtzite stability, d33, V_c, leakage."""

    params: AlScBNParams
    seed: int
    layout: SampleLayout = field(default_factory=alscbn_layout)
    name: str = "alscbn"
    elements: tuple[str, ...] = ("Sc", "B")
    fields: dict[str, SpatialField] = field(init=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(8,)))
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

    # ---- material trends (noise-free, vectorised over fractions) ---------------------------
    def wurtzite_fraction(self, s: float, b: float) -> float:
        p = self.params
        f_wz = sigmoid_down(s, p.sc_boundary, p.sc_boundary_width)
        g_b = sigmoid_down(b, p.b_boundary, p.b_boundary_width)
        return float(f_wz * g_b)

    def d33_pm_per_v(self, s: float, b: float) -> float:
        p = self.params
        return (p.d33_base_pm_per_v + p.d33_sc_slope_pm_per_v * s) * self.wurtzite_fraction(s, b)

    def coercive_field_mv_per_cm(self, s: float, b: float) -> float:
        p = self.params
        ec = p.ec_base_mv_per_cm + p.ec_sc_slope * s + p.ec_b_slope * b
        return max(ec, p.ec_floor_mv_per_cm)

    def _volts(self, field_mv_per_cm: float) -> float:
        return field_mv_per_cm * V_PER_MV * self.params.film_thickness_nm * CM_PER_NM

    def coercive_bias_v(self, s: float, b: float) -> float:
        return self._volts(self.coercive_field_mv_per_cm(s, b))

    def breakdown_bias_v(self, s: float) -> float:
        p = self.params
        return self._volts(max(p.breakdown_base_mv_per_cm + p.breakdown_sc_slope * s, 1.0))

    def leak_probability(self, s: float) -> float:
        p = self.params
        return min(p.leak_base + p.leak_sc_coeff * s * s, 0.95)

    @staticmethod
    def _sb(comp: Composition) -> tuple[float, float]:
        return float(comp["Sc"]), float(comp["B"])

    # ---- SampleModel ------------------------------------------------------------------------
    def response(self, comp: Composition, x_mm: float, y_mm: float) -> SpotResponse:
        p = self.params
        s, b = self._sb(comp)
        vc = max(self.coercive_bias_v(s, b) + float(self.fields["vc"](x_mm, y_mm)), 1.0)
        r = self.d33_pm_per_v(s, b) * p.response_au_per_pm_v
        r *= float(np.exp(self.fields["ln_r"](x_mm, y_mm)))
        im = p.imprint_ratio * vc
        loop = LoopParams(0.0, r, im + vc, im - vc, p.width_ratio * vc, 0.0)
        f0 = p.f0_ref_hz * (1.0 + p.f0_b_slope * b)
        return SpotResponse(
            loop,
            1.0 / p.off_field_ratio,
            p.electrostatic_slope,
            f0,
            p.q_mean,
            self.breakdown_bias_v(s),
        )

    def spot(
        self, comp: Composition, x_mm: float, y_mm: float, rng: np.random.Generator
    ) -> SpotResponse:
        p = self.params
        s, _ = self._sb(comp)
        base = self.response(comp, x_mm, y_mm)
        factor = heterogeneity_factor(rng, p.heterogeneity_sigma_ln, p.dead_spot_probability)
        dvc = float(rng.normal(0.0, p.vc_repeat_noise_v))
        leaky = bool(rng.random() < self.leak_probability(s))
        lp = base.loop
        r = lp.r * factor * (p.leak_remanence_factor if leaky else 1.0)
        loop = LoopParams(lp.a0, r, lp.vc_plus_v + dvc, lp.vc_minus_v - dvc, lp.width_v, 0.0)
        f0 = base.f0_hz * (1.0 + float(rng.normal(0.0, p.f0_repeat_jitter)))
        q = p.q_mean * (1.0 + p.q_spread * float(rng.uniform(-1.0, 1.0)))
        slope = base.electrostatic_slope * (5.0 if leaky else 1.0)
        breakdown = base.breakdown_v * (0.5 if leaky else 1.0)
        return SpotResponse(loop, base.on_field_ratio, slope, f0, q, breakdown)

    def expected_metrics(self, comp: Composition, x_mm: float, y_mm: float) -> dict[str, float]:
        s, b = self._sb(comp)
        lp = self.response(comp, x_mm, y_mm).loop
        return {
            "d33_pm_per_v": self.d33_pm_per_v(s, b),
            "wurtzite_fraction": self.wurtzite_fraction(s, b),
            "coercive_bias": lp.coercive_bias_v,
            "imprint": lp.imprint_v,
            "loop_area": float(2.0 * lp.r * (lp.vc_plus_v - lp.vc_minus_v)),
            "loop_height": float(2.0 * lp.r * math.tanh(lp.coercive_bias_v / lp.width_v)),
            "breakdown_bias": self.breakdown_bias_v(s),
            "leak_probability": self.leak_probability(s),
        }

    def surface_at(self, x_mm: float, y_mm: float) -> Surface:
        return self.layout.surface_at(x_mm, y_mm)
