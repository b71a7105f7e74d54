"""Switching-spectroscopy (SS-PFM / BEPS) waveforms, loop generation and loop fitting.

Loop model A of reference/hardware-and-physics.md §4.3: two shifted tanh branches plus a linear
(electrostatic) term,

    forward  (V rising):   PR_f(V) = a0 + R·tanh((V − Vc⁺)/w) + b·V
    reverse  (V falling):  PR_r(V) = a0 + R·tanh((V − Vc⁻)/w) + b·V

with coercive biases Vc⁺ > Vc⁻, imprint V_im = (Vc⁺ + Vc⁻)/2 and coercive half-width
Vc = (Vc⁺ − Vc⁻)/2. Closed forms: area = 2R·(Vc⁺ − Vc⁻) for saturated loops, height (the branch
gap at V_im) = 2R·tanh(Vc/w). Fitting recovers these from noisy raw loops (robust to SHO spikes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LoopParams:
    """Parameters of loop model A (biases in V, response in a.u.)."""

    a0: float
    r: float
    vc_plus_v: float
    vc_minus_v: float
    width_v: float
    slope_per_v: float = 0.0

    @property
    def coercive_bias_v(self) -> float:
        return 0.5 * (self.vc_plus_v - self.vc_minus_v)

    @property
    def imprint_v(self) -> float:
        return 0.5 * (self.vc_plus_v + self.vc_minus_v)


@dataclass(frozen=True)
class LoopMetrics:
    """Scalar loop descriptors (the objectives campaigns optimise)."""

    loop_area: float  # ∫(upper − lower) dV of the fitted model over the bias range (a.u.·V)
    loop_area_numeric: float  # trapezoid integral of the raw loop (a.u.·V)
    loop_height: float  # branch gap at the imprint bias (a.u.)
    loop_height_raw: float  # max(upper branch) − min(lower branch) (a.u.)
    coercive_bias: float  # (Vc⁺ − Vc⁻)/2 (V)
    imprint: float  # (Vc⁺ + Vc⁻)/2 (V)
    vc_plus: float
    vc_minus: float
    remanent_response: float  # (PR_r(0) − PR_f(0))/2 (a.u.)
    saturation_response: float  # R (a.u.)
    fit_r2: float

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def triangle_waveform(v_max: float, steps_per_cycle: int, cycles: int = 1) -> FloatArray:
    """Write biases 0 → +v_max → −v_max → 0, `steps_per_cycle` points per cycle (multiple of 4)."""
    if steps_per_cycle % 4 or steps_per_cycle < 8:
        raise ValueError(f"steps_per_cycle must be a multiple of 4 and >= 8, got {steps_per_cycle}")
    q = steps_per_cycle // 4
    up = np.linspace(0.0, v_max, q + 1)[1:]
    down = np.linspace(v_max, -v_max, 2 * q + 1)[1:]
    back = np.linspace(-v_max, 0.0, q + 1)[1:]
    one = np.concatenate([up, down, back])
    return np.tile(one, cycles)


def branch_directions(bias_v: FloatArray) -> NDArray[np.bool_]:
    """True where the bias is rising (forward branch), False where falling."""
    d = np.diff(bias_v, prepend=bias_v[0] - (bias_v[1] - bias_v[0]))
    return np.asarray(d >= 0)


def loop_model(params: LoopParams, bias_v: FloatArray, rising: NDArray[np.bool_]) -> FloatArray:
    """Evaluate loop model A on a bias sequence with known branch directions."""
    vc = np.where(rising, params.vc_plus_v, params.vc_minus_v)
    w = max(params.width_v, 1e-9)
    return np.asarray(
        params.a0 + params.r * np.tanh((bias_v - vc) / w) + params.slope_per_v * bias_v
    )


def _initial_guess(bias_v: FloatArray, pr: FloatArray, rising: NDArray[np.bool_]) -> FloatArray:
    v_max = float(np.max(np.abs(bias_v))) or 1.0
    lo, hi = np.percentile(pr, [5, 95])
    a0, r = 0.5 * (hi + lo), max(0.5 * (hi - lo), 1e-12)

    def crossing(mask: NDArray[np.bool_], default: float) -> float:
        v, y = bias_v[mask], pr[mask] - a0
        order = np.argsort(v)
        v, y = v[order], y[order]
        sign = np.sign(y)
        idx = np.nonzero(np.diff(sign) != 0)[0]
        return float(v[idx[len(idx) // 2]]) if len(idx) else default

    vcp = crossing(rising, 0.3 * v_max)
    vcm = crossing(~rising, -0.3 * v_max)
    if vcp <= vcm:
        vcp, vcm = max(vcp, vcm) + 0.05 * v_max, min(vcp, vcm) - 0.05 * v_max
    return np.array([a0, r, vcp, vcm, np.log(0.1 * v_max), 0.0])


def fit_loop(
    bias_v: FloatArray, pr: FloatArray, rising: NDArray[np.bool_] | None = None
) -> tuple[LoopParams, float]:
    """Robust least-squares fit of loop model A. Returns (params, R²).

    Uses a soft-L1 loss so isolated SHO-fit spikes do not drag the fit; the width is fitted in
    log space to stay positive. Raises ValueError if the data are not finite.
    """
    bias_v = np.asarray(bias_v, dtype=float)
    pr = np.asarray(pr, dtype=float)
    if bias_v.shape != pr.shape or bias_v.ndim != 1 or len(bias_v) < 8:
        raise ValueError(
            f"loop arrays must be 1-D, equal length >= 8; got {bias_v.shape}, {pr.shape}"
        )
    if not (np.all(np.isfinite(bias_v)) and np.all(np.isfinite(pr))):
        raise ValueError("loop contains NaN or inf values")
    rising = branch_directions(bias_v) if rising is None else rising
    v_max = float(np.max(np.abs(bias_v))) or 1.0
    q75, q25 = np.percentile(pr, [75, 25])
    scale = float(q75 - q25) or float(np.std(pr)) or 1.0  # robust to spikes

    def resid(q: FloatArray) -> FloatArray:
        p = LoopParams(q[0], q[1], q[2], q[3], float(np.exp(q[4])), q[5])
        return (loop_model(p, bias_v, rising) - pr) / scale

    def jac(q: FloatArray) -> FloatArray:
        """Analytic Jacobian of `resid` (one model evaluation instead of seven)."""
        w = float(np.exp(q[4]))
        vc = np.where(rising, q[2], q[3])
        t = np.tanh((bias_v - vc) / w)
        dvc = -q[1] * (1.0 - t * t) / w
        cols = [
            np.ones_like(bias_v),
            t,
            np.where(rising, dvc, 0.0),
            np.where(rising, 0.0, dvc),
            dvc * (bias_v - vc),
            bias_v,
        ]
        return np.column_stack(cols) / scale

    x0 = _initial_guess(bias_v, pr, rising)
    lb = [-np.inf, 0.0, -1.5 * v_max, -1.5 * v_max, np.log(1e-3 * v_max), -np.inf]
    ub = [np.inf, np.inf, 1.5 * v_max, 1.5 * v_max, np.log(2.0 * v_max), np.inf]
    x0 = np.clip(x0, np.array(lb) + 1e-9, np.array(ub) - 1e-9)
    sol = least_squares(
        resid, x0, jac=jac, bounds=(lb, ub), loss="soft_l1", f_scale=0.5, max_nfev=400
    )
    q = sol.x
    params = LoopParams(
        float(q[0]), float(q[1]), float(q[2]), float(q[3]), float(np.exp(q[4])), float(q[5])
    )
    if params.vc_plus_v < params.vc_minus_v:  # a degenerate (inverted) fit: swap labels
        params = LoopParams(
            params.a0,
            params.r,
            params.vc_minus_v,
            params.vc_plus_v,
            params.width_v,
            params.slope_per_v,
        )
    fitted = loop_model(params, bias_v, rising)
    ss_res = float(np.sum((pr - fitted) ** 2))
    ss_tot = float(np.sum((pr - pr.mean()) ** 2)) or 1.0
    return params, 1.0 - ss_res / ss_tot


def numeric_loop_area(
    bias_v: FloatArray, pr: FloatArray, rising: NDArray[np.bool_] | None = None
) -> float:
    """∫(upper − lower) dV by trapezoids over the common bias range of the two branches."""
    rising = branch_directions(bias_v) if rising is None else rising
    grid = np.linspace(
        max(bias_v[rising].min(), bias_v[~rising].min()),
        min(bias_v[rising].max(), bias_v[~rising].max()),
        256,
    )

    def branch(mask: NDArray[np.bool_]) -> FloatArray:
        v, y = bias_v[mask], pr[mask]
        order = np.argsort(v, kind="stable")
        return np.interp(grid, v[order], y[order])

    return float(abs(np.trapezoid(branch(~rising) - branch(rising), grid)))


def model_loop_area(params: LoopParams, v_min: float, v_max: float) -> float:
    """∫(PR_r − PR_f) dV of the fitted model over [v_min, v_max] (→ 2R·(Vc⁺ − Vc⁻) if saturated)."""
    grid = np.linspace(v_min, v_max, 512)
    upper = loop_model(params, grid, np.zeros_like(grid, dtype=bool))
    lower = loop_model(params, grid, np.ones_like(grid, dtype=bool))
    return float(np.trapezoid(upper - lower, grid))


def loop_metrics(bias_v: FloatArray, pr: FloatArray) -> LoopMetrics:
    """Fit one loop and derive every scalar descriptor.

    Steps whose per-step fit failed (NaN response, e.g. a degenerate DART readout on a dead
    spot) are dropped with their bias; branch directions come from the full waveform first.
    """
    bias_v, pr = np.asarray(bias_v, float), np.asarray(pr, float)
    rising = branch_directions(bias_v)
    ok = np.isfinite(pr) & np.isfinite(bias_v)
    if not ok.all():
        bias_v, pr, rising = bias_v[ok], pr[ok], rising[ok]
        if len(pr) < 8 or rising.all() or not rising.any():
            raise ValueError(f"only {len(pr)} usable loop points after dropping failed steps")
    p, r2 = fit_loop(bias_v, pr, rising)
    vc = p.coercive_bias_v
    # branch gap at the imprint bias (= 2R·tanh(Vc/w)); an imprint outside the measured bias
    # range (a fit to a loop that never switched) is clipped to it instead of extrapolated
    v_im = np.array([float(np.clip(p.imprint_v, bias_v.min(), bias_v.max()))])
    height = float(
        loop_model(p, v_im, np.array([False]))[0] - loop_model(p, v_im, np.array([True]))[0]
    )
    zero = np.array([0.0])
    upper0 = loop_model(p, zero, np.array([False]))[0]
    lower0 = loop_model(p, zero, np.array([True]))[0]
    return LoopMetrics(
        loop_area=model_loop_area(p, float(bias_v.min()), float(bias_v.max())),
        loop_area_numeric=numeric_loop_area(bias_v, pr, rising),
        loop_height=height,
        loop_height_raw=float(np.max(pr[~rising]) - np.min(pr[rising])),
        coercive_bias=vc,
        imprint=p.imprint_v,
        vc_plus=p.vc_plus_v,
        vc_minus=p.vc_minus_v,
        remanent_response=0.5 * float(upper0 - lower0),
        saturation_response=p.r,
        fit_r2=r2,
    )
