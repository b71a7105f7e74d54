"""A simulated phase library with known ground-truth regions, for scoring novelty discovery.

A two-axis composition spread (two dopant gradients, along x and along y) whose phase map is
given in normalised library coordinates u = (x − x_min)/(x_max − x_min), v likewise for y. Five
families of switching behaviour occupy regions with smoothly wiggled boundaries (a random
field fixed by the seed), so a class map is not a set of straight lines:

====  =========================  ===============================================================
 id    family                      switching loop (loop model A of `loops.py` unless noted)
====  =========================  ===============================================================
  0    ferroelectric               square: R ≈ 10, V_c ≈ 3 V, w = 0.2·V_c, strong remanence
  1    imprinted ferroelectric     square loop shifted by V_im ≈ +2.2 V (built-in field)
  2    relaxor                     slim and slanted: small V_c, w ≈ 2.5 V, weak remanence
  3    paraelectric                linear on field (tanh with w ≫ V_max), ~no remanence
  4    antiferroelectric (rare)    pinched double loop: two field-induced branches at ±V_F/±V_B
                                   (forward 6 V, backward 3 V), almost no remanence
====  =========================  ===============================================================

Regions (unit coordinates, before the wiggle): u < 0.40 ferroelectric, imprinted where also
v ≥ 0.65; 0.40 ≤ u < 0.72 relaxor; u ≥ 0.72 paraelectric; and a small antiferroelectric
island (a disc of radius 0.075 centred at (0.86, 0.72), 1.8 % of the area) inside the
paraelectric field. Within a family the response drifts smoothly (R falls along u, V_c grows
along v, a smooth log-normal field), and every spot carries the realistic noise tiers of
`sample.py`: log-normal heterogeneity, dead spots, repeat noise on V_c, and detector noise.

`class_at` is the ground truth. It is exposed through `expected_metrics()["phase_class"]`
(benchmark scoring only: strategies never see it).
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
IntArray = NDArray[np.int64]

PHASE_CLASSES: tuple[str, ...] = (
    "ferroelectric",
    "imprinted_ferroelectric",
    "relaxor",
    "paraelectric",
    "antiferroelectric",
)
RARE_CLASS = 4


@dataclass(frozen=True)
class PhaseParams:
    """Phase map and loop families. Units: mm, unit library coordinates, V, a.u."""

    x_min_mm: float = 0.0
    x_max_mm: float = 10.0
    y_min_mm: float = 0.0
    y_max_mm: float = 10.0
    fe_relaxor_u: float = 0.40
    relaxor_pe_u: float = 0.72
    imprint_v: float = 0.65
    boundary_wiggle: float = 0.04  # std of the boundary displacement (unit coordinates)
    boundary_length: float = 0.2  # correlation length of the wiggle (unit coordinates)
    rare_center_u: float = 0.86
    rare_center_v: float = 0.72
    rare_radius: float = 0.075
    # ferroelectric (and imprinted) loops
    fe_r: float = 10.0  # off-field saturation (a.u.)
    fe_r_drop: float = 0.4  # fractional drop of R from u = 0 to the relaxor boundary
    fe_vc_v: float = 3.0
    fe_vc_growth: float = 0.3  # fractional V_c growth from v = 0 to v = 1
    fe_width_ratio: float = 0.2
    fe_on_field_ratio: float = 1.25
    imprint_shift_v: float = 2.2
    # relaxor
    relaxor_r: float = 1.2
    relaxor_vc_v: float = 0.6
    relaxor_width_v: float = 2.5
    relaxor_on_field_ratio: float = 3.0
    # paraelectric
    pe_r: float = 0.1
    pe_width_v: float = 25.0
    pe_on_field_ratio: float = 40.0
    # antiferroelectric
    afe_r: float = 0.3  # off-field per branch (residual remanence)
    afe_on_field_ratio: float = 15.0
    afe_forward_v: float = 6.0
    afe_backward_v: float = 3.0
    afe_width_v: float = 0.7
    # common
    electrostatic_slope: float = 0.03
    heterogeneity_sigma_ln: float = 0.25
    dead_spot_probability: float = 0.02
    detector_noise: float = 0.4
    vc_repeat_noise_v: float = 0.15
    spatial_sigma_ln: float = 0.1
    spatial_length_mm: float = 3.0
    tip_lifetime_loops: float = 3000.0
    f0_ref_hz: float = 320e3
    q_mean: float = 110.0
    q_spread: float = 0.25
    f0_repeat_jitter: float = 0.003


@dataclass
class PhaseLibrarySample:
    """The simulated phase library (see the module docstring). Reads no composition keys:
    the phase map is a function of the stage position over the library extent."""

    params: PhaseParams
    seed: int
    layout: SampleLayout = field(default_factory=SampleLayout)
    name: str = "phases"
    elements: tuple[str, ...] = ()
    fields: dict[str, SpatialField] = field(init=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(9,)))
        p = self.params
        sigma, length = p.boundary_wiggle, p.boundary_length
        self.fields = {
            "b_fe": SpatialField(rng, sigma=sigma, length_mm=length),
            "b_pe": SpatialField(rng, sigma=sigma, length_mm=length),
            "b_im": SpatialField(rng, sigma=sigma, length_mm=length),
            "ln_r": SpatialField(rng, sigma=p.spatial_sigma_ln, length_mm=p.spatial_length_mm),
        }

    @property
    def detector_noise(self) -> float:
        return self.params.detector_noise

    @property
    def class_names(self) -> tuple[str, ...]:
        """Name of each ground-truth class id of `class_at`."""
        return PHASE_CLASSES

    @property
    def f0_ref_hz(self) -> float:
        return self.params.f0_ref_hz

    # ---- ground truth -------------------------------------------------------------------------
    def unit(self, x_mm: FloatArray | float, y_mm: FloatArray | float) -> tuple[FloatArray, ...]:
        """Normalised library coordinates (u, v) of stage positions."""
        p = self.params
        u = (np.asarray(x_mm, float) - p.x_min_mm) / (p.x_max_mm - p.x_min_mm)
        v = (np.asarray(y_mm, float) - p.y_min_mm) / (p.y_max_mm - p.y_min_mm)
        return u, v

    def class_at(self, x_mm: FloatArray | float, y_mm: FloatArray | float) -> IntArray:
        """Ground-truth family id (index into PHASE_CLASSES) at stage positions (vectorised)."""
        p = self.params
        u, v = self.unit(x_mm, y_mm)
        b_fe = p.fe_relaxor_u + self.fields["b_fe"](u, v)
        b_pe = p.relaxor_pe_u + self.fields["b_pe"](u, v)
        b_im = p.imprint_v + self.fields["b_im"](u, v)
        out = np.where(u < b_fe, np.where(v >= b_im, 1, 0), np.where(u < b_pe, 2, 3))
        rare = np.hypot(u - p.rare_center_u, v - p.rare_center_v) <= p.rare_radius
        return np.asarray(np.where(rare, RARE_CLASS, out), dtype=np.int64)

    def _components(self, cls: int, x_mm: float, y_mm: float) -> SpotResponse:
        """Noise-free response of family `cls` at a position."""
        p = self.params
        u, v = (float(a) for a in self.unit(x_mm, y_mm))
        scale = float(np.exp(self.fields["ln_r"](x_mm, y_mm)))
        slope, f0 = p.electrostatic_slope, p.f0_ref_hz * (1.0 + 0.05 * (u - 0.5))
        if cls in (0, 1):
            r = p.fe_r * scale * (1.0 - p.fe_r_drop * min(u / p.fe_relaxor_u, 1.0))
            vc = p.fe_vc_v * (1.0 + p.fe_vc_growth * v)
            im = p.imprint_shift_v if cls == 1 else 0.0
            loop = LoopParams(0.0, r, im + vc, im - vc, p.fe_width_ratio * vc)
            return SpotResponse(loop, p.fe_on_field_ratio, slope, f0, p.q_mean)
        if cls == 2:
            vc = p.relaxor_vc_v
            loop = LoopParams(0.0, p.relaxor_r * scale, vc, -vc, p.relaxor_width_v)
            return SpotResponse(loop, p.relaxor_on_field_ratio, slope, f0, p.q_mean)
        if cls == 3:
            loop = LoopParams(0.0, p.pe_r * scale, 0.0, 0.0, p.pe_width_v)
            return SpotResponse(loop, p.pe_on_field_ratio, slope, f0, p.q_mean)
        r, fwd, bwd, w = p.afe_r * scale, p.afe_forward_v, p.afe_backward_v, p.afe_width_v
        branches = (  # positive- and negative-bias field-induced transitions
            (LoopParams(0.0, r, fwd, bwd, w), p.afe_on_field_ratio),
            (LoopParams(0.0, r, -bwd, -fwd, w), p.afe_on_field_ratio),
        )
        flat = LoopParams(0.0, 0.0, 0.0, 0.0, 1.0)
        return SpotResponse(flat, 1.0, slope, f0, p.q_mean, extra_loops=branches)

    # ---- SampleModel ------------------------------------------------------------------------
    def response(self, comp: Composition, x_mm: float, y_mm: float) -> SpotResponse:
        return self._components(int(self.class_at(x_mm, y_mm)), x_mm, y_mm)

    def spot(
        self, comp: Composition, x_mm: float, y_mm: float, rng: np.random.Generator
    ) -> SpotResponse:
        """One measured spot: heterogeneity and dead spots scale every component; the switching
        biases carry repeat noise; f0 and Q jitter from spot to spot."""
        p = self.params
        base = self.response(comp, x_mm, y_mm)
        factor = heterogeneity_factor(rng, p.heterogeneity_sigma_ln, p.dead_spot_probability)
        dvc = float(rng.normal(0.0, p.vc_repeat_noise_v))

        def noisy(lp: LoopParams) -> LoopParams:
            return LoopParams(
                lp.a0, lp.r * factor, lp.vc_plus_v + dvc, lp.vc_minus_v - dvc, lp.width_v
            )

        extra = tuple((noisy(lp), ratio) for lp, ratio in base.extra_loops)
        f0 = base.f0_hz * (1.0 + float(rng.normal(0.0, p.f0_repeat_jitter)))
        q = p.q_mean * (1.0 + p.q_spread * float(rng.uniform(-1.0, 1.0)))
        return SpotResponse(
            noisy(base.loop), base.on_field_ratio, base.electrostatic_slope, f0, q,
            extra_loops=extra,
        )  # fmt: skip

    def expected_metrics(self, comp: Composition, x_mm: float, y_mm: float) -> dict[str, float]:
        """Ground truth: the family id and the noise-free on-field saturation response."""
        resp = self.response(comp, x_mm, y_mm)
        r_on = resp.loop.r * resp.on_field_ratio + sum(lp.r * k for lp, k in resp.extra_loops)
        return {"phase_class": float(self.class_at(x_mm, y_mm)), "saturation_on": float(r_on)}

    def surface_at(self, x_mm: float, y_mm: float) -> Surface:
        return self.layout.surface_at(x_mm, y_mm)

    def area_fractions(self, n: int = 200) -> FloatArray:
        """Fraction of the library area covered by each family (n × n midpoint grid)."""
        p = self.params
        xs = p.x_min_mm + (np.arange(n) + 0.5) / n * (p.x_max_mm - p.x_min_mm)
        ys = p.y_min_mm + (np.arange(n) + 0.5) / n * (p.y_max_mm - p.y_min_mm)
        gx, gy = np.meshgrid(xs, ys)
        counts = np.bincount(self.class_at(gx.ravel(), gy.ravel()), minlength=len(PHASE_CLASSES))
        return np.asarray(counts / counts.sum())
